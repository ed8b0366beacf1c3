import { z } from 'zod';
import {
  alertId,
  escalationLevel,
  gaveUpDelivery,
  isoInstant,
  loopRound,
  siteId,
  StaffMemberSchema,
  staffId,
  workOrderId,
} from './fields';
import { defineEvent, EventUnionOf, eventRegistry } from './registry';
import { SlaTargetSchema } from './sla.events';

// ── Alerts (the `alert-<id>` stream, notification service) ──────────────────────────────────────────────
// Each escalation, SLA warning and new urgent order becomes an alert, a stream of its own (`alert-<id>`), addressed
// to whoever is on call for the site and level (or the owner, for a warning). Every delivery attempt is an event,
// so the order's timeline shows who was paged, on which channel, and what came of it.

export const AlertKindSchema = z.enum(['escalation', 'warning', 'urgent-order']);
export const AlertChannelSchema = z.enum(['webhook', 'email', 'wecom', 'dingtalk', 'feishu', 'slack', 'sms']);
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

/** The channels one person is paged on, each at most once. */
const alertChannels = z.array(AlertChannelSchema).max(7);

/** Every alert event names its alert and the order the alert is about. */
const ofTheAlert = { alertId, workOrderId };
/** A delivery goes to one recipient on one channel; its attempts and its dead letter name both. */
const oneDelivery = { ...ofTheAlert, staffId, channel: AlertChannelSchema };

export const AlertRecipientSchema = z
  .object({
    staffId,
    /** Why this person: on call for the site and level, the order's owner, or the site's dispatcher queue. */
    role: z.enum(['on-call', 'owner', 'dispatcher']),
    channels: alertChannels,
  })
  .strict();

export const AlertRaisedData = z
  .object({
    ...ofTheAlert,
    kind: AlertKindSchema,
    siteId,
    target: SlaTargetSchema.optional(),
    level: escalationLevel.optional(),
    /** The target's deadline, for "overdue by" in the message. */
    dueAt: isoInstant.optional(),
    recipients: z.array(AlertRecipientSchema).max(20),
    /** The event that caused the alert (an escalation, a warning, a triage, a dead letter one level down). */
    causeEventId: z.string().min(1),
    /**
     * The SLA round the alert belongs to: 0 until the order is first reopened, then the resolution clock's restart
     * round. With the order, target and level it is the alert's identity. Absent on older events (round 0).
     */
    round: loopRound.optional(),
    raisedAt: isoInstant,
  })
  .strict();

export const AlertDeliveryAttemptedData = z
  .object({
    ...oneDelivery,
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
  .object({
    ...oneDelivery,
    ...gaveUpDelivery,
    deadLetteredAt: isoInstant,
  })
  .strict();

/** Carries the alert's kind and target, so the sla-timer can stop that target's chain without reading the alert. */
export const AlertAcknowledgedData = z
  .object({
    ...ofTheAlert,
    kind: AlertKindSchema,
    target: SlaTargetSchema.optional(),
    acknowledgedBy: StaffMemberSchema,
    via: z.enum(['api', 'link']),
    acknowledgedAt: isoInstant,
  })
  .strict();

/** Nothing left to page about: the order was resolved, closed or cancelled, or the target was met. */
export const AlertClosedData = z
  .object({
    ...ofTheAlert,
    reason: z.enum(['order-resolved', 'order-closed', 'order-cancelled', 'target-met']),
    closedAt: isoInstant,
  })
  .strict();

/**
 * The top of a chain could not be reached: every delivery of a level-3 alert ran out of retries. Recorded once on
 * that alert, so the order's timeline says nobody on call could be paged; the site's fallback contact is paged once
 * on each of their channels, and nothing escalates further.
 */
export const AlertChainExhaustedData = z
  .object({
    ...ofTheAlert,
    siteId,
    target: SlaTargetSchema.optional(),
    level: escalationLevel,
    round: loopRound,
    /** The `staffId:channel` deliveries that ran out, all of the alert's. */
    deadLettered: z.array(z.string().min(1).max(100)).max(140),
    /** Who is paged instead, once per channel: the site's fallback contact, else its level-1 supervisor on call, else its dispatcher queue. */
    fallback: z
      .object({
        staffId,
        source: z.enum(['site-fallback', 'on-call-level-1', 'dispatcher']),
        channels: alertChannels,
      })
      .strict(),
    exhaustedAt: isoInstant,
  })
  .strict();

export const alertEvents = eventRegistry({
  AlertRaised: defineEvent('closeloop.alert.raised.v1', AlertRaisedData),
  AlertDeliveryAttempted: defineEvent('closeloop.alert.delivery-attempted.v1', AlertDeliveryAttemptedData),
  AlertDeadLettered: defineEvent('closeloop.alert.dead-lettered.v1', AlertDeadLetteredData),
  AlertAcknowledged: defineEvent('closeloop.alert.acknowledged.v1', AlertAcknowledgedData),
  AlertClosed: defineEvent('closeloop.alert.closed.v1', AlertClosedData),
  AlertChainExhausted: defineEvent('closeloop.alert.chain-exhausted.v1', AlertChainExhaustedData),
});

export type AlertEvent = EventUnionOf<typeof alertEvents>;
