import { z } from 'zod';
import { TierSchema } from '../report';
import { alertId, escalationLevel, isoInstant, StaffMemberSchema, workOrderId } from './fields';
import { defineEvent, EventUnionOf, eventRegistry } from './registry';

// ── SLA clocks (the `sla-<id>` stream, sla-timer service): each order's response and resolution targets ─────

/**
 * Present (true) when working time was counted into a year the holiday data has no official calendar for and the
 * site's calendar lists no dates of its own for: those days were taken as plain Monday-Friday.
 */
const beyondOfficialData = { calendarBeyondOfficialData: z.literal(true).optional() };

export const SlaTargetsSetData = z
  .object({
    workOrderId,
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

/** The events about one target of the order's clock. */
const ofTheTarget = { workOrderId, target: SlaTargetSchema };

export const SlaWarningRaisedData = z
  .object({
    ...ofTheTarget,
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
    ...ofTheTarget,
    dueAt: isoInstant,
    /** When the breach was recorded: after dueAt if every sla-timer instance was down when it fell due. */
    breachedAt: isoInstant,
  })
  .strict();

export const SlaEscalatedData = z
  .object({
    ...ofTheTarget,
    level: escalationLevel,
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
  .object({ ...ofTheTarget, dueAt: isoInstant, metAt: isoInstant, onTime: z.boolean() })
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
export const SlaClockStoppedData = z
  .object({ workOrderId, stoppedAt: isoInstant, reason: z.enum(['cancelled']) })
  .strict();

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
  .object({
    ...ofTheTarget,
    level: escalationLevel,
    alertId,
    acknowledgedBy: StaffMemberSchema,
    acknowledgedAt: isoInstant,
  })
  .strict();

export const slaEvents = eventRegistry({
  SlaTargetsSet: defineEvent('closeloop.sla.targets-set.v1', SlaTargetsSetData),
  SlaWarningRaised: defineEvent('closeloop.sla.warning-raised.v1', SlaWarningRaisedData),
  SlaBreached: defineEvent('closeloop.sla.breached.v1', SlaBreachedData),
  SlaEscalated: defineEvent('closeloop.sla.escalated.v1', SlaEscalatedData),
  SlaTargetMet: defineEvent('closeloop.sla.target-met.v1', SlaTargetMetData),
  SlaClockPaused: defineEvent('closeloop.sla.clock-paused.v1', SlaClockPausedData),
  SlaClockResumed: defineEvent('closeloop.sla.clock-resumed.v1', SlaClockResumedData),
  SlaClockRestarted: defineEvent('closeloop.sla.clock-restarted.v1', SlaClockRestartedData),
  SlaClockStopped: defineEvent('closeloop.sla.clock-stopped.v1', SlaClockStoppedData),
  SlaDeadlinesRecomputed: defineEvent('closeloop.sla.deadlines-recomputed.v1', SlaDeadlinesRecomputedData),
  SlaEscalationAcknowledged: defineEvent('closeloop.sla.escalation-acknowledged.v1', SlaEscalationAcknowledgedData),
});

export type SlaEvent = EventUnionOf<typeof slaEvents>;
export type SlaTarget = z.infer<typeof SlaTargetSchema>;
