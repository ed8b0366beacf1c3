import { isWorkday } from 'chinese-days';
import { BusinessCalendar, CalendarSettings, SlaPolicy } from '@closeloop/sla-domain';

/**
 * A site's working calendar: mainland China's public holidays and adjusted workdays (调休) from the chinese-days
 * package, with the site's own closures and extra working days from the policy on top.
 */
export const calendarOf = (settings: CalendarSettings): BusinessCalendar => {
  const closed = new Set(settings.closedOn);
  const open = new Set(settings.openOn);
  return {
    timeZone: settings.timeZone,
    opens: settings.opens,
    closes: settings.closes,
    isWorkingDay: (date) => open.has(date) || (!closed.has(date) && isWorkday(date)),
  };
};

export const siteCalendars = (policy: SlaPolicy): ((siteId: string | undefined) => BusinessCalendar) => {
  const byDefault = calendarOf(policy.calendar);
  const perSite = new Map(Object.entries(policy.siteCalendars).map(([site, settings]) => [site, calendarOf(settings)]));
  return (siteId) => (siteId !== undefined ? perSite.get(siteId) : undefined) ?? byDefault;
};
