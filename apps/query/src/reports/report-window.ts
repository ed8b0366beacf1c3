import { addLocalDays, isoWeekdayOf, localDaysBetween, localWallTimeToInstant } from '@closeloop/contracts';

/**
 * A report's period: local dates at the site, `from` included and `to` excluded, read as the instants of those
 * local midnights. Figures compare an instant against `start` and `end` (ms since the epoch).
 */
export interface ReportWindow {
  readonly from: string;
  readonly to: string;
  readonly start: number;
  readonly end: number;
}

export const windowOf = (from: string, to: string, timeZone: string): ReportWindow => ({
  from,
  to,
  start: localWallTimeToInstant(from, '00:00', timeZone).getTime(),
  end: localWallTimeToInstant(to, '00:00', timeZone).getTime(),
});

/** The period of the same number of days just before, which every figure is compared against. */
export const previousWindowOf = (window: ReportWindow, timeZone: string): ReportWindow =>
  windowOf(addLocalDays(window.from, -localDaysBetween(window.from, window.to)), window.from, timeZone);

export type Granularity = 'day' | 'week' | 'month';

const nextBoundary = (date: string, granularity: Granularity): string => {
  if (granularity === 'day') return addLocalDays(date, 1);
  if (granularity === 'week') return addLocalDays(date, 8 - isoWeekdayOf(date));
  const [year, month] = date.split('-').map(Number) as [number, number];
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
};

/** The period cut at local midnights, ISO-week Mondays or month starts; the first and last parts may be partial. */
export const splitWindow = (window: ReportWindow, granularity: Granularity, timeZone: string): ReportWindow[] => {
  const parts: ReportWindow[] = [];
  for (let from = window.from; localDaysBetween(from, window.to) > 0;) {
    const boundary = nextBoundary(from, granularity);
    const to = localDaysBetween(boundary, window.to) < 0 ? window.to : boundary;
    parts.push(windowOf(from, to, timeZone));
    from = to;
  }
  return parts;
};

/** The site and period a report is asked for, read in the site's zone. */
export interface SitePeriod {
  readonly siteId: string;
  readonly timeZone: string;
  readonly window: ReportWindow;
}

/** What the reports counted in memory are computed from: one site's rows that can count in the period. */
export interface SiteOrders<Row> extends SitePeriod {
  readonly orders: readonly Row[];
}

/** How every report names its period and the one it is compared with. */
export interface PeriodHeader {
  readonly siteId: string;
  readonly timeZone: string;
  readonly from: string;
  readonly to: string;
  readonly previous: { readonly from: string; readonly to: string };
}

export const periodHeader = ({ siteId, timeZone, window }: SitePeriod, previous: ReportWindow): PeriodHeader => ({
  siteId,
  timeZone,
  from: window.from,
  to: window.to,
  previous: { from: previous.from, to: previous.to },
});
