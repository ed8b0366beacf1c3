// The period a report covers, in local dates of the site. The services read `from` as included and `to` as
// excluded (docs/reports.md); people pick the last day they want to see, so a chosen range ends a day earlier than
// the period it asks for.

/** A calendar month ("YYYY-MM"), or a range of local dates with its last day included. */
export type Period =
  | { readonly kind: 'month'; readonly month: string }
  | { readonly kind: 'range'; readonly from: string; readonly through: string };

/** The longest period one report covers (the query service refuses longer ones). */
export const MAX_REPORT_DAYS = 400;

const DAY_MS = 86_400_000;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const utcOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const dateOf = (utc: number): string => new Date(utc).toISOString().slice(0, 10);

export const addDays = (date: string, days: number): string => dateOf(utcOf(date) + days * DAY_MS);

export const daysBetween = (from: string, to: string): number => Math.round((utcOf(to) - utcOf(from)) / DAY_MS);

/** The local date at the site when it is `now`. */
export const localDateAt = (now: Date, timeZone: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);

/** "YYYY-MM" of the month `count` months after `month` (before it when negative). */
export const monthAfter = (month: string, count: number): string => {
  const [year, monthOfYear] = month.split('-').map(Number) as [number, number];
  const index = year * 12 + monthOfYear - 1 + count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};

/** The period the service is asked for: `[from, to)`. */
export const datesOf = (period: Period): { readonly from: string; readonly to: string } =>
  period.kind === 'month'
    ? { from: `${period.month}-01`, to: `${monthAfter(period.month, 1)}-01` }
    : { from: period.from, to: addDays(period.through, 1) };

/** Why a range cannot be reported on, or undefined when it can. */
export const rangeProblem = (from: string, through: string): 'invalid' | 'reversed' | 'tooLong' | undefined => {
  if (!DATE.test(from) || !DATE.test(through) || Number.isNaN(utcOf(from)) || Number.isNaN(utcOf(through)))
    return 'invalid';
  const days = daysBetween(from, through) + 1;
  if (days < 1) return 'reversed';
  return days > MAX_REPORT_DAYS ? 'tooLong' : undefined;
};

/**
 * The period a page address names (`?month=` or `?from=&through=`); the current month at the site when it names
 * none, or names one the service would refuse.
 */
export const periodFrom = (params: URLSearchParams, now: Date, timeZone: string): Period => {
  const month = params.get('month');
  if (month !== null && MONTH.test(month)) return { kind: 'month', month };
  const from = params.get('from');
  const through = params.get('through');
  if (from !== null && through !== null && rangeProblem(from, through) === undefined)
    return { kind: 'range', from, through };
  return { kind: 'month', month: localDateAt(now, timeZone).slice(0, 7) };
};

/** The address parameters that name a period (the inverse of periodFrom). */
export const periodParams = (period: Period): Record<string, string> =>
  period.kind === 'month' ? { month: period.month } : { from: period.from, through: period.through };

/** The grouping a trend chart reads: days for a month, weeks for a season, months beyond. */
export const trendGroupingFor = (period: Period): 'day' | 'week' | 'month' => {
  const { from, to } = datesOf(period);
  const days = daysBetween(from, to);
  return days <= 62 ? 'day' : days <= 190 ? 'week' : 'month';
};

/** A file name that says what a download holds: `service-levels-S1-2026-11-01-2026-12-01.csv`. */
export const downloadName = (report: string, site: string, period: Period, extension: string): string => {
  const { from, to } = datesOf(period);
  const span = period.kind === 'month' ? period.month : `${from}-${to}`;
  return `${report}-${site}-${span}.${extension}`.replace(/[^\w.-]+/g, '_');
};
