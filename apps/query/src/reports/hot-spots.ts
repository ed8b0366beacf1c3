import { DAY_MS } from '@closeloop/contracts';
import { PeriodHeader, periodHeader, previousWindowOf, SitePeriod } from './report-window';

/** The field's rule for a repeat complaint: the same unit and category reported again within 30 days of a close. */
export const REPEAT_WITHIN_DAYS = 30;

export interface HotSpotCell {
  readonly category: string | null;
  readonly building: string | null;
  readonly received: number;
  readonly previous: number;
  /** received − previous. */
  readonly change: number;
}

/** A report about the same building, unit and category as another order closed in the 30 days before it. */
interface Repeat<Instant> {
  readonly building: string | null;
  readonly unit: string;
  readonly category: string;
  /** The closed order, and the report that came again about the same problem. */
  readonly earlier: { readonly number: string; readonly closedAt: Instant };
  readonly later: { readonly number: string; readonly reportedAt: Instant };
}

export interface RepeatComplaint extends Repeat<string> {
  readonly daysAfterClose: number;
}

/** Orders reported in one local month, by category. */
export interface MonthCount {
  readonly month: string;
  readonly category: string | null;
  readonly received: number;
}

/** The twelve months a seasonality covers, and the orders received in each by category. */
export interface Season {
  readonly months: readonly string[];
  readonly monthCounts: readonly MonthCount[];
}

export interface HotSpotReport extends PeriodHeader {
  readonly hotSpots: readonly HotSpotCell[];
  readonly repeats: readonly RepeatComplaint[];
  readonly seasonality: readonly {
    readonly month: string;
    readonly received: number;
    readonly byCategory: Record<string, number>;
  }[];
}

/** Orders received in a cell (category × building) in the period and in the period before it. */
export type CellCount = Omit<HotSpotCell, 'change'>;

/** A repeat complaint as counted: the latest such close before the report, instants in ms since the epoch. */
export type RepeatPair = Repeat<number>;

/** Uncategorised orders are counted under this name in the seasonality's per-category counts. */
export const NO_CATEGORY = '(none)';

/** An instant as the events write it: UTC, with milliseconds. */
const isoOf = (instant: number): string => new Date(instant).toISOString();

const cellSort = (a: HotSpotCell, b: HotSpotCell): number =>
  `${a.category ?? ''}\u0000${a.building ?? ''}`.localeCompare(`${b.category ?? ''}\u0000${b.building ?? ''}`);

/** The cells busiest first, each with its change against the period before. */
export const rankedCells = (cells: readonly CellCount[]): HotSpotCell[] =>
  cells
    .map((c) => ({ ...c, change: c.received - c.previous }))
    .sort((a, b) => b.received - a.received || b.change - a.change || cellSort(a, b));

/** The repeat complaints in the order they came, their instants as the events write them. */
export const repeatComplaintsOf = (pairs: readonly RepeatPair[]): RepeatComplaint[] =>
  [...pairs]
    .sort((a, b) => a.later.reportedAt - b.later.reportedAt || a.later.number.localeCompare(b.later.number))
    .map(({ building, unit, category, earlier, later }) => ({
      building,
      unit,
      category,
      earlier: { number: earlier.number, closedAt: isoOf(earlier.closedAt) },
      later: { number: later.number, reportedAt: isoOf(later.reportedAt) },
      daysAfterClose: Math.floor((later.reportedAt - earlier.closedAt) / DAY_MS),
    }));

/**
 * Where problems come from: received orders by category × building against the period before, the repeat
 * complaints reported in the period, and the received orders of each of the twelve months that end with the
 * period's last.
 */
export const hotSpotReport = (
  input: SitePeriod & Season & { readonly cells: readonly CellCount[]; readonly repeats: readonly RepeatPair[] },
): HotSpotReport => ({
  ...periodHeader(input, previousWindowOf(input.window, input.timeZone)),
  hotSpots: rankedCells(input.cells),
  repeats: repeatComplaintsOf(input.repeats),
  seasonality: input.months.map((month) => {
    const rows = input.monthCounts.filter((m) => m.month === month);
    return {
      month,
      received: rows.reduce((n, r) => n + r.received, 0),
      byCategory: Object.fromEntries(rows.map((r) => [r.category ?? NO_CATEGORY, r.received])),
    };
  }),
});
