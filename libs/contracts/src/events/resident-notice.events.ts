import { z } from 'zod';
import { gaveUpDelivery, isoInstant, workOrderId } from './fields';
import { defineEvent, EventUnionOf, eventRegistry } from './registry';

// ── Resident notices (the `resident-notice-<workOrderId>` stream, notification service) ──────────────────────
// The resident who reported an order hears of its steps (received, assigned, started, on hold, resolved, closed) by
// SMS, by a WeChat subscribe message, or from the integrator that submitted the report. What was sent, deferred,
// left to someone else or not sent, and why, is an event on a stream of notification's own (ADR 19 and 27): the
// order's stream belongs to intake and dispatch. Every event names the order, so the relay keys it by the order and
// the query service puts it on the order's timeline.

/** The steps of an order a resident is told about. */
export const ResidentStepSchema = z.enum(['received', 'assigned', 'started', 'on-hold', 'resolved', 'closed']);
export type ResidentStep = z.infer<typeof ResidentStepSchema>;

/** How a site tells its residents, per report channel: ourselves by SMS or WeChat, the integrator, or not at all. */
export const ResidentNoticeChannelSchema = z.enum(['sms', 'wechat', 'integrator', 'none']);
export type ResidentNoticeChannel = z.infer<typeof ResidentNoticeChannelSchema>;

/** The channels notification sends on itself. */
export const ResidentSendChannelSchema = z.enum(['sms', 'wechat']);
export type ResidentSendChannel = z.infer<typeof ResidentSendChannelSchema>;

/** Why a step was not sent by this service. */
export const ResidentNoticeSkipReasonSchema = z.enum([
  /** The resident asked not to be told (an opt-out by their phone's digest). */
  'opted-out',
  /** Nothing to reach them by: no phone (or not a mobile number) for SMS, no WeChat openid for WeChat. */
  'no-contact',
  /** The site's rule for this report channel is that the integrator that submitted the report tells the resident. */
  'left-to-integrator',
  /** The site's rule for this report channel is to tell the resident nothing. */
  'channel-none',
  /** Deferred to the end of quiet hours, and a later step came first: the resident gets that one instead. */
  'superseded',
  /** The channel is not configured on this deployment (no SMS provider or WeChat app). */
  'channel-unavailable',
  /** The step reached notification long after it happened (a topic replayed, a long outage): old news is not sent. */
  'stale',
]);

/** One notice is one step of one order; its id is derived from the event that made the step. */
const ofTheNotice = { workOrderId, noticeId: z.string().uuid(), step: ResidentStepSchema };

export const ResidentNotificationSentData = z
  .object({
    ...ofTheNotice,
    channel: ResidentSendChannelSchema,
    /** Where it went, masked: a phone's last four digits, a WeChat openid's last four characters. */
    destination: z.string().max(200),
    attempts: z.number().int().positive(),
    latencyMs: z.number().int().nonnegative(),
    sentAt: isoInstant,
  })
  .strict();

/** The channel refused for good, or its retries ran out: the resident was not reached for this step. */
export const ResidentNotificationFailedData = z
  .object({
    ...ofTheNotice,
    channel: ResidentSendChannelSchema,
    ...gaveUpDelivery,
    failedAt: isoInstant,
  })
  .strict();

/** An SMS in the site's quiet hours for an order that is not urgent waits until they end. */
export const ResidentNotificationDeferredData = z
  .object({
    ...ofTheNotice,
    channel: ResidentSendChannelSchema,
    reason: z.literal('quiet-hours'),
    /** The end of the quiet hours, in the site's zone: when it is sent unless a later step supersedes it. */
    until: isoInstant,
    deferredAt: isoInstant,
  })
  .strict();

export const ResidentNotificationSkippedData = z
  .object({
    ...ofTheNotice,
    channel: ResidentNoticeChannelSchema,
    reason: ResidentNoticeSkipReasonSchema,
    /** The step that superseded a deferred one. */
    supersededBy: ResidentStepSchema.optional(),
    skippedAt: isoInstant,
  })
  .strict();

export const residentNoticeEvents = eventRegistry({
  ResidentNotificationSent: defineEvent('closeloop.resident-notice.sent.v1', ResidentNotificationSentData),
  ResidentNotificationFailed: defineEvent('closeloop.resident-notice.failed.v1', ResidentNotificationFailedData),
  ResidentNotificationDeferred: defineEvent('closeloop.resident-notice.deferred.v1', ResidentNotificationDeferredData),
  ResidentNotificationSkipped: defineEvent('closeloop.resident-notice.skipped.v1', ResidentNotificationSkippedData),
});

export type ResidentNoticeEvent = EventUnionOf<typeof residentNoticeEvents>;
