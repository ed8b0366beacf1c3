import { CancelReasonSchema, Channel, CloseloopError, HoldReasonSchema, ReportDetails } from '@closeloop/contracts';
import { z } from 'zod';
import { RoutingDecision } from './routing';
import { TriageDecision } from './triage';
import { Staff, WorkOrderState, WorkOrderStatus } from './work-order.state';

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
/** What every command a member of staff gives carries: who gives it, and when. */
interface StaffCommand<Type extends string> {
  readonly type: Type;
  readonly by: Staff;
  readonly now: Date;
}
export type Acknowledge = StaffCommand<'Acknowledge'>;
export type StartWork = StaffCommand<'StartWork'>;
export interface PutOnHold extends StaffCommand<'PutOnHold'> {
  readonly reason: z.infer<typeof HoldReasonSchema>;
  readonly note?: string | undefined;
}
export type Resume = StaffCommand<'Resume'>;
export interface Resolve extends StaffCommand<'Resolve'> {
  readonly notes: string;
  readonly photoRefs: readonly string[];
}
export interface ReassignTechnician extends StaffCommand<'ReassignTechnician'> {
  readonly to: Staff;
  readonly reason: string;
}
export interface HandOverOwnership extends StaffCommand<'HandOverOwnership'> {
  readonly to: Staff;
  readonly reason: string;
}
export interface Cancel extends StaffCommand<'Cancel'> {
  readonly reason: z.infer<typeof CancelReasonSchema>;
  readonly note?: string | undefined;
}
export interface Reopen extends StaffCommand<'Reopen'> {
  readonly reason: string;
  /** How long after closure staff may still reopen (configuration). */
  readonly reopenWindowSeconds: number;
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

/**
 * The resident adds a note or photo references from their status link: on the timeline for whoever works on the
 * order, changing nothing else. At least one of the two; any time before the order is closed or cancelled.
 */
export interface AddResidentNote {
  readonly type: 'AddResidentNote';
  readonly note?: string | undefined;
  readonly photoRefs: readonly string[];
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
  | AddResidentNote
  | RequestCallback
  | CloseWithoutConfirmation
  | LinkDuplicateReport;

export type CommandType = WorkOrderCommand['type'];

/** What any open order accepts, owned or not: cancellation, the resident's further contacts and notes, duplicates. */
const WHILE_OPEN: readonly CommandType[] = ['Cancel', 'RecordFollowUp', 'AddResidentNote', 'LinkDuplicateReport'];

/** What a triaged order nobody owns yet accepts, whether or not it waits in the dispatcher queue. */
const UNOWNED: readonly CommandType[] = ['AssignOwner', 'Acknowledge', ...WHILE_OPEN];

/** What an owned order accepts at every step until it is resolved: staff changes, and what any open order accepts. */
const WORKING: readonly CommandType[] = ['ReassignTechnician', 'HandOverOwnership', ...WHILE_OPEN];

/** The lifecycle as a table: what may be done in each status. Everything else is a typed rejection. */
const allowedCommands: Record<WorkOrderStatus, readonly CommandType[]> = {
  none: ['ReportWorkOrder'],
  reported: [],
  triaged: UNOWNED,
  'awaiting-dispatch': UNOWNED,
  assigned: ['AssignOwner', 'Acknowledge', ...WORKING],
  acknowledged: ['StartWork', ...WORKING],
  'in-progress': ['PutOnHold', 'Resolve', ...WORKING],
  'on-hold': ['Resume', ...WORKING],
  resolved: [
    'ConfirmResolution',
    'RejectResolution',
    'Reopen',
    'HandOverOwnership',
    'RecordFollowUp',
    'AddResidentNote',
    'RequestCallback',
    'CloseWithoutConfirmation',
  ],
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
