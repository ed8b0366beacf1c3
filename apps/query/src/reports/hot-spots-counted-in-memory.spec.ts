import { DAY_MS } from '@closeloop/contracts';
import { CellCount, REPEAT_WITHIN_DAYS, RepeatPair } from './hot-spots';
import { ReportRow } from './report-row';
import { previousWindowOf, ReportWindow, SitePeriod } from './report-window';

// The hot spots and repeat complaints counted in memory, over the orders' rows, straight from docs/reports.md: the
// reading the SQL of ReportOrdersRepository is checked against (reports.int.spec.ts), and the one the hand-worked
// hot spots of service-levels.unit.spec.ts are stated over. Test code: the service counts in SQL.

/** What hot spots and repeat complaints read of an order: where, what, and when it was reported and closed. */
export type PlaceRow = Pick<
  ReportRow,
  'workOrderId' | 'number' | 'category' | 'building' | 'unit' | 'reportedAt' | 'closedAt'
>;

const within = (w: ReportWindow, instant: number): boolean => instant >= w.start && instant < w.end;

const cellsOf = (orders: readonly PlaceRow[], window: ReportWindow, previous: ReportWindow): CellCount[] => {
  const cells = new Map<
    string,
    { category: string | null; building: string | null; received: number; previous: number }
  >();
  const cellOf = (o: PlaceRow) => {
    const key = JSON.stringify([o.category, o.building]);
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { category: o.category, building: o.building, received: 0, previous: 0 }));
    return cell;
  };
  for (const o of orders) {
    if (within(window, o.reportedAt)) cellOf(o).received += 1;
    else if (within(previous, o.reportedAt)) cellOf(o).previous += 1;
  }
  return [...cells.values()];
};

/** Each report in the period whose unit and category match an order closed in the 30 days before it, with the latest such close. */
const repeatsOf = (orders: readonly PlaceRow[], window: ReportWindow): RepeatPair[] => {
  const closedByPlace = new Map<string, PlaceRow[]>();
  const placeOf = (o: PlaceRow) => JSON.stringify([o.building, o.unit, o.category]);
  for (const o of orders) {
    if (o.closedAt.length === 0 || o.unit === null || o.category === null) continue;
    closedByPlace.set(placeOf(o), [...(closedByPlace.get(placeOf(o)) ?? []), o]);
  }
  const repeats: RepeatPair[] = [];
  for (const later of orders) {
    if (!within(window, later.reportedAt) || later.unit === null || later.category === null) continue;
    const reported = later.reportedAt;
    let earlier: { number: string; closedAt: number } | undefined;
    for (const order of closedByPlace.get(placeOf(later)) ?? []) {
      if (order.workOrderId === later.workOrderId) continue;
      for (const closedAt of order.closedAt)
        if (
          closedAt <= reported &&
          reported - closedAt <= REPEAT_WITHIN_DAYS * DAY_MS &&
          closedAt > (earlier?.closedAt ?? -Infinity)
        )
          earlier = { number: order.number, closedAt };
    }
    if (earlier)
      repeats.push({
        building: later.building,
        unit: later.unit,
        category: later.category,
        earlier,
        later: { number: later.number, reportedAt: reported },
      });
  }
  return repeats;
};

/** The cells and repeat complaints of a period over the orders, counted in memory. */
export const hotSpotsInMemory = (
  orders: readonly PlaceRow[],
  { window, timeZone }: SitePeriod,
): { cells: CellCount[]; repeats: RepeatPair[] } => ({
  cells: cellsOf(orders, window, previousWindowOf(window, timeZone)),
  repeats: repeatsOf(orders, window),
});
