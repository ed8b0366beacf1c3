// Which of dispatch's actions (`POST /api/dispatch/v1/work-orders/{id}/<action>`) the signed-in person may take on
// an order, so the page offers only buttons that can succeed. dispatch decides for real: this mirrors the
// lifecycle table (libs/work-order-domain/src/work-order.commands.ts) and who may act
// (apps/dispatch/src/work-order-actions/who-may-act.ts); a refusal still arrives as a problem the page puts in words.
import type { Status, WorkOrder } from '../../work-orders';

export const OrderActions = [
  'acknowledge',
  'start',
  'hold',
  'resume',
  'resolve',
  'reassign',
  'handover',
  'cancel',
  'reopen',
] as const;
export type OrderAction = (typeof OrderActions)[number];

/** The actions whose body needs something typed or chosen, and so open a form first. */
export const ActionsWithForm: readonly OrderAction[] = ['hold', 'resolve', 'reassign', 'handover', 'cancel', 'reopen'];

const WORKING: readonly OrderAction[] = ['reassign', 'handover', 'cancel'];

/** The actions each status allows (reopening a closed order is refused by dispatch once its window has passed). */
export const ACTIONS_BY_STATUS: Readonly<Record<Status, readonly OrderAction[]>> = {
  reported: [],
  triaged: ['acknowledge', 'cancel'],
  'awaiting-dispatch': ['acknowledge', 'cancel'],
  assigned: ['acknowledge', ...WORKING],
  acknowledged: ['start', ...WORKING],
  'in-progress': ['hold', 'resolve', ...WORKING],
  'on-hold': ['resume', ...WORKING],
  resolved: ['reopen', 'handover'],
  closed: ['reopen'],
  cancelled: [],
};

const TECHNICIAN_ACTIONS: readonly OrderAction[] = ['acknowledge', 'start', 'hold', 'resume', 'resolve', 'handover'];
const UNOWNED: readonly Status[] = ['triaged', 'awaiting-dispatch'];

/** The signed-in person as far as the rules read them (a StaffSession fits). */
export interface Actor {
  readonly staffId: string;
  readonly roles: readonly string[];
}

type OrderForActions = Pick<WorkOrder, 'status' | 'owner' | 'technician'>;

const mayTake = (actor: Actor, action: OrderAction, order: OrderForActions): boolean => {
  const unowned = order.owner === null && UNOWNED.includes(order.status);
  const isTechnician = order.technician?.staffId === actor.staffId;
  const isOwner = order.owner?.staffId === actor.staffId;
  // Only the order's own technician acknowledges once it has one; anyone else is refused, whatever their role.
  if (action === 'acknowledge' && !unowned && !isTechnician) return false;
  if (actor.roles.some((role) => role === 'dispatcher' || role === 'supervisor' || role === 'admin')) return true;
  if (!actor.roles.includes('technician') || !TECHNICIAN_ACTIONS.includes(action)) return false;
  if (action === 'acknowledge') return true;
  if (action === 'handover') return isOwner;
  return isTechnician || isOwner;
};

/** The actions to offer, in the lifecycle's order. */
export const actionsFor = (actor: Actor | undefined, order: OrderForActions): OrderAction[] =>
  actor ? ACTIONS_BY_STATUS[order.status].filter((action) => mayTake(actor, action, order)) : [];

/**
 * The order's version as dispatch counts it (the events of its `workorder-<id>` stream), read from the timeline
 * the page shows: sent as If-Match, so an action taken on a stale page is refused instead of applied to a state the
 * person never saw.
 */
export const streamVersionOf = (timeline: readonly { readonly type: string }[]): number =>
  timeline.filter((event) => event.type.startsWith('closeloop.workorder.')).length;

/** A retry key for one intent to act: random, printable, and available outside secure contexts too. */
export const newIdempotencyKey = (): string =>
  `console-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

/** What a form for an action holds, as typed. */
export interface ActionForm {
  readonly reason?: string;
  readonly note?: string;
  readonly notes?: string;
  readonly toStaffId?: string;
  readonly toName?: string;
}

const filled = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/** The request body dispatch reads for the action (docs/openapi.yaml: HoldRequest, ResolveRequest, ...). */
export const bodyOf = (action: OrderAction, form: ActionForm): Record<string, unknown> => {
  const reason = filled(form.reason);
  const note = filled(form.note);
  switch (action) {
    case 'hold':
    case 'cancel':
      return { reason, ...(note ? { note } : {}) };
    case 'resolve':
      return { notes: filled(form.notes) };
    case 'reassign':
    case 'handover':
      return { to: { staffId: filled(form.toStaffId), name: filled(form.toName) }, reason };
    case 'reopen':
      return { reason };
    case 'acknowledge':
    case 'start':
    case 'resume':
      return {};
  }
};
