import {
  CancelReasonSchema,
  Channel,
  CloseloopError,
  Decider,
  HoldReasonSchema,
  EventTypes,
  foldEvents,
  IllegalTransitionError,
  ReportDetails,
  StaffMemberRef,
  Tier,
  WorkOrderEvent,
} from '@closeloop/contracts';
import { z } from 'zod';
import { RoutingDecision } from './routing';
import { TriageDecision } from './triage';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// The closed loop (闭环): reported → triaged → assigned → acknowledged → in progress ⇄ on hold → resolved →
// closed, with reopen (back to assigned) and cancel. Two people matter:
//   owner       the accountable person under first-response responsibility (首问负责制): the first to accept
//               the order, or the one dispatch names. Stays until closure; moves only by an explicit handover.
//   technician  whoever turns the spanner; may be reassigned without touching ownership.
// "reported" exists only between the two events of a report; "awaiting-dispatch" means no roster entry matched
// and the order waits in the site's dispatcher queue, visibly.

export type Staff = StaffMemberRef;

interface OrderFacts {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly category?: string | undefined;
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

type PlainStatus = 'reported' | 'triaged' | 'awaiting-dispatch' | 'assigned' | 'acknowledged' | 'in-progress' | 'resolved' | 'cancelled';

export type WorkOrderState =
  | { readonly status: 'none' }
  | ({ readonly status: PlainStatus } & OrderFacts)
  | ({ readonly status: 'on-hold'; readonly heldSince: string } & OrderFacts)
  | ({ readonly status: 'closed'; readonly closedAt: string } & OrderFacts);

export type WorkOrderStatus = WorkOrderState['status'];
type OpenState = Exclude<WorkOrderState, { status: 'none' }>;

const initialState = (): WorkOrderState => ({ status: 'none' });

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────
// Time, ids, numbers, the triage and routing verdicts and the acting person arrive with the command.

export interface ReportWorkOrder {
  readonly type: 'ReportWorkOrder';
  readonly workOrderId: string;
  readonly number: string;
  readonly report: ReportDetails;
  readonly triage: TriageDecision;
  readonly now: Date;
}
export interface AssignOwner {
  readonly type: 'AssignOwner';
  readonly routing: RoutingDecision;
  readonly now: Date;
}
export interface Acknowledge {
  readonly type: 'Acknowledge';
  readonly by: Staff;
  readonly now: Date;
}
export interface StartWork {
  readonly type: 'StartWork';
  readonly by: Staff;
  readonly now: Date;
}
export interface PutOnHold {
  readonly type: 'PutOnHold';
  readonly by: Staff;
  readonly reason: z.infer<typeof HoldReasonSchema>;
  readonly note?: string | undefined;
  readonly now: Date;
}
export interface Resume {
  readonly type: 'Resume';
  readonly by: Staff;
  readonly now: Date;
}
export interface Resolve {
  readonly type: 'Resolve';
  readonly by: Staff;
  readonly notes: string;
  readonly photoRefs: readonly string[];
  readonly now: Date;
}
export interface ReassignTechnician {
  readonly type: 'ReassignTechnician';
  readonly by: Staff;
  readonly to: Staff;
  readonly reason: string;
  readonly now: Date;
}
export interface HandOverOwnership {
  readonly type: 'HandOverOwnership';
  readonly by: Staff;
  readonly to: Staff;
  readonly reason: string;
  readonly now: Date;
}
export interface Cancel {
  readonly type: 'Cancel';
  readonly by: Staff;
  readonly reason: z.infer<typeof CancelReasonSchema>;
  readonly note?: string | undefined;
  readonly now: Date;
}
export interface Reopen {
  readonly type: 'Reopen';
  readonly by: Staff;
  readonly reason: string;
  /** How long after closure staff may still reopen (configuration). */
  readonly reopenWindowSeconds: number;
  readonly now: Date;
}
export interface ConfirmResolution {
  readonly type: 'ConfirmResolution';
  readonly rating: number;
  readonly comment?: string | undefined;
  readonly now: Date;
}
export interface RejectResolution {
  readonly type: 'RejectResolution';
  readonly comment?: string | undefined;
  readonly now: Date;
}
export interface RecordFollowUp {
  readonly type: 'RecordFollowUp';
  readonly channel: Channel;
  readonly note?: string | undefined;
  /** Who called, as far as they said: a neighbour with their number becomes a notified party of the order. */
  readonly caller?: { readonly name?: string | undefined; readonly phone?: string | undefined } | undefined;
  readonly now: Date;
}

/** The callback (回访) timer: a resolved order the resident has not confirmed gets a callback task. */
export interface RequestCallback {
  readonly type: 'RequestCallback';
  /** The loop round the timer was set for; a timer from before a reopen does nothing. */
  readonly round: number;
  readonly dueAt: Date;
  readonly now: Date;
}
/** The closing timer: still unconfirmed after the callback period, the order closes without confirmation. */
export interface CloseWithoutConfirmation {
  readonly type: 'CloseWithoutConfirmation';
  readonly round: number;
  readonly now: Date;
}

/** A second resident reported the same problem: they join this order instead of opening a parallel one. */
export interface LinkDuplicateReport {
  readonly type: 'LinkDuplicateReport';
  readonly report: ReportDetails;
  readonly similarity: number;
  readonly reason: string;
  readonly now: Date;
}

export type WorkOrderCommand =
  | ReportWorkOrder
  | AssignOwner
  | Acknowledge
  | StartWork
  | PutOnHold
  | Resume
  | Resolve
  | ReassignTechnician
  | HandOverOwnership
  | Cancel
  | Reopen
  | ConfirmResolution
  | RejectResolution
  | RecordFollowUp
  | RequestCallback
  | CloseWithoutConfirmation
  | LinkDuplicateReport;

type CommandType = WorkOrderCommand['type'];

const WORKING: readonly CommandType[] = ['ReassignTechnician', 'HandOverOwnership', 'Cancel', 'RecordFollowUp', 'LinkDuplicateReport'];

/** The lifecycle as a table: what may be done in each status. Everything else is a typed rejection. */
const allowedCommands: Record<WorkOrderStatus, readonly CommandType[]> = {
  none: ['ReportWorkOrder'],
  reported: [],
  triaged: ['AssignOwner', 'Acknowledge', 'Cancel', 'RecordFollowUp', 'LinkDuplicateReport'],
  'awaiting-dispatch': ['AssignOwner', 'Acknowledge', 'Cancel', 'RecordFollowUp', 'LinkDuplicateReport'],
  assigned: ['AssignOwner', 'Acknowledge', ...WORKING],
  acknowledged: ['StartWork', ...WORKING],
  'in-progress': ['PutOnHold', 'Resolve', ...WORKING],
  'on-hold': ['Resume', ...WORKING],
  resolved: ['ConfirmResolution', 'RejectResolution', 'Reopen', 'HandOverOwnership', 'RecordFollowUp', 'RequestCallback', 'CloseWithoutConfirmation'],
  closed: ['Reopen', 'RecordFollowUp'],
  cancelled: ['RecordFollowUp'],
};

export const allowedCommandsIn = (state: WorkOrderState): readonly CommandType[] => allowedCommands[state.status];

/** A command that is allowed in this status but not with these particulars (e.g. handing over to oneself). */
export class CommandRejectedError extends CloseloopError {
  constructor(code: string, message: string) {
    super('illegal-transition', code, message);
  }
}

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

const decide = (command: WorkOrderCommand, state: WorkOrderState): WorkOrderEvent[] => {
  if (!allowedCommands[state.status].includes(command.type)) {
    throw new IllegalTransitionError(command.type, state.status, allowedCommandsIn(state));
  }
  if (command.type === 'ReportWorkOrder') return decideReport(command);
  const order = state as OpenState;
  const workOrderId = order.workOrderId;
  const at = command.now.toISOString();
  switch (command.type) {
    case 'AssignOwner':
      return decideAssignment(command, order);
    case 'Acknowledge': {
      const becameOwner = order.owner === undefined;
      if (!becameOwner && order.technician && order.technician.staffId !== command.by.staffId) {
        throw new CommandRejectedError('NOT_THE_ASSIGNED_TECHNICIAN', `Only ${order.technician.name}, the assigned technician, can acknowledge this order; reassign it first`);
      }
      return [{ type: EventTypes.WorkOrderAcknowledged, data: { workOrderId, by: command.by, becameOwner, acknowledgedAt: at } }];
    }
    case 'StartWork':
      return [{ type: EventTypes.WorkStarted, data: { workOrderId, by: command.by, startedAt: at } }];
    case 'PutOnHold':
      return [{ type: EventTypes.WorkOrderPutOnHold, data: { workOrderId, by: command.by, reason: command.reason, note: command.note, heldAt: at } }];
    case 'Resume':
      return [resumed(order.status === 'on-hold' ? order.heldSince : at, command.by, command.now, workOrderId)];
    case 'Resolve':
      return [{ type: EventTypes.WorkOrderResolved, data: { workOrderId, by: command.by, notes: command.notes, photoRefs: [...command.photoRefs], resolvedAt: at } }];
    case 'ReassignTechnician': {
      if (order.technician?.staffId === command.to.staffId) {
        throw new CommandRejectedError('ALREADY_THE_TECHNICIAN', `${command.to.name} is already the technician on this order`);
      }
      const reassigned: WorkOrderEvent = {
        type: EventTypes.TechnicianReassigned,
        data: { workOrderId, from: order.technician, to: command.to, reason: command.reason, by: command.by, reassignedAt: at },
      };
      // A reassignment ends a hold: the pause is closed off first, so its length stays on record.
      return order.status === 'on-hold' ? [resumed(order.heldSince, command.by, command.now, workOrderId), reassigned] : [reassigned];
    }
    case 'HandOverOwnership':
      if (!order.owner) throw new CommandRejectedError('NO_OWNER_YET', 'The order has no owner to hand over yet; acknowledge or assign it first');
      if (order.owner.staffId === command.to.staffId) {
        throw new CommandRejectedError('ALREADY_THE_OWNER', `${command.to.name} already owns this order`);
      }
      return [{ type: EventTypes.OwnershipHandedOver, data: { workOrderId, from: order.owner, to: command.to, reason: command.reason, by: command.by, handedOverAt: at } }];
    case 'Cancel':
      return [{ type: EventTypes.WorkOrderCancelled, data: { workOrderId, reason: command.reason, note: command.note, by: command.by, cancelledAt: at } }];
    case 'Reopen': {
      if (order.status === 'closed' && command.now.getTime() - Date.parse(order.closedAt) > command.reopenWindowSeconds * 1000) {
        throw new CommandRejectedError('REOPEN_WINDOW_PASSED', `The order closed at ${order.closedAt}, more than ${command.reopenWindowSeconds} s ago; report it anew`);
      }
      return [reopened(order, 'staff', command.reason, at)];
    }
    case 'ConfirmResolution':
      if (!Number.isInteger(command.rating) || command.rating < 1 || command.rating > 5) {
        throw new CommandRejectedError('RATING_OUT_OF_RANGE', `A rating is 1 to 5 stars, not ${command.rating}`);
      }
      return [{ type: EventTypes.WorkOrderClosed, data: { workOrderId, outcome: 'confirmed', rating: command.rating, comment: command.comment, closedAt: at } }];
    case 'RejectResolution':
      return [
        { type: EventTypes.ResolutionRejected, data: { workOrderId, comment: command.comment?.trim() || undefined, rejectedAt: at } },
        reopened(order, 'resident-rejected', command.comment?.trim() || 'the resident says it is not fixed', at),
      ];
    case 'RequestCallback':
      if (command.round !== order.reopenRounds || order.callbackRequested) return [];
      return [{ type: EventTypes.CallbackRequested, data: { workOrderId, round: command.round, dueAt: command.dueAt.toISOString(), requestedAt: at } }];
    case 'CloseWithoutConfirmation':
      if (command.round !== order.reopenRounds) return [];
      return [{ type: EventTypes.WorkOrderClosed, data: { workOrderId, outcome: 'closed-without-confirmation', closedAt: at } }];
    case 'LinkDuplicateReport': {
      const { report } = command;
      return [
        {
          type: EventTypes.DuplicateReportLinked,
          data: {
            workOrderId,
            reporter: { name: report.reporter.name, phone: report.reporter.phone },
            channel: report.channel,
            description: report.description,
            similarity: command.similarity,
            reason: command.reason,
            contactNumber: order.contacts + 1,
            linkedAt: at,
          },
        },
      ];
    }
    case 'RecordFollowUp':
      return [
        {
          type: EventTypes.FollowUpContactRecorded,
          data: { workOrderId, channel: command.channel, note: command.note, caller: callerOf(command), contactNumber: order.contacts + 1, contactedAt: at },
        },
      ];
    default:
      return assertNever(command);
  }
};

/** The caller's name and number as given; nothing when they gave neither. */
const callerOf = ({ caller }: RecordFollowUp): { name?: string | undefined; phone?: string | undefined } | undefined =>
  caller && (caller.name !== undefined || caller.phone !== undefined) ? { name: caller.name, phone: caller.phone } : undefined;

const resumed = (heldSince: string, by: Staff, now: Date, workOrderId: string): WorkOrderEvent => ({
  type: EventTypes.WorkOrderResumed,
  data: { workOrderId, by, heldSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(heldSince)) / 1000)), resumedAt: now.toISOString() },
});

const reopened = (order: OpenState, trigger: 'resident-rejected' | 'staff', reason: string, at: string): WorkOrderEvent => ({
  type: EventTypes.WorkOrderReopened,
  data: { workOrderId: order.workOrderId, trigger, reason, round: order.reopenRounds + 1, reopenedAt: at },
});

const decideReport = (command: ReportWorkOrder): WorkOrderEvent[] => {
  const { report, triage, workOrderId, now } = command;
  const at = now.toISOString();
  return [
    {
      type: EventTypes.WorkOrderReported,
      data: {
        workOrderId,
        number: command.number,
        siteId: report.siteId,
        building: report.building,
        unit: report.unit,
        channel: report.channel,
        reporter: { name: report.reporter.name, phone: report.reporter.phone },
        category: report.category,
        description: report.description,
        reportedAt: at,
      },
    },
    {
      type: EventTypes.WorkOrderTriaged,
      data: { workOrderId, tier: triage.tier, category: triage.category, ruleId: triage.ruleId, reason: triage.reason, triagedAt: at },
    },
  ];
};

const decideAssignment = (command: AssignOwner, order: OpenState): WorkOrderEvent[] => {
  // The owner, once named, stays: a redelivered "triaged" event must not hand the order to someone else.
  if (order.owner) return [];
  const { routing } = command;
  const at = command.now.toISOString();
  if (routing.kind === 'dispatcher-queue') {
    if (order.status === 'awaiting-dispatch') return [];
    return [{ type: EventTypes.WorkOrderQueuedForDispatch, data: { workOrderId: order.workOrderId, queueId: routing.queueId, reason: routing.reason, queuedAt: at } }];
  }
  return [
    {
      type: EventTypes.WorkOrderAssigned,
      data: { workOrderId: order.workOrderId, owner: routing.owner, teamId: routing.teamId, ruleId: routing.ruleId, reason: routing.reason, assignedAt: at },
    },
  ];
};

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

const evolve = (state: WorkOrderState, event: WorkOrderEvent): WorkOrderState => {
  if (event.type === EventTypes.WorkOrderReported) {
    if (state.status !== 'none') return state;
    const { workOrderId, number, siteId, building, category } = event.data;
    return { status: 'reported', workOrderId, number, siteId, building, category, reopenRounds: 0, contacts: 1, callbackRequested: false };
  }
  if (state.status === 'none') return state;
  const facts = factsOf(state);
  switch (event.type) {
    case EventTypes.WorkOrderTriaged:
      return state.status === 'reported' ? { ...facts, status: 'triaged', tier: event.data.tier, category: event.data.category } : state;
    case EventTypes.WorkOrderQueuedForDispatch:
      return { ...facts, status: 'awaiting-dispatch' };
    case EventTypes.WorkOrderAssigned:
      // Dispatch names the owner, who is also the first technician.
      return { ...facts, status: 'assigned', owner: event.data.owner, technician: event.data.owner };
    case EventTypes.WorkOrderAcknowledged:
      return event.data.becameOwner
        ? { ...facts, status: 'acknowledged', owner: event.data.by, technician: event.data.by }
        : { ...facts, status: 'acknowledged' };
    case EventTypes.WorkStarted:
      return { ...facts, status: 'in-progress' };
    case EventTypes.WorkOrderPutOnHold:
      return { ...facts, status: 'on-hold', heldSince: event.data.heldAt };
    case EventTypes.WorkOrderResumed:
      return { ...facts, status: 'in-progress' };
    case EventTypes.WorkOrderResolved:
      return { ...facts, status: 'resolved' };
    case EventTypes.TechnicianReassigned:
      // The new technician has to acknowledge afresh; ownership is untouched.
      return { ...facts, status: 'assigned', technician: event.data.to };
    case EventTypes.OwnershipHandedOver:
      return { ...state, owner: event.data.to };
    case EventTypes.WorkOrderCancelled:
      return { ...facts, status: 'cancelled' };
    case EventTypes.ResolutionRejected:
      return state;
    case EventTypes.WorkOrderReopened:
      return { ...facts, status: 'assigned', reopenRounds: event.data.round, callbackRequested: false };
    case EventTypes.WorkOrderClosed:
      return { ...facts, status: 'closed', closedAt: event.data.closedAt };
    case EventTypes.FollowUpContactRecorded:
      return { ...state, contacts: event.data.contactNumber };
    case EventTypes.CallbackRequested:
      return { ...state, callbackRequested: true };
    case EventTypes.DuplicateReportLinked:
      return { ...state, contacts: event.data.contactNumber };
    default:
      return assertNever(event);
  }
};

const factsOf = (state: OpenState): OrderFacts => ({
  workOrderId: state.workOrderId,
  number: state.number,
  siteId: state.siteId,
  building: state.building,
  category: state.category,
  tier: state.tier,
  owner: state.owner,
  technician: state.technician,
  reopenRounds: state.reopenRounds,
  contacts: state.contacts,
  callbackRequested: state.callbackRequested,
});

/** Each work order is one stream in the event store. */
export const workOrderStream = (workOrderId: string): string => `workorder-${workOrderId}`;

/** The closed loop of one work order (the `workorder-<id>` stream). */
export const workOrderDecider: Decider<WorkOrderState, WorkOrderCommand, WorkOrderEvent> = { decide, evolve, initialState };

export const foldWorkOrder = (events: readonly WorkOrderEvent[]): WorkOrderState => foldEvents(workOrderDecider, events);

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
