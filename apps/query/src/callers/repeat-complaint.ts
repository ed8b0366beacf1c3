/**
 * Repeat complaints (ADR 28): an order repeats a closed one when it is about the same place (building and unit)
 * and the same category, and was reported within 30 days after that order closed — the fix did not hold, or the
 * problem came back. A dispatcher seeing it on the caller's screen sends someone who looks for the cause.
 */
export const REPEAT_WINDOW_DAYS = 30;
const REPEAT_WINDOW_MS = REPEAT_WINDOW_DAYS * 24 * 3600 * 1000;

export interface OrderForRepeats {
  readonly number: string;
  readonly building: string | null;
  readonly unit: string | null;
  readonly category: string | null;
  readonly reportedAt: Date;
  /** When it closed; null while open or when it was cancelled. */
  readonly closedAt: Date | null;
}

/** The numbers of the closed orders this order repeats, oldest close first. */
export const closedOrdersRepeated = (order: OrderForRepeats, others: readonly OrderForRepeats[]): string[] => {
  if (order.unit === null || order.category === null) return [];
  return others
    .filter(
      (earlier) =>
        earlier.number !== order.number &&
        earlier.closedAt !== null &&
        earlier.unit === order.unit &&
        earlier.building === order.building &&
        earlier.category === order.category &&
        order.reportedAt.getTime() >= earlier.closedAt.getTime() &&
        order.reportedAt.getTime() - earlier.closedAt.getTime() <= REPEAT_WINDOW_MS,
    )
    .sort((a, b) => (a.closedAt as Date).getTime() - (b.closedAt as Date).getTime())
    .map((earlier) => earlier.number);
};
