// The shapes the console reads from the query service (docs/openapi.yaml: WorkOrder, WorkOrderSla), as far as the
// pages use them.

export const Tiers = ['urgent', 'normal', 'planned'] as const;
export type Tier = (typeof Tiers)[number];

/** Every status, in the order of the closed loop; the board shows the open ones as columns in this order. */
export const Statuses = [
  'reported',
  'triaged',
  'awaiting-dispatch',
  'assigned',
  'acknowledged',
  'in-progress',
  'on-hold',
  'resolved',
  'closed',
  'cancelled',
] as const;
export type Status = (typeof Statuses)[number];

export interface StaffRef {
  readonly staffId: string;
  readonly name: string;
}

export interface OrderSla {
  readonly responseDueAt: string;
  readonly resolutionDueAt: string;
  readonly responseBreached: boolean;
  readonly resolutionBreached: boolean;
  readonly escalationLevel: number;
}

export interface WorkOrder {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly building: string | null;
  readonly unit: string | null;
  readonly channel: string;
  readonly category: string | null;
  readonly description: string;
  readonly reporter: { readonly name: string | null; readonly phone: string | null };
  readonly tier: Tier | null;
  readonly triage: { readonly ruleId: string; readonly reason: string } | null;
  readonly status: Status;
  readonly owner: (StaffRef & { readonly since: string }) | null;
  readonly technician: (StaffRef & { readonly teamId: string | null }) | null;
  readonly reportedAt: string;
  readonly acknowledgedAt: string | null;
  readonly startedAt: string | null;
  readonly onHold: { readonly reason: string } | null;
  readonly reopenCount: number;
  readonly contactCount: number;
  readonly sla: OrderSla | null;
  readonly updatedAt: string;
}

export interface SlaTarget {
  readonly target: 'response' | 'resolution';
  readonly dueAt: string;
  readonly state: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  readonly escalationLevel: number;
  readonly remainingSeconds?: number;
  readonly metAt?: string;
  readonly onTime?: boolean;
}

export interface WorkOrderSla {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly tier: Tier;
  readonly status: Status;
  readonly escalationLevel: number;
  readonly pausedSince: string | null;
  readonly pausedSeconds: number;
  readonly targets: readonly SlaTarget[];
}

/** The deadline an open order is racing now: the response target until someone acknowledges, then the resolution. */
export const runningDeadlineOf = (
  order: Pick<WorkOrder, 'sla' | 'acknowledgedAt' | 'onHold'>,
): { readonly target: 'response' | 'resolution'; readonly dueAt: string; readonly breached: boolean } | undefined => {
  if (!order.sla) return undefined;
  return order.acknowledgedAt === null
    ? { target: 'response', dueAt: order.sla.responseDueAt, breached: order.sla.responseBreached }
    : { target: 'resolution', dueAt: order.sla.resolutionDueAt, breached: order.sla.resolutionBreached };
};
