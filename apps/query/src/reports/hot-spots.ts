import { DAY_MS } from '@closeloop/contracts';
import { ReportRow } from './report-row';
import { PeriodHeader, periodHeader, previousWindowOf, ReportWindow, SiteOrders } from './report-window';

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

export interface RepeatComplaint {
  readonly building: string | null;
  readonly unit: string;
  readonly category: string;
  /** The closed order, and the report that came again about the same problem. */
  readonly earlier: { readonly number: string; readonly closedAt: string };
  readonly later: { readonly number: string; readonly reportedAt: string };
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

const within = (w: ReportWindow, instant: number): boolean => instant >= w.start && instant < w.end;
const cellKey = (o: PlaceRow): string => JSON.stringify([o.category, o.building]);

/** What hot spots and repeat complaints read of an order: where, what, and when it was reported and closed. */
export type PlaceRow = Pick<
  ReportRow,
  'workOrderId' | 'number' | 'category' | 'building' | 'unit' | 'reportedAt' | 'closedAt'
>;

/** Uncategorised orders are counted under this name in the seasonality's per-category counts. */
export const NO_CATEGORY = '(none)';

/**
 * Where problems come from: received orders by category × building against the period before, the repeat complaints
 * reported in the period, and the received orders of each of the twelve months that end with the period's last.
 */
export const hotSpotReport = (input: SiteOrders<PlaceRow> & Season): HotSpotReport => {
  const { timeZone, window, orders } = input;
  const previous = previousWindowOf(window, timeZone);
  const cells = new Map<
    string,
    { category: string | null; building: string | null; received: number; previous: number }
  >();
  const cellOf = (o: PlaceRow) => {
    const key = cellKey(o);
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { category: o.category, building: o.building, received: 0, previous: 0 }));
    return cell;
  };
  for (const o of orders) {
    if (within(window, o.reportedAt)) cellOf(o).received += 1;
    else if (within(previous, o.reportedAt)) cellOf(o).previous += 1;
  }
  const hotSpots = [...cells.values()]
    .map((c) => ({ ...c, change: c.received - c.previous }))
    .sort((a, b) => b.received - a.received || b.change - a.change || cellSort(a, b));

  const repeats = repeatComplaints(orders, window);

  const seasonality = input.months.map((month) => {
    const rows = input.monthCounts.filter((m) => m.month === month);
    return {
      month,
      received: rows.reduce((n, r) => n + r.received, 0),
      byCategory: Object.fromEntries(rows.map((r) => [r.category ?? NO_CATEGORY, r.received])),
    };
  });
  return {
    ...periodHeader(input, previous),
    hotSpots,
    repeats,
    seasonality,
  };
};

const cellSort = (a: HotSpotCell, b: HotSpotCell): number =>
  `${a.category ?? ''}\u0000${a.building ?? ''}`.localeCompare(`${b.category ?? ''}\u0000${b.building ?? ''}`);

/** An instant as the events write it: UTC, with milliseconds. */
const isoOf = (instant: number): string => new Date(instant).toISOString();

/** Each report in the period whose unit and category match an order closed in the 30 days before it, with the latest such order. */
const repeatComplaints = (orders: readonly PlaceRow[], window: ReportWindow): RepeatComplaint[] => {
  const closedByPlace = new Map<string, PlaceRow[]>();
  const placeOf = (o: PlaceRow) => JSON.stringify([o.building, o.unit, o.category]);
  for (const o of orders) {
    if (o.closedAt.length === 0 || o.unit === null || o.category === null) continue;
    const list = closedByPlace.get(placeOf(o));
    if (list) list.push(o);
    else closedByPlace.set(placeOf(o), [o]);
  }
  const repeats: RepeatComplaint[] = [];
  for (const later of orders) {
    if (!within(window, later.reportedAt) || later.unit === null || later.category === null) continue;
    const reported = later.reportedAt;
    // The latest close of another order at the place in the 30 days up to this report (the first such, on a tie).
    let earlier: { order: PlaceRow; closedAt: number } | undefined;
    for (const order of closedByPlace.get(placeOf(later)) ?? []) {
      if (order.workOrderId === later.workOrderId) continue;
      for (const closedAt of order.closedAt)
        if (
          closedAt <= reported &&
          reported - closedAt <= REPEAT_WITHIN_DAYS * DAY_MS &&
          closedAt > (earlier?.closedAt ?? -Infinity)
        )
          earlier = { order, closedAt };
    }
    if (!earlier) continue;
    repeats.push({
      building: later.building,
      unit: later.unit,
      category: later.category,
      earlier: { number: earlier.order.number, closedAt: isoOf(earlier.closedAt) },
      later: { number: later.number, reportedAt: isoOf(later.reportedAt) },
      daysAfterClose: Math.floor((reported - earlier.closedAt) / DAY_MS),
    });
  }
  return repeats.sort((a, b) => Date.parse(a.later.reportedAt) - Date.parse(b.later.reportedAt));
};
