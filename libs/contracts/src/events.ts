import { z } from 'zod';
import { ChannelSchema, TierSchema } from './report';

/**
 * Every domain event's stored and published type: an explicit string carrying its version. A new shape gets a
 * new version and an upcaster; a published name never changes meaning.
 */
export const EventTypes = {
  WorkOrderReported: 'closeloop.workorder.reported.v1',
  WorkOrderTriaged: 'closeloop.workorder.triaged.v1',
  WorkOrderAssigned: 'closeloop.workorder.assigned.v1',
  WorkOrderQueuedForDispatch: 'closeloop.workorder.queued-for-dispatch.v1',
  WorkOrderAcknowledged: 'closeloop.workorder.acknowledged.v1',
  WorkStarted: 'closeloop.workorder.work-started.v1',
  WorkOrderPutOnHold: 'closeloop.workorder.put-on-hold.v1',
  WorkOrderResumed: 'closeloop.workorder.resumed.v1',
  WorkOrderResolved: 'closeloop.workorder.resolved.v1',
  TechnicianReassigned: 'closeloop.workorder.technician-reassigned.v1',
  OwnershipHandedOver: 'closeloop.workorder.ownership-handed-over.v1',
  WorkOrderCancelled: 'closeloop.workorder.cancelled.v1',
  ResolutionRejected: 'closeloop.workorder.resolution-rejected.v1',
  WorkOrderReopened: 'closeloop.workorder.reopened.v1',
  WorkOrderClosed: 'closeloop.workorder.closed.v1',
  FollowUpContactRecorded: 'closeloop.workorder.follow-up-contact-recorded.v1',
  CallbackRequested: 'closeloop.workorder.callback-requested.v1',
  DuplicateReportLinked: 'closeloop.workorder.duplicate-report-linked.v1',
  SlaTargetsSet: 'closeloop.sla.targets-set.v1',
  SlaWarningRaised: 'closeloop.sla.warning-raised.v1',
  SlaBreached: 'closeloop.sla.breached.v1',
  SlaEscalated: 'closeloop.sla.escalated.v1',
  SlaTargetMet: 'closeloop.sla.target-met.v1',
  SlaClockPaused: 'closeloop.sla.clock-paused.v1',
  SlaClockResumed: 'closeloop.sla.clock-resumed.v1',
  SlaClockRestarted: 'closeloop.sla.clock-restarted.v1',
  SlaClockStopped: 'closeloop.sla.clock-stopped.v1',
  SlaDeadlinesRecomputed: 'closeloop.sla.deadlines-recomputed.v1',
  SlaEscalationAcknowledged: 'closeloop.sla.escalation-acknowledged.v1',
  AlertRaised: 'closeloop.alert.raised.v1',
  AlertDeliveryAttempted: 'closeloop.alert.delivery-attempted.v1',
  AlertDeadLettered: 'closeloop.alert.dead-lettered.v1',
  AlertAcknowledged: 'closeloop.alert.acknowledged.v1',
  AlertClosed: 'closeloop.alert.closed.v1',
  AlertChainExhausted: 'closeloop.alert.chain-exhausted.v1',
} as const;

const isoInstant = z.string().datetime({ offset: true });
export const StaffMemberSchema = z.object({ staffId: z.string().min(1).max(64), name: z.string().min(1).max(100) }).strict();
export type StaffMemberRef = z.infer<typeof StaffMemberSchema>;
const staffMember = StaffMemberSchema;

export const WorkOrderReportedData = z
  .object({
    workOrderId: z.string().uuid(),
    /** Unified number (统一编号), unique per site, read out to the resident on the phone. */
    number: z.string().min(1),
    siteId: z.string().min(1),
    building: z.string().optional(),
    unit: z.string().optional(),
    channel: ChannelSchema,
    reporter: z.object({ name: z.string().optional(), phone: z.string().optional() }).strict(),
    category: z.string().optional(),
    description: z.string(),
    reportedAt: isoInstant,
  })
  .strict();

export const WorkOrderTriagedData = z
  .object({
    workOrderId: z.string().uuid(),
    tier: TierSchema,
    category: z.string(),
    /** The triage rule that decided, so a supervisor can see why an order got its tier. */
    ruleId: z.string(),
    reason: z.string(),
    triagedAt: isoInstant,
  })
  .strict();

export const WorkOrderAssignedData = z
  .object({
    workOrderId: z.string().uuid(),
    /** The accountable owner under first-response responsibility (首问负责制). */
    owner: staffMember,
    teamId: z.string(),
    ruleId: z.string(),
    reason: z.string(),
    assignedAt: isoInstant,
  })
  .strict();

export const WorkOrderQueuedForDispatchData = z
  .object({
    workOrderId: z.string().uuid(),
    /** The site's dispatcher queue: where an order waits when no roster entry matches, in plain sight. */
    queueId: z.string(),
    reason: z.string(),
    queuedAt: isoInstant,
  })
  .strict();

const workOrderId = z.string().uuid();
const note = (max: number) => z.string().trim().min(1).max(max);

export const WorkOrderAcknowledgedData = z
  .object({
    workOrderId,
    by: staffMember,
    /** True when the order had no owner yet: whoever accepts it first answers for it (首问负责制). */
    becameOwner: z.boolean(),
    acknowledgedAt: isoInstant,
  })
  .strict();

export const WorkStartedData = z.object({ workOrderId, by: staffMember, startedAt: isoInstant }).strict();

/** Why work is paused; waiting on the resident also pauses the resolution clock. */
export const HoldReasonSchema = z.enum(['waiting-on-resident', 'waiting-on-parts', 'waiting-on-access', 'other']);

export const WorkOrderPutOnHoldData = z
  .object({ workOrderId, by: staffMember, reason: HoldReasonSchema, note: note(1000).optional(), heldAt: isoInstant })
  .strict();

export const WorkOrderResumedData = z
  .object({ workOrderId, by: staffMember, heldSeconds: z.number().int().nonnegative(), resumedAt: isoInstant })
  .strict();

export const WorkOrderResolvedData = z
  .object({
    workOrderId,
    by: staffMember,
    notes: note(4000),
    /** References to photos kept elsewhere (object storage keys or URLs), not the photos themselves. */
    photoRefs: z.array(z.string().min(1).max(512)).max(20),
    resolvedAt: isoInstant,
  })
  .strict();

export const TechnicianReassignedData = z
  .object({ workOrderId, from: staffMember.optional(), to: staffMember, reason: note(1000), by: staffMember, reassignedAt: isoInstant })
  .strict();

export const OwnershipHandedOverData = z
  .object({ workOrderId, from: staffMember, to: staffMember, reason: note(1000), by: staffMember, handedOverAt: isoInstant })
  .strict();

export const CancelReasonSchema = z.enum(['duplicate', 'invalid', 'withdrawn-by-resident', 'other']);

export const WorkOrderCancelledData = z
  .object({ workOrderId, reason: CancelReasonSchema, note: note(1000).optional(), by: staffMember, cancelledAt: isoInstant })
  .strict();

export const ResolutionRejectedData = z.object({ workOrderId, comment: note(2000).optional(), rejectedAt: isoInstant }).strict();

export const WorkOrderReopenedData = z
  .object({
    workOrderId,
    /** "resident-rejected" when the resident says it is not fixed; "staff" when staff reopen it. */
    trigger: z.enum(['resident-rejected', 'staff']),
    reason: note(1000),
    round: z.number().int().positive(),
    reopenedAt: isoInstant,
  })
  .strict();

export const CloseOutcomeSchema = z.enum(['confirmed', 'closed-without-confirmation']);

export const WorkOrderClosedData = z
  .object({
    workOrderId,
    outcome: CloseOutcomeSchema,
    /** The resident's 1-5 star rating from the callback (回访), when they gave one. */
    rating: z.number().int().min(1).max(5).optional(),
    comment: note(2000).optional(),
    closedAt: isoInstant,
  })
  .strict();

export const FollowUpContactRecordedData = z
  .object({
    workOrderId,
    channel: ChannelSchema,
    note: note(2000).optional(),
    /** Who called, as far as they said; absent when they did not, and on older events. */
    caller: z.object({ name: z.string().optional(), phone: z.string().optional() }).strict().optional(),
    /** 2 for the first follow-up: the report itself is contact 1. */
    contactNumber: z.number().int().min(2),
    contactedAt: isoInstant,
  })
  .strict();

export const CallbackRequestedData = z
  .object({
    workOrderId,
    /** The loop round the callback belongs to (0 before any reopen). */
    round: z.number().int().nonnegative(),
    /** When the resolution was due a confirmation, by the timer's reckoning. */
    dueAt: isoInstant,
    requestedAt: isoInstant,
  })
  .strict();

export const DuplicateReportLinkedData = z
  .object({
    workOrderId,
    /** The second reporter: a notified party of this order from now on. */
    reporter: z.object({ name: z.string().optional(), phone: z.string().optional() }).strict(),
    channel: ChannelSchema,
    description: z.string(),
    similarity: z.number().min(0).max(1),
    /** Why the rule judged it the same problem, for the supervisor reading the timeline. */
    reason: z.string(),
    /** Contacts about this order so far, this one included. */
    contactNumber: z.number().int().min(2),
    linkedAt: isoInstant,
  })
  .strict();

/**
 * Present (true) when working time was counted into a year the holiday data has no official calendar for and the
 * site's calendar lists no dates of its own for: those days were taken as plain Monday-Friday.
 */
const beyondOfficialData = { calendarBeyondOfficialData: z.literal(true).optional() };

export const SlaTargetsSetData = z
  .object({
    workOrderId: z.string().uuid(),
    tier: TierSchema,
    policyId: z.string(),
    startedAt: isoInstant,
    responseDueAt: isoInstant,
    resolutionDueAt: isoInstant,
    /** The site whose working calendar counts the targets; absent on clocks started before calendars. */
    siteId: z.string().optional(),
    /** The category after triage, which policy overrides may match. */
    category: z.string().optional(),
    /** The policy version the deadlines were computed under; absent on older events (version 1). */
    policyVersion: z.number().int().positive().optional(),
    /** When the owner is warned; absent on older events, where the warning falls at the policy's fraction of the elapsed time. */
    responseWarnAt: isoInstant.optional(),
    resolutionWarnAt: isoInstant.optional(),
    ...beyondOfficialData,
  })
  .strict();

/** The two targets of every order: respond (acknowledge) in time, and resolve in time. */
export const SlaTargetSchema = z.enum(['response', 'resolution']);

export const SlaWarningRaisedData = z
  .object({
    workOrderId,
    target: SlaTargetSchema,
    /** The target's deadline. */
    dueAt: isoInstant,
    /** When the warning fell due; absent on older events. */
    warnAt: isoInstant.optional(),
    /** When the warning was recorded: after warnAt if every sla-timer instance was down when it fell due. */
    warnedAt: isoInstant,
  })
  .strict();

export const SlaBreachedData = z
  .object({
    workOrderId,
    target: SlaTargetSchema,
    dueAt: isoInstant,
    /** When the breach was recorded: after dueAt if every sla-timer instance was down when it fell due. */
    breachedAt: isoInstant,
  })
  .strict();

export const SlaEscalatedData = z
  .object({
    workOrderId,
    target: SlaTargetSchema,
    /** 1 site supervisor on call, 2 service manager, 3 operations head. */
    level: z.number().int().min(1).max(3),
    /**
     * When this level fell due: the deadline for level 1, then the deadline plus the tier's escalation intervals.
     * Absent on older events.
     */
    dueAt: isoInstant.optional(),
    /** When the level was recorded: after dueAt if every sla-timer instance was down when it fell due. */
    escalatedAt: isoInstant,
  })
  .strict();

export const SlaTargetMetData = z
  .object({ workOrderId, target: SlaTargetSchema, dueAt: isoInstant, metAt: isoInstant, onTime: z.boolean() })
  .strict();

export const SlaClockPausedData = z.object({ workOrderId, pausedAt: isoInstant }).strict();

export const SlaClockResumedData = z
  .object({
    workOrderId,
    resumedAt: isoInstant,
    pausedSeconds: z.number().int().nonnegative(),
    resolutionDueAt: isoInstant,
    resolutionWarnAt: isoInstant.optional(),
    ...beyondOfficialData,
  })
  .strict();

export const SlaClockRestartedData = z
  .object({
    workOrderId,
    round: z.number().int().positive(),
    restartedAt: isoInstant,
    resolutionDueAt: isoInstant,
    resolutionWarnAt: isoInstant.optional(),
    ...beyondOfficialData,
  })
  .strict();

/** The order was cancelled: no target can be met or missed any more. */
export const SlaClockStoppedData = z.object({ workOrderId, stoppedAt: isoInstant, reason: z.enum(['cancelled']) }).strict();

/**
 * A corrected policy or calendar (a holiday added late, newer holiday data) moved a running target's deadline or
 * its pending warning. Only targets that moved are listed; met and breached targets keep the verdict they had.
 */
export const SlaDeadlinesRecomputedData = z
  .object({
    workOrderId,
    policyId: z.string(),
    policyVersion: z.number().int().positive(),
    responseDueAt: isoInstant.optional(),
    responseWarnAt: isoInstant.optional(),
    resolutionDueAt: isoInstant.optional(),
    resolutionWarnAt: isoInstant.optional(),
    recomputedAt: isoInstant,
    ...beyondOfficialData,
  })
  .strict();

/**
 * Someone on call acknowledged an escalation alert of this target ("I've got it"): the chain stops climbing. The
 * order's own acknowledgement or resolution still decides whether the target is met.
 */
export const SlaEscalationAcknowledgedData = z
  .object({ workOrderId, target: SlaTargetSchema, level: z.number().int().min(1).max(3), alertId: z.string().uuid(), acknowledgedBy: staffMember, acknowledgedAt: isoInstant })
  .strict();

// ── Alerts (notification service) ───────────────────────────────────────────────────────────────────────
// Each escalation, SLA warning and new urgent order becomes an alert, a stream of its own (`alert-<id>`), addressed
// to whoever is on call for the site and level (or the owner, for a warning). Every delivery attempt is an event,
// so the order's timeline shows who was paged, on which channel, and what came of it.

export const AlertKindSchema = z.enum(['escalation', 'warning', 'urgent-order']);
export const AlertChannelSchema = z.enum(['webhook', 'email', 'wecom', 'dingtalk', 'feishu', 'slack', 'sms']);
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

export const AlertRecipientSchema = z
  .object({
    staffId: z.string().min(1).max(64),
    /** Why this person: on call for the site and level, the order's owner, or the site's dispatcher queue. */
    role: z.enum(['on-call', 'owner', 'dispatcher']),
    channels: z.array(AlertChannelSchema).max(7),
  })
  .strict();

export const AlertRaisedData = z
  .object({
    alertId: z.string().uuid(),
    workOrderId,
    kind: AlertKindSchema,
    siteId: z.string().min(1),
    target: SlaTargetSchema.optional(),
    level: z.number().int().min(1).max(3).optional(),
    /** The target's deadline, for "overdue by" in the message. */
    dueAt: isoInstant.optional(),
    recipients: z.array(AlertRecipientSchema).max(20),
    /** The event that caused the alert (an escalation, a warning, a triage, a dead letter one level down). */
    causeEventId: z.string().min(1),
    /**
     * The SLA round the alert belongs to: 0 until the order is first reopened, then the resolution clock's restart
     * round. With the order, target and level it is the alert's identity. Absent on older events (round 0).
     */
    round: z.number().int().nonnegative().optional(),
    raisedAt: isoInstant,
  })
  .strict();

export const AlertDeliveryAttemptedData = z
  .object({
    alertId: z.string().uuid(),
    workOrderId,
    staffId: z.string().min(1).max(64),
    channel: AlertChannelSchema,
    /** Where it went, masked (a phone's last four digits, an e-mail's domain, a webhook's host). */
    destination: z.string().max(200),
    attempt: z.number().int().positive(),
    outcome: z.enum(['delivered', 'failed']),
    latencyMs: z.number().int().nonnegative(),
    error: z.string().max(500).optional(),
    attemptedAt: isoInstant,
  })
  .strict();

/** Retries ran out for one recipient's channel; the alert is escalated in its own right. */
export const AlertDeadLetteredData = z
  .object({ alertId: z.string().uuid(), workOrderId, staffId: z.string().min(1).max(64), channel: AlertChannelSchema, attempts: z.number().int().positive(), reason: z.string().max(500), deadLetteredAt: isoInstant })
  .strict();

/** Carries the alert's kind and target, so the sla-timer can stop that target's chain without reading the alert. */
export const AlertAcknowledgedData = z
  .object({
    alertId: z.string().uuid(),
    workOrderId,
    kind: AlertKindSchema,
    target: SlaTargetSchema.optional(),
    acknowledgedBy: staffMember,
    via: z.enum(['api', 'link']),
    acknowledgedAt: isoInstant,
  })
  .strict();

/** Nothing left to page about: the order was resolved, closed or cancelled, or the target was met. */
export const AlertClosedData = z
  .object({ alertId: z.string().uuid(), workOrderId, reason: z.enum(['order-resolved', 'order-closed', 'order-cancelled', 'target-met']), closedAt: isoInstant })
  .strict();

/**
 * The top of a chain could not be reached: every delivery of a level-3 alert ran out of retries. Recorded once on
 * that alert, so the order's timeline says nobody on call could be paged; the site's fallback contact is paged once
 * on each of their channels, and nothing escalates further.
 */
export const AlertChainExhaustedData = z
  .object({
    alertId: z.string().uuid(),
    workOrderId,
    siteId: z.string().min(1),
    target: SlaTargetSchema.optional(),
    level: z.number().int().min(1).max(3),
    round: z.number().int().nonnegative(),
    /** The `staffId:channel` deliveries that ran out, all of the alert's. */
    deadLettered: z.array(z.string().min(1).max(100)).max(140),
    /** Who is paged instead, once per channel: the site's fallback contact, else its level-1 supervisor on call, else its dispatcher queue. */
    fallback: z
      .object({
        staffId: z.string().min(1).max(64),
        source: z.enum(['site-fallback', 'on-call-level-1', 'dispatcher']),
        channels: z.array(AlertChannelSchema).max(7),
      })
      .strict(),
    exhaustedAt: isoInstant,
  })
  .strict();

export const eventDataSchemas = {
  [EventTypes.WorkOrderReported]: WorkOrderReportedData,
  [EventTypes.WorkOrderTriaged]: WorkOrderTriagedData,
  [EventTypes.WorkOrderAssigned]: WorkOrderAssignedData,
  [EventTypes.WorkOrderQueuedForDispatch]: WorkOrderQueuedForDispatchData,
  [EventTypes.WorkOrderAcknowledged]: WorkOrderAcknowledgedData,
  [EventTypes.WorkStarted]: WorkStartedData,
  [EventTypes.WorkOrderPutOnHold]: WorkOrderPutOnHoldData,
  [EventTypes.WorkOrderResumed]: WorkOrderResumedData,
  [EventTypes.WorkOrderResolved]: WorkOrderResolvedData,
  [EventTypes.TechnicianReassigned]: TechnicianReassignedData,
  [EventTypes.OwnershipHandedOver]: OwnershipHandedOverData,
  [EventTypes.WorkOrderCancelled]: WorkOrderCancelledData,
  [EventTypes.ResolutionRejected]: ResolutionRejectedData,
  [EventTypes.WorkOrderReopened]: WorkOrderReopenedData,
  [EventTypes.WorkOrderClosed]: WorkOrderClosedData,
  [EventTypes.FollowUpContactRecorded]: FollowUpContactRecordedData,
  [EventTypes.CallbackRequested]: CallbackRequestedData,
  [EventTypes.DuplicateReportLinked]: DuplicateReportLinkedData,
  [EventTypes.SlaTargetsSet]: SlaTargetsSetData,
  [EventTypes.SlaWarningRaised]: SlaWarningRaisedData,
  [EventTypes.SlaBreached]: SlaBreachedData,
  [EventTypes.SlaEscalated]: SlaEscalatedData,
  [EventTypes.SlaTargetMet]: SlaTargetMetData,
  [EventTypes.SlaClockPaused]: SlaClockPausedData,
  [EventTypes.SlaClockResumed]: SlaClockResumedData,
  [EventTypes.SlaClockRestarted]: SlaClockRestartedData,
  [EventTypes.SlaClockStopped]: SlaClockStoppedData,
  [EventTypes.SlaDeadlinesRecomputed]: SlaDeadlinesRecomputedData,
  [EventTypes.SlaEscalationAcknowledged]: SlaEscalationAcknowledgedData,
  [EventTypes.AlertRaised]: AlertRaisedData,
  [EventTypes.AlertDeliveryAttempted]: AlertDeliveryAttemptedData,
  [EventTypes.AlertDeadLettered]: AlertDeadLetteredData,
  [EventTypes.AlertAcknowledged]: AlertAcknowledgedData,
  [EventTypes.AlertClosed]: AlertClosedData,
  [EventTypes.AlertChainExhausted]: AlertChainExhaustedData,
} as const;

export type EventType = keyof typeof eventDataSchemas;

interface Event<Type extends EventType> {
  readonly type: Type;
  readonly data: z.infer<(typeof eventDataSchemas)[Type]>;
}

export type WorkOrderReported = Event<typeof EventTypes.WorkOrderReported>;
export type WorkOrderTriaged = Event<typeof EventTypes.WorkOrderTriaged>;
export type WorkOrderAssigned = Event<typeof EventTypes.WorkOrderAssigned>;
export type WorkOrderQueuedForDispatch = Event<typeof EventTypes.WorkOrderQueuedForDispatch>;
export type WorkOrderAcknowledged = Event<typeof EventTypes.WorkOrderAcknowledged>;
export type WorkStarted = Event<typeof EventTypes.WorkStarted>;
export type WorkOrderPutOnHold = Event<typeof EventTypes.WorkOrderPutOnHold>;
export type WorkOrderResumed = Event<typeof EventTypes.WorkOrderResumed>;
export type WorkOrderResolved = Event<typeof EventTypes.WorkOrderResolved>;
export type TechnicianReassigned = Event<typeof EventTypes.TechnicianReassigned>;
export type OwnershipHandedOver = Event<typeof EventTypes.OwnershipHandedOver>;
export type WorkOrderCancelled = Event<typeof EventTypes.WorkOrderCancelled>;
export type ResolutionRejected = Event<typeof EventTypes.ResolutionRejected>;
export type WorkOrderReopened = Event<typeof EventTypes.WorkOrderReopened>;
export type WorkOrderClosed = Event<typeof EventTypes.WorkOrderClosed>;
export type FollowUpContactRecorded = Event<typeof EventTypes.FollowUpContactRecorded>;
export type CallbackRequested = Event<typeof EventTypes.CallbackRequested>;
export type DuplicateReportLinked = Event<typeof EventTypes.DuplicateReportLinked>;
export type SlaTargetsSet = Event<typeof EventTypes.SlaTargetsSet>;
export type SlaWarningRaised = Event<typeof EventTypes.SlaWarningRaised>;
export type SlaBreached = Event<typeof EventTypes.SlaBreached>;
export type SlaEscalated = Event<typeof EventTypes.SlaEscalated>;
export type SlaTargetMet = Event<typeof EventTypes.SlaTargetMet>;
export type SlaClockPaused = Event<typeof EventTypes.SlaClockPaused>;
export type SlaClockResumed = Event<typeof EventTypes.SlaClockResumed>;
export type SlaClockRestarted = Event<typeof EventTypes.SlaClockRestarted>;
export type SlaClockStopped = Event<typeof EventTypes.SlaClockStopped>;
export type SlaDeadlinesRecomputed = Event<typeof EventTypes.SlaDeadlinesRecomputed>;
export type SlaEscalationAcknowledged = Event<typeof EventTypes.SlaEscalationAcknowledged>;
export type AlertRaised = Event<typeof EventTypes.AlertRaised>;
export type AlertDeliveryAttempted = Event<typeof EventTypes.AlertDeliveryAttempted>;
export type AlertDeadLettered = Event<typeof EventTypes.AlertDeadLettered>;
export type AlertAcknowledged = Event<typeof EventTypes.AlertAcknowledged>;
export type AlertClosed = Event<typeof EventTypes.AlertClosed>;
export type AlertChainExhausted = Event<typeof EventTypes.AlertChainExhausted>;
export type SlaTarget = z.infer<typeof SlaTargetSchema>;

export type WorkOrderEvent =
  | WorkOrderReported
  | WorkOrderTriaged
  | WorkOrderAssigned
  | WorkOrderQueuedForDispatch
  | WorkOrderAcknowledged
  | WorkStarted
  | WorkOrderPutOnHold
  | WorkOrderResumed
  | WorkOrderResolved
  | TechnicianReassigned
  | OwnershipHandedOver
  | WorkOrderCancelled
  | ResolutionRejected
  | WorkOrderReopened
  | WorkOrderClosed
  | FollowUpContactRecorded
  | CallbackRequested
  | DuplicateReportLinked;
export type SlaEvent =
  | SlaTargetsSet
  | SlaWarningRaised
  | SlaBreached
  | SlaEscalated
  | SlaTargetMet
  | SlaClockPaused
  | SlaClockResumed
  | SlaClockRestarted
  | SlaClockStopped
  | SlaDeadlinesRecomputed
  | SlaEscalationAcknowledged;
export type AlertEvent = AlertRaised | AlertDeliveryAttempted | AlertDeadLettered | AlertAcknowledged | AlertClosed | AlertChainExhausted;
export type DomainEvent = WorkOrderEvent | SlaEvent | AlertEvent;

export const isEventType = (type: string): type is EventType => Object.prototype.hasOwnProperty.call(eventDataSchemas, type);

/** Validates an event read from the wire; unknown types and bad shapes yield a readable reason. */
export const parseDomainEvent = (
  type: string,
  data: unknown,
): { ok: true; event: DomainEvent } | { ok: false; reason: string } => {
  if (!isEventType(type)) return { ok: false, reason: `unknown event type ${type}` };
  const parsed = eventDataSchemas[type].safeParse(data);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, event: { type, data: parsed.data } as DomainEvent };
};

/** Who caused an event: an integrator's system, a staff member, the resident, or Closeloop itself. */
export const ActorSchema = z.object({ kind: z.enum(['integrator', 'staff', 'resident', 'system']), id: z.string().min(1) }).strict();
export type Actor = z.infer<typeof ActorSchema>;

/** Carried by every stored event; the relay turns it into CloudEvents extension attributes. */
export const EventMetadataSchema = z
  .object({
    workOrderId: z.string().uuid(),
    correlationId: z.string().min(1),
    causationId: z.string().min(1),
    actor: ActorSchema,
    /** The service that decided the event, e.g. "intake". */
    producer: z.string().min(1),
  })
  .passthrough();
export type EventMetadata = z.infer<typeof EventMetadataSchema>;
