import { z } from 'zod';
import { ChannelSchema, TierSchema } from '../report';
import { isoInstant, loopRound, note, siteId, StaffMemberSchema, workOrderId } from './fields';
import { PriorityNeedSchema } from './priority-resident.events';
import { defineEvent, EventNamed, EventUnionOf, eventRegistry } from './registry';
import { residentNoteEvents } from './resident-note.events';

// ── Work orders (the `workorder-<id>` stream): the lifecycle from report to close ──────────────────────────

export const WorkOrderReportedData = z
  .object({
    workOrderId,
    /** Unified number (统一编号), unique per site, read out to the resident on the phone. */
    number: z.string().min(1),
    siteId,
    building: z.string().optional(),
    unit: z.string().optional(),
    channel: ChannelSchema,
    reporter: z
      .object({
        name: z.string().optional(),
        phone: z.string().optional(),
        /** The reporter's openid on the site's WeChat account, when the report came from it; absent on older events. */
        wechatOpenId: z.string().optional(),
      })
      .strict(),
    category: z.string().optional(),
    description: z.string(),
    reportedAt: isoInstant,
  })
  .strict();

/** Why an order was triaged a tier up: its reporter is in the priority registry (ADR 28). */
export const PriorityLaneSchema = z
  .object({
    registrationId: z.string().uuid(),
    need: PriorityNeedSchema,
    raisedFrom: TierSchema,
    /** How the report matched the registration. */
    matchedBy: z.enum(['phone', 'unit']),
  })
  .strict();
export type PriorityLane = z.infer<typeof PriorityLaneSchema>;

export const WorkOrderTriagedData = z
  .object({
    workOrderId,
    tier: TierSchema,
    category: z.string(),
    /** The triage rule that decided, so a supervisor can see why an order got its tier. */
    ruleId: z.string(),
    reason: z.string(),
    /**
     * Set when the priority lane raised the tier (ADR 28): the registration the reporter matched, why they are in
     * the registry, and the tier the rules gave before the raise. Absent on older events and unraised orders.
     */
    priorityLane: PriorityLaneSchema.optional(),
    triagedAt: isoInstant,
  })
  .strict();

export const WorkOrderAssignedData = z
  .object({
    workOrderId,
    /** The accountable owner under first-response responsibility (首问负责制). */
    owner: StaffMemberSchema,
    teamId: z.string(),
    ruleId: z.string(),
    reason: z.string(),
    assignedAt: isoInstant,
  })
  .strict();

export const WorkOrderQueuedForDispatchData = z
  .object({
    workOrderId,
    /** The site's dispatcher queue: where an order waits when no roster entry matches, in plain sight. */
    queueId: z.string(),
    reason: z.string(),
    queuedAt: isoInstant,
  })
  .strict();

export const WorkOrderAcknowledgedData = z
  .object({
    workOrderId,
    by: StaffMemberSchema,
    /** True when the order had no owner yet: whoever accepts it first answers for it (首问负责制). */
    becameOwner: z.boolean(),
    acknowledgedAt: isoInstant,
  })
  .strict();

export const WorkStartedData = z.object({ workOrderId, by: StaffMemberSchema, startedAt: isoInstant }).strict();

/** Why work is paused; waiting on the resident also pauses the resolution clock. */
export const HoldReasonSchema = z.enum(['waiting-on-resident', 'waiting-on-parts', 'waiting-on-access', 'other']);

export const WorkOrderPutOnHoldData = z
  .object({
    workOrderId,
    by: StaffMemberSchema,
    reason: HoldReasonSchema,
    note: note(1000).optional(),
    heldAt: isoInstant,
  })
  .strict();

export const WorkOrderResumedData = z
  .object({ workOrderId, by: StaffMemberSchema, heldSeconds: z.number().int().nonnegative(), resumedAt: isoInstant })
  .strict();

export const WorkOrderResolvedData = z
  .object({
    workOrderId,
    by: StaffMemberSchema,
    notes: note(4000),
    /** References to photos kept elsewhere (object storage keys or URLs), not the photos themselves. */
    photoRefs: z.array(z.string().min(1).max(512)).max(20),
    resolvedAt: isoInstant,
  })
  .strict();

export const TechnicianReassignedData = z
  .object({
    workOrderId,
    from: StaffMemberSchema.optional(),
    to: StaffMemberSchema,
    reason: note(1000),
    by: StaffMemberSchema,
    reassignedAt: isoInstant,
  })
  .strict();

export const OwnershipHandedOverData = z
  .object({
    workOrderId,
    from: StaffMemberSchema,
    to: StaffMemberSchema,
    reason: note(1000),
    by: StaffMemberSchema,
    handedOverAt: isoInstant,
  })
  .strict();

export const CancelReasonSchema = z.enum(['duplicate', 'invalid', 'withdrawn-by-resident', 'other']);

export const WorkOrderCancelledData = z
  .object({
    workOrderId,
    reason: CancelReasonSchema,
    note: note(1000).optional(),
    by: StaffMemberSchema,
    cancelledAt: isoInstant,
  })
  .strict();

export const ResolutionRejectedData = z
  .object({ workOrderId, comment: note(2000).optional(), rejectedAt: isoInstant })
  .strict();

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
    /** The loop round the callback belongs to. */
    round: loopRound,
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

export const workOrderEvents = eventRegistry({
  WorkOrderReported: defineEvent('closeloop.workorder.reported.v1', WorkOrderReportedData),
  WorkOrderTriaged: defineEvent('closeloop.workorder.triaged.v1', WorkOrderTriagedData),
  WorkOrderAssigned: defineEvent('closeloop.workorder.assigned.v1', WorkOrderAssignedData),
  WorkOrderQueuedForDispatch: defineEvent('closeloop.workorder.queued-for-dispatch.v1', WorkOrderQueuedForDispatchData),
  WorkOrderAcknowledged: defineEvent('closeloop.workorder.acknowledged.v1', WorkOrderAcknowledgedData),
  WorkStarted: defineEvent('closeloop.workorder.work-started.v1', WorkStartedData),
  WorkOrderPutOnHold: defineEvent('closeloop.workorder.put-on-hold.v1', WorkOrderPutOnHoldData),
  WorkOrderResumed: defineEvent('closeloop.workorder.resumed.v1', WorkOrderResumedData),
  WorkOrderResolved: defineEvent('closeloop.workorder.resolved.v1', WorkOrderResolvedData),
  TechnicianReassigned: defineEvent('closeloop.workorder.technician-reassigned.v1', TechnicianReassignedData),
  OwnershipHandedOver: defineEvent('closeloop.workorder.ownership-handed-over.v1', OwnershipHandedOverData),
  WorkOrderCancelled: defineEvent('closeloop.workorder.cancelled.v1', WorkOrderCancelledData),
  ResolutionRejected: defineEvent('closeloop.workorder.resolution-rejected.v1', ResolutionRejectedData),
  WorkOrderReopened: defineEvent('closeloop.workorder.reopened.v1', WorkOrderReopenedData),
  WorkOrderClosed: defineEvent('closeloop.workorder.closed.v1', WorkOrderClosedData),
  FollowUpContactRecorded: defineEvent(
    'closeloop.workorder.follow-up-contact-recorded.v1',
    FollowUpContactRecordedData,
  ),
  CallbackRequested: defineEvent('closeloop.workorder.callback-requested.v1', CallbackRequestedData),
  DuplicateReportLinked: defineEvent('closeloop.workorder.duplicate-report-linked.v1', DuplicateReportLinkedData),
  // The resident's notes from their status link: on the order's stream, defined beside the status link's contracts.
  ...residentNoteEvents.definitions,
});

/** Dispatch assigns an owner on this one event, and names its type. */
export type WorkOrderTriaged = EventNamed<typeof workOrderEvents, 'WorkOrderTriaged'>;
export type WorkOrderEvent = EventUnionOf<typeof workOrderEvents>;
