// The at-risk list: the query service's open orders by running target (GET /v1/sla/at-risk), put in bands of the
// target's time gone, and joined to the alerts that paged people about them.
import { slaBandAt, type SlaBand } from '../../sla-bands';
import type { paths } from '../../generated/openapi';
import type { Alert, AlertRecipient } from '../on-call/alerts';

/**
 * An open order with its running target: `elapsedPercent` is the share of that target's time gone when the list was
 * answered (past 100 when overdue), `band` that share grouped, `nextDueEscalationLevel` the level its chain reached.
 */
export type AtRiskItem =
  paths['/v1/sla/at-risk']['get']['responses'][200]['content']['application/json']['items'][number];

/** The running target the item is listed for, and the level its escalation reached. */
export const runningTargetOf = (
  item: AtRiskItem,
): { readonly target: 'response' | 'resolution'; readonly escalationLevel: number } => {
  const listed =
    item.targets.find((t) => t.target === item.nextDueTarget) ?? item.targets.find((t) => t.dueAt === item.nextDueAt);
  return {
    target: item.nextDueTarget ?? listed?.target ?? 'response',
    escalationLevel: item.nextDueEscalationLevel ?? listed?.escalationLevel ?? 0,
  };
};

/** The bands the page shows, most urgent first; the last, under half the time gone, is on track, not at risk. */
export const BANDS_SHOWN = ['breached', '90+', '75-90', '50-75', 'under-50'] as const satisfies readonly SlaBand[];

// Near its deadline the remaining share is too small to divide by: the list's percent is rounded down to a tenth.
const SMALLEST_REMAINING_SHARE = 0.005;

/**
 * When the running target's clock started (less its pauses), worked back from the share gone and the time left
 * when the list was answered, so the band and the countdown's colour move on between refreshes as the clock does.
 */
export const targetStartOf = (item: Pick<AtRiskItem, 'nextDueAt' | 'elapsedPercent'>, answeredAt: number): number => {
  const due = Date.parse(item.nextDueAt);
  // A service that does not say the share yet: taken as just started, so only the deadline passing moves the band.
  const remainingShare = 1 - (item.elapsedPercent ?? 0) / 100;
  if (remainingShare <= 0 || due <= answeredAt) return due;
  return due - (due - answeredAt) / Math.max(SMALLEST_REMAINING_SHARE, remainingShare);
};

/** The item's band at `now`: the service's breach stands, otherwise the share gone by now. */
export const bandAt = (item: AtRiskItem, answeredAt: number, now: number): SlaBand =>
  slaBandAt(targetStartOf(item, answeredAt), Date.parse(item.nextDueAt), now, item.band === 'breached');

/** The rows of each band, in the list's order (nearest deadline first); every row in exactly one band. */
export const groupByBand = <T extends { readonly bandNow: SlaBand }>(rows: readonly T[]): Record<SlaBand, T[]> => {
  const groups: Record<SlaBand, T[]> = { breached: [], '90+': [], '75-90': [], '50-75': [], 'under-50': [] };
  for (const row of rows) groups[row.bandNow].push(row);
  return groups;
};

export interface PagedPerson {
  readonly staffId: string;
  readonly role: AlertRecipient['role'];
  /** The highest escalation level they were paged at; null for a warning or an urgent-order notice. */
  readonly level: number | null;
  /** They acknowledged one of the order's alerts. */
  readonly acknowledged: boolean;
}

const higherLevel = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** Who the alerts paged, per order: each person once, with their highest level, lowest level first. */
export const pagedByOrder = (alerts: readonly Alert[]): Map<string, PagedPerson[]> => {
  const byOrder = new Map<string, Map<string, PagedPerson>>();
  for (const alert of alerts) {
    const people = byOrder.get(alert.workOrderId) ?? new Map<string, PagedPerson>();
    byOrder.set(alert.workOrderId, people);
    for (const recipient of alert.recipients) {
      const known = people.get(recipient.staffId);
      people.set(recipient.staffId, {
        staffId: recipient.staffId,
        role: known?.role ?? recipient.role,
        level: higherLevel(known?.level ?? null, alert.level),
        acknowledged: (known?.acknowledged ?? false) || alert.acknowledgedBy?.staffId === recipient.staffId,
      });
    }
  }
  const byLevel = (a: PagedPerson, b: PagedPerson) => (a.level ?? 0) - (b.level ?? 0);
  return new Map([...byOrder].map(([order, people]) => [order, [...people.values()].sort(byLevel)]));
};
