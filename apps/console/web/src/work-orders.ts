// The shapes the console reads, generated from the published API contract (docs/openapi.yaml, by the build's
// `generate` step): the console is a client of the public APIs like any other, and a drift between the document
// and the console's expectations fails its typecheck.
import type { components } from './generated/openapi';
import { tierValues, workOrderStatusValues } from './generated/openapi';

type Schemas = components['schemas'];

export const Tiers = tierValues;
export type Tier = Schemas['Tier'];

/** Every status, in the order of the closed loop; the board shows the open ones as columns in this order. */
export const Statuses = workOrderStatusValues;
export type Status = Schemas['WorkOrderStatus'];

export type WorkOrder = Schemas['WorkOrder'];
export type OrderSla = NonNullable<WorkOrder['sla']>;
export type StaffRef = Pick<NonNullable<WorkOrder['owner']>, 'staffId' | 'name'>;
export type WorkOrderSla = Schemas['WorkOrderSla'];
export type SlaTarget = WorkOrderSla['targets'][number];

/** The deadline an open order is racing now: the response target until someone acknowledges, then the resolution. */
export const runningDeadlineOf = (
  order: Pick<WorkOrder, 'sla' | 'acknowledgedAt'>,
): { readonly target: 'response' | 'resolution'; readonly dueAt: string; readonly breached: boolean } | undefined => {
  if (!order.sla) return undefined;
  return order.acknowledgedAt === null
    ? { target: 'response', dueAt: order.sla.responseDueAt, breached: order.sla.responseBreached }
    : { target: 'resolution', dueAt: order.sla.resolutionDueAt, breached: order.sla.resolutionBreached };
};
