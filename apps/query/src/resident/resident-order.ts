import { DomainEvent, EventTypes, RESIDENT_LINK_DAYS_AFTER_END } from '@closeloop/contracts';
import { WORK_ORDER_STATUSES } from '../projection/work-order-view';

// The resident's view of their order (GET /v1/resident/orders/{token}, the console's page /r/{token}), folded from
// the order's row and timeline. What it leaves out is the point: no staff ids or phone numbers (a technician is a
// given name and a team), no other resident's name, phone or words (follow-up calls and duplicate reports are not
// steps), no SLA internals beyond the time the order is expected to be done.

export type ResidentStepKind =
  | 'received'
  | 'assigned'
  | 'acknowledged'
  | 'started'
  | 'on-hold'
  | 'resumed'
  | 'resolved'
  | 'reopened'
  | 'closed'
  | 'cancelled'
  | 'note';

export interface ResidentStep {
  readonly step: ResidentStepKind;
  readonly at: string;
  /** assigned, acknowledged: who comes, by given name, and their team. */
  readonly technician?: { readonly givenName: string; readonly team: string | null };
  /** on-hold: why (waiting-on-resident, waiting-on-parts, waiting-on-access, other); cancelled: why. */
  readonly reason?: string;
  /** resolved: what was done. */
  readonly notes?: string;
  /** reopened: who reopened it (the resident saying it is not fixed, or the service desk). */
  readonly by?: 'resident' | 'staff';
  /** closed: confirmed by the resident or closed after the callback period; the rating when there is one. */
  readonly outcome?: string;
  readonly rating?: number;
  /** note: the resident's own words and photo references. */
  readonly note?: string;
  readonly photoRefs?: readonly string[];
}

export interface ResidentOrder {
  readonly number: string;
  readonly category: string | null;
  /** The order's status code (reported … closed, cancelled): the page puts it in plain words. */
  readonly status: string;
  readonly steps: readonly ResidentStep[];
  /** When the order is expected to be resolved, from its SLA clock; null once resolved, or before its clock is set. */
  readonly due: { readonly at: string; readonly paused: boolean } | null;
  /** What the resident may do now: confirm or reject only a resolved order, add a note until it is closed. */
  readonly actions: { readonly confirm: boolean; readonly reject: boolean; readonly note: boolean };
  /** When the link stops opening the order (30 days after it closed or was cancelled); null while it is open. */
  readonly linkExpiresAt: string | null;
  readonly timeZone: string;
}

/** The order's row, as far as the resident's view reads it. */
export interface ResidentOrderRow {
  readonly number: string;
  readonly status: string;
  readonly category: string | null;
  readonly resolutionDueAt: Date | null;
  readonly slaPausedSince: Date | null;
  readonly timeZone: string;
}

const DAY_MILLIS = 24 * 3600 * 1000;
/** A resident may add a note once the order is triaged and until it ends. */
const NOTE_STATUSES = new Set<string>(
  WORK_ORDER_STATUSES.filter((status) => status !== 'reported' && status !== 'closed' && status !== 'cancelled'),
);

/** The resident's view, or undefined when the link has expired: the order ended over 30 days before `now`. */
export const residentOrderOf = (
  row: ResidentOrderRow,
  timeline: readonly { readonly event: DomainEvent; readonly occurredAt: string }[],
  now: Date,
): ResidentOrder | undefined => {
  const steps = stepsOf(timeline.map((t) => t.event));
  const ended = row.status === 'closed' || row.status === 'cancelled' ? lastEnd(steps) : undefined;
  const linkExpiresAt =
    ended === undefined ? null : new Date(Date.parse(ended) + RESIDENT_LINK_DAYS_AFTER_END * DAY_MILLIS);
  if (linkExpiresAt !== null && linkExpiresAt.getTime() < now.getTime()) return undefined;
  const open = NOTE_STATUSES.has(row.status) && row.status !== 'resolved';
  return {
    number: row.number,
    category: row.category,
    status: row.status,
    steps,
    due:
      open && row.resolutionDueAt
        ? { at: row.resolutionDueAt.toISOString(), paused: row.slaPausedSince !== null }
        : null,
    actions: {
      confirm: row.status === 'resolved',
      reject: row.status === 'resolved',
      note: NOTE_STATUSES.has(row.status),
    },
    linkExpiresAt: linkExpiresAt?.toISOString() ?? null,
    timeZone: row.timeZone,
  };
};

const lastEnd = (steps: readonly ResidentStep[]): string | undefined =>
  [...steps].reverse().find((s) => s.step === 'closed' || s.step === 'cancelled')?.at;

/** A step that names who comes: by given name only, with their team. */
const technicianStep = (
  step: 'assigned' | 'acknowledged',
  at: string,
  staffName: string,
  team: string | null,
): ResidentStep => ({ step, at, technician: { givenName: givenNameOf(staffName), team } });

/** A step: what happened, when, and whatever else the event tells the resident about it. */
const stepAt = (step: ResidentStepKind, at: string, more: Omit<ResidentStep, 'step' | 'at'> = {}): ResidentStep => ({
  step,
  at,
  ...more,
});

/** The step an event is to the resident; undefined for the events that are none of the resident's business. */
const stepOf = (event: DomainEvent, team: string | null): ResidentStep | undefined => {
  switch (event.type) {
    case EventTypes.WorkOrderReported:
      return stepAt('received', event.data.reportedAt);
    case EventTypes.WorkOrderAssigned:
      return technicianStep('assigned', event.data.assignedAt, event.data.owner.name, team);
    case EventTypes.TechnicianReassigned:
      return technicianStep('assigned', event.data.reassignedAt, event.data.to.name, team);
    case EventTypes.WorkOrderAcknowledged:
      return technicianStep('acknowledged', event.data.acknowledgedAt, event.data.by.name, team);
    case EventTypes.WorkStarted:
      return stepAt('started', event.data.startedAt);
    case EventTypes.WorkOrderPutOnHold:
      return stepAt('on-hold', event.data.heldAt, { reason: event.data.reason });
    case EventTypes.WorkOrderResumed:
      return stepAt('resumed', event.data.resumedAt);
    case EventTypes.WorkOrderResolved:
      return stepAt('resolved', event.data.resolvedAt, { notes: event.data.notes });
    case EventTypes.WorkOrderReopened:
      return stepAt('reopened', event.data.reopenedAt, {
        by: event.data.trigger === 'resident-rejected' ? 'resident' : 'staff',
      });
    case EventTypes.WorkOrderClosed:
      return stepAt('closed', event.data.closedAt, {
        outcome: event.data.outcome,
        ...(event.data.rating === undefined ? {} : { rating: event.data.rating }),
      });
    case EventTypes.WorkOrderCancelled:
      return stepAt('cancelled', event.data.cancelledAt, { reason: event.data.reason });
    case EventTypes.ResidentNoteAdded:
      return stepAt('note', event.data.addedAt, {
        ...(event.data.note === undefined ? {} : { note: event.data.note }),
        photoRefs: event.data.photoRefs,
      });
    default:
      // Triage, dispatch queues, ownership, follow-up calls and duplicate reports (other residents), SLA clocks and
      // alerts: the service desk's business, not a step the resident follows.
      return undefined;
  }
};

/** The steps in timeline order; events a resident has no business seeing are left out. */
export const stepsOf = (events: readonly DomainEvent[]): ResidentStep[] => {
  const steps: ResidentStep[] = [];
  // The team of the latest assignment: a reassignment or an acknowledgement names the technician, not the team.
  let team: string | null = null;
  for (const event of events) {
    if (event.type === EventTypes.WorkOrderAssigned) team = event.data.teamId;
    const step = stepOf(event, team);
    if (step) steps.push(step);
  }
  return steps;
};

/** Two-character Chinese surnames: the given name is what follows them. */
const COMPOUND_SURNAMES = new Set([
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '令狐',
  '司徒',
  '夏侯',
  '长孙',
  '宇文',
  '西门',
  '南宫',
]);

/**
 * A member of staff's given name, all a resident is told of who comes. Names are kept family name first, as the roster
 * writes them ("Wang Wei", "王伟"): in Latin letters the words after the first, in Han characters the characters
 * after the surname (one character, or two for a compound surname). A single word is given as it is.
 */
export const givenNameOf = (name: string): string => {
  const trimmed = name.trim();
  const words = trimmed.split(/\s+/);
  if (words.length > 1) return words.slice(1).join(' ');
  const characters = [...trimmed];
  if (characters.length >= 2 && /^\p{Script=Han}+$/u.test(trimmed)) {
    const surname = characters.length >= 3 && COMPOUND_SURNAMES.has(characters.slice(0, 2).join('')) ? 2 : 1;
    return characters.slice(surname).join('');
  }
  return trimmed;
};
