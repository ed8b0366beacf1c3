import { DomainEvent, EventTypes, PriorityLane } from '@closeloop/contracts';

/** One row of query_work_orders: what a supervisor sees of an order now. */
export interface WorkOrderView {
  workOrderId: string;
  number: string;
  siteId: string;
  building: string | null;
  unit: string | null;
  channel: string;
  category: string | null;
  description: string;
  reporterName: string | null;
  reporterPhone: string | null;
  /** The reporter's phone as a keyed digest (ResidentKeys.phoneDigest): how the caller lookup finds them (ADR 28). */
  reporterPhoneDigest: string | null;
  tier: string | null;
  triageRuleId: string | null;
  triageReason: string | null;
  /** Set when the priority lane raised the order's tier: the registration matched, the need, the tier before. */
  priorityLane: PriorityLane | null;
  status: WorkOrderStatusView;
  ownerId: string | null;
  ownerName: string | null;
  ownerSince: string | null;
  technicianId: string | null;
  technicianName: string | null;
  teamId: string | null;
  dispatchQueueId: string | null;
  reportedAt: string;
  assignedAt: string | null;
  acknowledgedAt: string | null;
  startedAt: string | null;
  onHoldReason: string | null;
  heldSeconds: number;
  resolvedAt: string | null;
  resolutionNotes: string | null;
  closedAt: string | null;
  closeOutcome: string | null;
  rating: number | null;
  ratingComment: string | null;
  cancelledReason: string | null;
  reopenCount: number;
  contactCount: number;
  /** Everyone to keep informed about the order, one entry per phone number, in the order they first got in touch. */
  contacts: ContactView[];
  callbackRequestedAt: string | null;
  responseDueAt: string | null;
  resolutionDueAt: string | null;
  responseBreached: boolean;
  resolutionBreached: boolean;
  /**
   * The highest escalation level raised for either target in any round: 1 site supervisor on call, 2 service
   * manager, 3 operations head. The order's history; the current level of each target is below.
   */
  escalationLevel: number;
  /** The level the response target's escalation reached; it has one round, and keeps the level once met. */
  responseEscalationLevel: number;
  /** The level the resolution target's escalation reached in the current round: 0 again when a reopen restarts its clock. */
  resolutionEscalationLevel: number;
  responseMetAt: string | null;
  resolutionMetAt: string | null;
  slaPausedSince: string | null;
  slaPausedSeconds: number;
  slaStopped: boolean;
  /** When the response target's clock started; with its deadline, how much of the target has elapsed. */
  responseStartedAt: string | null;
  /** When the resolution target's current round started: the targets' start, then each reopen's restart. */
  resolutionStartedAt: string | null;
  /** The pauses of the resolution target's current round, which moved its deadline on and do not count as elapsed. */
  resolutionPausedSeconds: number;
  updatedAt: string;
}

/** How a person came to be one of the order's contacts. */
export type ContactRelation = 'reporter' | 'duplicate-reporter' | 'follow-up';

export interface ContactView {
  name: string | null;
  phone: string | null;
  channel: string;
  /** When they first got in touch about this order. */
  at: string;
  relation: ContactRelation;
}

export const WORK_ORDER_STATUSES = [
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
export type WorkOrderStatusView = (typeof WORK_ORDER_STATUSES)[number];

export interface TimelineEntry {
  readonly event: DomainEvent;
  readonly occurredAt: string;
}

type ReportedEvent = Extract<DomainEvent, { type: typeof EventTypes.WorkOrderReported }>;

/** The order's report on its timeline: every fold of an order starts from it, wherever it stands in the timeline. */
export const reportOn = (
  timeline: readonly TimelineEntry[],
): (TimelineEntry & { readonly event: ReportedEvent }) | undefined =>
  timeline.find((e): e is TimelineEntry & { event: ReportedEvent } => e.event.type === EventTypes.WorkOrderReported);

/** What the report says of the order and where it is, absent parts as null, as the read models keep them. */
export const placeOf = (r: ReportedEvent['data']) => ({
  workOrderId: r.workOrderId,
  number: r.number,
  siteId: r.siteId,
  building: r.building ?? null,
  unit: r.unit ?? null,
  channel: r.channel,
  category: r.category ?? null,
});

/**
 * The order as its timeline tells it, folded in store order. Events before the report (which cannot happen in
 * store order, but can on a topic replayed from the middle) are kept until the report arrives.
 */
export const foldWorkOrderView = (
  timeline: readonly TimelineEntry[],
  /** The keyed digest of a phone; without it (a fold with no RESIDENT_SECRET) the digest stays empty. */
  phoneDigest?: (phone: string) => string,
): WorkOrderView | undefined => {
  const reported = reportOn(timeline);
  if (!reported) return undefined;
  const r = reported.event.data;
  let view: WorkOrderView = {
    ...placeOf(r),
    description: r.description,
    reporterName: r.reporter.name ?? null,
    reporterPhone: r.reporter.phone ?? null,
    reporterPhoneDigest: r.reporter.phone && phoneDigest ? phoneDigest(r.reporter.phone) : null,
    tier: null,
    triageRuleId: null,
    triageReason: null,
    priorityLane: null,
    status: 'reported',
    ownerId: null,
    ownerName: null,
    ownerSince: null,
    technicianId: null,
    technicianName: null,
    teamId: null,
    dispatchQueueId: null,
    reportedAt: r.reportedAt,
    assignedAt: null,
    acknowledgedAt: null,
    startedAt: null,
    onHoldReason: null,
    heldSeconds: 0,
    resolvedAt: null,
    resolutionNotes: null,
    ...closeOf(),
    cancelledReason: null,
    reopenCount: 0,
    contactCount: 1,
    contacts: [contact(r.reporter, r.channel, r.reportedAt, 'reporter')],
    callbackRequestedAt: null,
    responseDueAt: null,
    resolutionDueAt: null,
    responseBreached: false,
    resolutionBreached: false,
    escalationLevel: 0,
    responseEscalationLevel: 0,
    resolutionEscalationLevel: 0,
    responseMetAt: null,
    resolutionMetAt: null,
    slaPausedSince: null,
    slaPausedSeconds: 0,
    slaStopped: false,
    responseStartedAt: null,
    resolutionStartedAt: null,
    resolutionPausedSeconds: 0,
    updatedAt: reported.occurredAt,
  };
  for (const { event, occurredAt } of timeline) {
    view = { ...apply(view, event), updatedAt: occurredAt > view.updatedAt ? occurredAt : view.updatedAt };
  }
  return view;
};

const contact = (
  person: { name?: string | undefined; phone?: string | undefined } | undefined,
  channel: string,
  at: string,
  relation: ContactRelation,
): ContactView => ({
  name: person?.name ?? null,
  phone: person?.phone ?? null,
  channel,
  at,
  relation,
});

/**
 * One person: the same number written differently (spaces, dashes, +86); without numbers, the same name. Two
 * people without a number or a name cannot be told apart, so they count as two.
 */
const samePerson = (a: ContactView, b: ContactView): boolean => {
  if (a.phone !== null || b.phone !== null)
    return a.phone !== null && b.phone !== null && phoneDigits(a.phone) === phoneDigits(b.phone);
  return a.name !== null && b.name !== null && a.name.trim().toLowerCase() === b.name.trim().toLowerCase();
};
const phoneDigits = (phone: string): string => phone.replace(/\D/g, '').replace(/^(?:00)?86(?=1[3-9]\d{9}$)/, '');

/**
 * A person already among the contacts stays as they first came (a reporter calling again is still the reporter).
 * A later contact with neither a name nor a number adds nobody: there is no one to keep informed.
 */
const withContact = (contacts: ContactView[], added: ContactView): ContactView[] =>
  (added.name === null && added.phone === null) || contacts.some((c) => samePerson(c, added))
    ? contacts
    : [...contacts, added];

/** A follow-up call or a duplicate report: one contact more, and the person among the contacts once. */
const contactedAgain = (view: WorkOrderView, contactNumber: number, added: ContactView): WorkOrderView => ({
  ...view,
  contactCount: contactNumber,
  contacts: withContact(view.contacts, added),
});

const owner = (staff: { staffId: string; name: string }, since: string) => ({
  ownerId: staff.staffId,
  ownerName: staff.name,
  ownerSince: since,
});
const technician = (staff: { staffId: string; name: string }) => ({
  technicianId: staff.staffId,
  technicianName: staff.name,
});
/** The order's close as its row shows it: when, how, and the resident's rating; all null while it is not closed. */
const closeOf = (closed?: Extract<DomainEvent, { type: typeof EventTypes.WorkOrderClosed }>['data']) => ({
  closedAt: closed?.closedAt ?? null,
  closeOutcome: closed?.outcome ?? null,
  rating: closed?.rating ?? null,
  ratingComment: closed?.comment ?? null,
});

const apply = (view: WorkOrderView, event: DomainEvent): WorkOrderView => {
  switch (event.type) {
    case EventTypes.WorkOrderReported:
      return view;
    case EventTypes.WorkOrderTriaged: {
      const d = event.data;
      return {
        ...view,
        tier: d.tier,
        category: d.category,
        triageRuleId: d.ruleId,
        triageReason: d.reason,
        priorityLane: d.priorityLane ?? null,
        status: view.status === 'reported' ? 'triaged' : view.status,
      };
    }
    case EventTypes.WorkOrderAssigned: {
      const d = event.data;
      return {
        ...view,
        ...owner(d.owner, d.assignedAt),
        ...technician(d.owner),
        teamId: d.teamId,
        assignedAt: d.assignedAt,
        dispatchQueueId: null,
        status: 'assigned',
      };
    }
    case EventTypes.WorkOrderQueuedForDispatch:
      return view.ownerId ? view : { ...view, dispatchQueueId: event.data.queueId, status: 'awaiting-dispatch' };
    case EventTypes.WorkOrderAcknowledged: {
      const d = event.data;
      const firstResponder = d.becameOwner
        ? { ...owner(d.by, d.acknowledgedAt), ...technician(d.by), dispatchQueueId: null }
        : {};
      return { ...view, ...firstResponder, acknowledgedAt: d.acknowledgedAt, status: 'acknowledged' };
    }
    case EventTypes.WorkStarted:
      return { ...view, startedAt: view.startedAt ?? event.data.startedAt, status: 'in-progress' };
    case EventTypes.WorkOrderPutOnHold:
      return { ...view, onHoldReason: event.data.reason, status: 'on-hold' };
    case EventTypes.WorkOrderResumed:
      return {
        ...view,
        onHoldReason: null,
        heldSeconds: view.heldSeconds + event.data.heldSeconds,
        status: 'in-progress',
      };
    case EventTypes.WorkOrderResolved:
      return { ...view, resolvedAt: event.data.resolvedAt, resolutionNotes: event.data.notes, status: 'resolved' };
    case EventTypes.TechnicianReassigned:
      return { ...view, ...technician(event.data.to), status: 'assigned' };
    case EventTypes.OwnershipHandedOver:
      return { ...view, ...owner(event.data.to, event.data.handedOverAt) };
    case EventTypes.WorkOrderCancelled:
      return { ...view, cancelledReason: event.data.reason, status: 'cancelled' };
    case EventTypes.ResolutionRejected:
      return view;
    case EventTypes.WorkOrderReopened:
      return {
        ...view,
        reopenCount: event.data.round,
        resolvedAt: null,
        ...closeOf(),
        callbackRequestedAt: null,
        status: 'assigned',
      };
    case EventTypes.WorkOrderClosed:
      return { ...view, ...closeOf(event.data), status: 'closed' };
    case EventTypes.FollowUpContactRecorded: {
      const d = event.data;
      return contactedAgain(view, d.contactNumber, contact(d.caller, d.channel, d.contactedAt, 'follow-up'));
    }
    case EventTypes.CallbackRequested:
      return { ...view, callbackRequestedAt: event.data.requestedAt };
    case EventTypes.DuplicateReportLinked: {
      const d = event.data;
      return contactedAgain(view, d.contactNumber, contact(d.reporter, d.channel, d.linkedAt, 'duplicate-reporter'));
    }
    case EventTypes.SlaTargetsSet:
      return {
        ...view,
        responseDueAt: event.data.responseDueAt,
        resolutionDueAt: event.data.resolutionDueAt,
        responseStartedAt: event.data.startedAt,
        resolutionStartedAt: event.data.startedAt,
        resolutionPausedSeconds: 0,
      };
    case EventTypes.SlaBreached:
      return event.data.target === 'response'
        ? { ...view, responseBreached: true }
        : { ...view, resolutionBreached: true };
    case EventTypes.SlaEscalated: {
      const { target, level } = event.data;
      const escalationLevel = Math.max(view.escalationLevel, level);
      return target === 'response'
        ? { ...view, escalationLevel, responseEscalationLevel: Math.max(view.responseEscalationLevel, level) }
        : { ...view, escalationLevel, resolutionEscalationLevel: Math.max(view.resolutionEscalationLevel, level) };
    }
    case EventTypes.SlaClockPaused:
      return { ...view, slaPausedSince: event.data.pausedAt };
    case EventTypes.SlaClockResumed:
      return {
        ...view,
        resolutionDueAt: event.data.resolutionDueAt,
        slaPausedSince: null,
        slaPausedSeconds: view.slaPausedSeconds + event.data.pausedSeconds,
        resolutionPausedSeconds: view.resolutionPausedSeconds + event.data.pausedSeconds,
      };
    case EventTypes.SlaClockRestarted:
      // A new round of the loop: the resolution target starts afresh, its escalation chain with it.
      return {
        ...view,
        resolutionDueAt: event.data.resolutionDueAt,
        resolutionBreached: false,
        resolutionMetAt: null,
        resolutionEscalationLevel: 0,
        resolutionStartedAt: event.data.restartedAt,
        resolutionPausedSeconds: 0,
      };
    case EventTypes.SlaTargetMet:
      return event.data.target === 'response'
        ? { ...view, responseMetAt: event.data.metAt }
        : { ...view, resolutionMetAt: event.data.metAt };
    case EventTypes.SlaClockStopped:
      return { ...view, slaStopped: true };
    case EventTypes.SlaDeadlinesRecomputed:
      return {
        ...view,
        responseDueAt: event.data.responseDueAt ?? view.responseDueAt,
        resolutionDueAt: event.data.resolutionDueAt ?? view.resolutionDueAt,
      };
    // The resident's notes are on the timeline (and the resident's page); the order's row does not change.
    case EventTypes.ResidentNoteAdded:
    case EventTypes.SlaWarningRaised:
    case EventTypes.SlaEscalationAcknowledged:
    // Alerts are on the timeline; the order's own view does not change with paging.
    case EventTypes.AlertRaised:
    case EventTypes.AlertDeliveryAttempted:
    case EventTypes.AlertDeadLettered:
    case EventTypes.AlertAcknowledged:
    case EventTypes.AlertClosed:
    case EventTypes.AlertChainExhausted:
    // Step notices to the resident (ADR 27) are on the timeline too; the order's view does not change with them.
    case EventTypes.ResidentNotificationSent:
    case EventTypes.ResidentNotificationFailed:
    case EventTypes.ResidentNotificationDeferred:
    case EventTypes.ResidentNotificationSkipped:
      return view;
    // The priority registry's own streams never reach an order's timeline (isProjected leaves them out).
    case EventTypes.PriorityResidentRegistered:
    case EventTypes.PriorityResidentRemoved:
    case EventTypes.PriorityResidentExpired:
      return view;
    default: {
      const unhandled: never = event;
      throw new Error(`the work-order view has no case for ${JSON.stringify(unhandled)}`);
    }
  }
};
