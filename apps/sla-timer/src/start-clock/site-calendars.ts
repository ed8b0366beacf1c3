import { isWorkday } from 'chinese-days';
import publishedDays from 'chinese-days/dist/chinese-days.json';
import { version as holidayPackageVersion } from 'chinese-days/package.json';
import { BusinessCalendar, CalendarSettings, SlaPolicy } from '@closeloop/sla-domain';

/**
 * The mainland-China holiday data: which package version, and the last year it has the State Council's published
 * holidays and adjusted workdays (调休) for. A later year is answered Monday to Friday by the package, silently.
 */
export const holidayData = {
  source: `chinese-days@${holidayPackageVersion}`,
  lastOfficialYear: Math.max(...Object.keys(publishedDays.holidays).map((date) => Number(date.slice(0, 4)))),
} as const;

const yearsListed = (settings: CalendarSettings): Set<number> =>
  new Set([...settings.closedOn, ...settings.openOn].map((date) => Number(date.slice(0, 4))));

/**
 * A site's working calendar: mainland China's public holidays and adjusted workdays (调休) from the chinese-days
 * package, with the site's own closures and extra working days from the policy on top. A year the package has no
 * data for counts as known once the calendar lists any `closedOn` or `openOn` date in it: that is how an operator
 * enters a year's holidays before the package publishes them.
 */
export const calendarOf = (settings: CalendarSettings): BusinessCalendar => {
  const closed = new Set(settings.closedOn);
  const open = new Set(settings.openOn);
  const entered = yearsListed(settings);
  return {
    timeZone: settings.timeZone,
    opens: settings.opens,
    closes: settings.closes,
    isWorkingDay: (date) => open.has(date) || (!closed.has(date) && isWorkday(date)),
    hasOfficialDataFor: (year) => year <= holidayData.lastOfficialYear || entered.has(year),
  };
};

export const siteCalendars = (policy: SlaPolicy): ((siteId: string | undefined) => BusinessCalendar) => {
  const byDefault = calendarOf(policy.calendar);
  const perSite = new Map(Object.entries(policy.siteCalendars).map(([site, settings]) => [site, calendarOf(settings)]));
  return (siteId) => (siteId !== undefined ? perSite.get(siteId) : undefined) ?? byDefault;
};

/**
 * What an operator must be told at start-up: each calendar (the default, and each site's own) for which the first
 * year without holiday data is this year or next, the furthest a deadline counted now can reach.
 */
export const calendarsMissingHolidays = (policy: SlaPolicy, now: Date): string[] => {
  const calendars: [string, CalendarSettings][] = [
    ['the default calendar', policy.calendar],
    ...Object.entries(policy.siteCalendars).map(([site, settings]): [string, CalendarSettings] => [
      `site ${site}'s calendar`,
      settings,
    ]),
  ];
  return calendars.flatMap(([name, settings]) => {
    const calendar = calendarOf(settings);
    let year = holidayData.lastOfficialYear + 1;
    while (calendar.hasOfficialDataFor(year)) year++;
    const thisYear = Number(
      new Intl.DateTimeFormat('en-CA', { timeZone: settings.timeZone, year: 'numeric' }).format(now),
    );
    if (year > thisYear + 1) return [];
    return [
      `${name} has no public holidays for ${year} (${holidayData.source} has them up to ${holidayData.lastOfficialYear}): working-time deadlines reaching ${year} count Monday to Friday and their events say calendarBeyondOfficialData. ` +
        `Add ${year}'s holidays and adjusted workdays as closedOn/openOn dates to the SLA policy and raise its version, or upgrade chinese-days.`,
    ];
  });
};
