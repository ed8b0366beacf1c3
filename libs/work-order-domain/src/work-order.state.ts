import { ReportedOrder, StaffMemberRef, Tier } from '@closeloop/contracts';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// The closed loop (闭环): reported → triaged → assigned → acknowledged → in progress ⇄ on hold → resolved →
// closed, with reopen (back to assigned) and cancel. Two people matter:
//   owner       the accountable person under first-response responsibility (首问负责制): the first to accept
//               the order, or the one dispatch names. Stays until closure; moves only by an explicit handover.
//   technician  whoever turns the spanner; may be reassigned without touching ownership.
// "reported" exists only between the two events of a report; "awaiting-dispatch" means no roster entry matched
// and the order waits in the site's dispatcher queue, visibly.

export type Staff = StaffMemberRef;

/** Of what the report says, the decider keeps what its events and callers need; the rest stays in the event. */
export interface OrderFacts extends Pick<ReportedOrder, 'number' | 'siteId' | 'building' | 'category'> {
  readonly workOrderId: string;
  readonly tier?: Tier | undefined;
  readonly owner?: Staff | undefined;
  readonly technician?: Staff | undefined;
  /** How many times the order has been reopened: each is another round of the loop. */
  readonly reopenRounds: number;
  /** Contacts from residents about this order, the report included. */
  readonly contacts: number;
  /** Whether this round's callback task was raised already. */
  readonly callbackRequested: boolean;
}

type PlainStatus =
  'reported' | 'triaged' | 'awaiting-dispatch' | 'assigned' | 'acknowledged' | 'in-progress' | 'resolved' | 'cancelled';

export type WorkOrderState =
  | { readonly status: 'none' }
  | ({ readonly status: PlainStatus } & OrderFacts)
  | ({ readonly status: 'on-hold'; readonly heldSince: string } & OrderFacts)
  | ({ readonly status: 'closed'; readonly closedAt: string } & OrderFacts);

export type WorkOrderStatus = WorkOrderState['status'];
export type OpenState = Exclude<WorkOrderState, { status: 'none' }>;

/** The stream category of work orders: each work order is one stream `workorder-<id>` in the event store. */
export const WORK_ORDER_CATEGORY = 'workorder';

/** Each work order is one stream in the event store. */
export const workOrderStream = (workOrderId: string): string => `${WORK_ORDER_CATEGORY}-${workOrderId}`;
