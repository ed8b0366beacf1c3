// The board's arithmetic, apart from React: which column an order stands in, how a change heard on the live stream
// is folded into the orders on the board, and what the filters leave in each column.
import { runningDeadlineOf, type Status, type Tier, type WorkOrder } from '../../work-orders';

/**
 * The open statuses, one column each, in the order of the closed loop. `triaged` shares the first column: triage
 * runs the moment an order is reported, so a column of its own would stand empty and cost a seventh of the width.
 */
export const BOARD_COLUMNS = [
  { key: 'reported', statuses: ['reported', 'triaged'] },
  { key: 'awaiting-dispatch', statuses: ['awaiting-dispatch'] },
  { key: 'assigned', statuses: ['assigned'] },
  { key: 'acknowledged', statuses: ['acknowledged'] },
  { key: 'in-progress', statuses: ['in-progress'] },
  { key: 'on-hold', statuses: ['on-hold'] },
  { key: 'resolved', statuses: ['resolved'] },
] as const satisfies readonly { key: Status; statuses: readonly Status[] }[];

export type ColumnKey = (typeof BOARD_COLUMNS)[number]['key'];

/** Every status the board shows; closed and cancelled orders leave it. */
export const BOARD_STATUSES: readonly Status[] = BOARD_COLUMNS.flatMap((column) => column.statuses);

const isOnBoard = (status: Status): boolean => BOARD_STATUSES.includes(status);

/**
 * The orders after a change to one of them: the newer of the two versions stays (a change heard on the stream may
 * be older than a list read just after it), in its status's column, and a closed or cancelled order leaves.
 */
export const mergeOrder = (orders: readonly WorkOrder[], changed: WorkOrder): readonly WorkOrder[] => {
  const known = orders.find((order) => order.workOrderId === changed.workOrderId);
  if (known && Date.parse(known.updatedAt) > Date.parse(changed.updatedAt)) return orders;
  const others = known ? orders.filter((order) => order !== known) : orders;
  return isOnBoard(changed.status) ? [...others, changed] : others;
};

/** The filters a supervisor narrows the board by; an absent one lets every order through. `null` asks for "none". */
export interface BoardFilters {
  readonly tier?: Tier | null;
  readonly category?: string | null;
  readonly building?: string | null;
  /** An owner's staff id. */
  readonly owner?: string | null;
}

const passes = (wanted: string | null | undefined, value: string | null): boolean =>
  wanted === undefined || wanted === value;

export const matchesFilters = (order: WorkOrder, filters: BoardFilters): boolean =>
  passes(filters.tier, order.tier) &&
  passes(filters.category, order.category) &&
  passes(filters.building, order.building) &&
  passes(filters.owner, order.owner?.staffId ?? null);

/** When an order's card should draw attention: its running SLA deadline; orders without one go last. */
const urgencyOf = (order: WorkOrder): number => {
  const deadline = runningDeadlineOf(order);
  return deadline ? Date.parse(deadline.dueAt) : Number.POSITIVE_INFINITY;
};

/** Nearest deadline first; among equals, the newest report first, as the list reads. */
const byUrgency = (a: WorkOrder, b: WorkOrder): number =>
  urgencyOf(a) - urgencyOf(b) || b.reportedAt.localeCompare(a.reportedAt) || b.number.localeCompare(a.number);

export interface BoardColumn {
  readonly key: ColumnKey;
  readonly statuses: readonly Status[];
  readonly orders: readonly WorkOrder[];
}

/** The columns with the orders the filters let through; a column's count is the length of its orders. */
export const columnsOf = (orders: readonly WorkOrder[], filters: BoardFilters): readonly BoardColumn[] => {
  const shown = orders.filter((order) => matchesFilters(order, filters));
  return BOARD_COLUMNS.map(({ key, statuses }) => ({
    key,
    statuses,
    orders: shown.filter((order) => (statuses as readonly Status[]).includes(order.status)).sort(byUrgency),
  }));
};

export interface FilterChoices {
  readonly categories: readonly string[];
  readonly buildings: readonly string[];
  readonly owners: readonly { readonly staffId: string; readonly name: string }[];
}

const distinctSorted = (values: readonly (string | null)[]): string[] =>
  [...new Set(values.filter((value): value is string => value !== null))].sort();

/** Staff names are Chinese: in pinyin order, as a roster is read. */
const NAME_COLLATION = 'zh-CN';

/** What the filters offer: the categories, buildings and owners of the orders on the board now. */
export const filterChoicesOf = (orders: readonly WorkOrder[]): FilterChoices => {
  const owners = new Map(orders.flatMap((order) => (order.owner ? [[order.owner.staffId, order.owner.name]] : [])));
  return {
    categories: distinctSorted(orders.map((order) => order.category)),
    buildings: distinctSorted(orders.map((order) => order.building)),
    owners: [...owners]
      .map(([staffId, name]) => ({ staffId, name }))
      .sort((a, b) => a.name.localeCompare(b.name, NAME_COLLATION)),
  };
};
