import { wallClockAt, zoneOffsetAt } from '@closeloop/contracts';

/**
 * Working time on a site's calendar. "Resolve within 1 working day" means nine working hours counted on working
 * days only: not over a weekend, not over the National Day week, but on an adjusted workday (调休, a weekend day
 * made a working day to bridge a public holiday). Which days work is data passed in (a holiday package, overridden
 * per site); this module only counts.
 */
export interface BusinessCalendar {
  readonly timeZone: string;
  /** Working hours on a working day, local time, "HH:MM". */
  readonly opens: string;
  readonly closes: string;
  /** Whether a local date (YYYY-MM-DD) is a working day: weekdays, less holidays, plus adjusted workdays. */
  isWorkingDay(localDate: string): boolean;
  /**
   * Whether the calendar knows a year's holidays and adjusted workdays. Holiday data is published a year at a
   * time; in a year it lacks, `isWorkingDay` can only answer Monday to Friday.
   */
  hasOfficialDataFor(year: number): boolean;
}

const MAX_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
};

/** The local date (YYYY-MM-DD) of an instant in the zone. */
const localDateOf = (instant: Date, timeZone: string): string => {
  const w = wallClockAt(instant.getTime(), timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
};

/** The instant a local date and minute-of-day happen in the zone. */
const instantOf = (localDate: string, minuteOfDay: number, timeZone: string): number => {
  const [y, m, d] = localDate.split('-').map(Number);
  const wall = Date.UTC(y as number, (m as number) - 1, d as number, 0, minuteOfDay);
  const first = wall - zoneOffsetAt(wall, timeZone);
  return wall - zoneOffsetAt(first, timeZone);
};

const nextDate = (localDate: string): string =>
  new Date(Date.parse(`${localDate}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const previousDate = (localDate: string): string =>
  new Date(Date.parse(`${localDate}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);

/** Each working day's open interval, from the day of `from` on. */
function* workingIntervals(from: Date, calendar: BusinessCalendar): Generator<[number, number]> {
  let date = localDateOf(from, calendar.timeZone);
  for (let i = 0; i < MAX_DAYS; i++, date = nextDate(date)) {
    if (calendar.isWorkingDay(date))
      yield [
        instantOf(date, minutesOf(calendar.opens), calendar.timeZone),
        instantOf(date, minutesOf(calendar.closes), calendar.timeZone),
      ];
  }
  throw new Error(`no working time found within ${MAX_DAYS} days of ${from.toISOString()}`);
}

/** The instant `seconds` of working time after `start`. */
export const addWorkingSeconds = (start: Date, seconds: number, calendar: BusinessCalendar): Date => {
  let remaining = seconds * 1000;
  for (const [open, close] of workingIntervals(start, calendar)) {
    const from = Math.max(open, start.getTime());
    if (from >= close) continue;
    if (remaining <= close - from) return new Date(from + remaining);
    remaining -= close - from;
  }
  throw new Error('unreachable');
};

/** Working seconds between two instants (0 when `to` is not after `from`). */
export const workingSecondsBetween = (from: Date, to: Date, calendar: BusinessCalendar): number => {
  let total = 0;
  for (const [open, close] of workingIntervals(from, calendar)) {
    if (open >= to.getTime()) break;
    total += Math.max(0, Math.min(close, to.getTime()) - Math.max(open, from.getTime()));
  }
  return Math.round(total / 1000);
};

/** Whether working time counted from `from` to `to` crosses a local year the calendar has no official data for. */
export const countsBeyondOfficialData = (from: Date, to: Date, calendar: BusinessCalendar): boolean => {
  const yearOf = (instant: Date) => wallClockAt(instant.getTime(), calendar.timeZone).year;
  for (let year = yearOf(from); year <= yearOf(to); year++) if (!calendar.hasOfficialDataFor(year)) return true;
  return false;
};

/** The local date (YYYY-MM-DD) of the last day of a month, `month` counted from 1. */
const lastDateOf = (year: number, month: number): string =>
  new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10);

/** Close of business on the last working day of a local month, `month` counted from 1 (13 is next January). */
const closeOfMonth = (year: number, month: number, calendar: BusinessCalendar): Date => {
  let date = lastDateOf(year, month);
  for (let i = 0; !calendar.isWorkingDay(date); i++, date = previousDate(date)) {
    if (i >= MAX_DAYS)
      throw new Error(`no working day found within ${MAX_DAYS} days before ${lastDateOf(year, month)}`);
  }
  return new Date(instantOf(date, minutesOf(calendar.closes), calendar.timeZone));
};

/**
 * The deadline of the monthly works plan an order reported at `reportedAt` joins: close of business on the last
 * working day of the report's local month if it came on or before `cutoffDay`, else of the next month, whose plan
 * is still open. Should that close already be past (a late cutoff, and the month's last working day ended early by
 * a holiday), the order joins the plan after it.
 */
export const monthlyPlanDeadline = (reportedAt: Date, cutoffDay: number, calendar: BusinessCalendar): Date => {
  const { year, month: reportedMonth, day } = wallClockAt(reportedAt.getTime(), calendar.timeZone);
  let month = reportedMonth + (day > cutoffDay ? 1 : 0);
  for (let deadline = closeOfMonth(year, month, calendar); ; deadline = closeOfMonth(year, ++month, calendar)) {
    if (deadline.getTime() > reportedAt.getTime()) return deadline;
  }
};
