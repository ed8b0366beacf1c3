import { baseServiceConfig, maxNotBelowBase, residentSecretSetting } from '@closeloop/config';
import type { RetryPolicy } from '@closeloop/notification-domain';
import { z } from 'zod';
import { ChannelConfigSchema, refineChannelEnvironment } from './channels/channel-registry';
import {
  ResidentNoticeSettingsSchema,
  refineResidentNoticeSettings,
} from './resident-notices/resident-notice.settings';

export const notificationConfigSchema = baseServiceConfig
  .merge(ChannelConfigSchema)
  .merge(ResidentNoticeSettingsSchema)
  .extend({
    /** Keys residents' status links and phone digests; the same value as intake's and query's. */
    RESIDENT_SECRET: residentSecretSetting,
    /** Where people open an order's timeline, for the link in every alert (the query service's public address). */
    PUBLIC_QUERY_URL: z.string().url().default('http://127.0.0.1:3005'),
    /** This service's public address, for the ack link in every alert. */
    PUBLIC_NOTIFICATION_URL: z.string().url().default('http://127.0.0.1:3004'),
    /** Signs the one-time ack links in alert messages. At least 32 characters; rotate by restarting with a new one. */
    ALERT_LINK_SECRET: z.string().min(32, 'ALERT_LINK_SECRET must be at least 32 characters'),
    ALERT_LINK_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    /** How often due deliveries are looked for. */
    ALERT_POLL_MILLIS: z.coerce.number().int().min(20).max(60_000).default(500),
    ALERT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
    ALERT_RETRY_BASE_MILLIS: z.coerce.number().int().min(10).default(2_000),
    ALERT_RETRY_MAX_MILLIS: z.coerce.number().int().min(10).default(300_000),
    /** An unacknowledged alert pages its recipients again after this long; 0 turns re-notification off. */
    ALERT_RENOTIFY_SECONDS: z.coerce.number().int().min(0).default(600),
    /** How many times an unacknowledged alert is re-sent, after the first delivery. */
    ALERT_RENOTIFY_ROUNDS: z.coerce.number().int().min(0).max(10).default(2),
    /**
     * A delivery that cannot be processed (not a channel's failure: the alert cannot be loaded or its attempt not
     * recorded) is tried this many times, with a backoff doubling from the base up to the max, then marked failed.
     */
    ALERT_PROCESSING_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    ALERT_PROCESSING_RETRY_BASE_MILLIS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    ALERT_PROCESSING_RETRY_MAX_MILLIS: z.coerce.number().int().min(10).max(86_400_000).default(300_000),
    /**
     * Storm shaping (ADR 12): once a site has raised this many alerts within ALERT_STORM_WINDOW_SECONDS, each further
     * alert's pages are held, and every recipient gets one digest per channel when the window closes. 0 turns it off.
     */
    ALERT_STORM_THRESHOLD: z.coerce.number().int().min(0).max(1_000).default(10),
    ALERT_STORM_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3_600).default(300),
    /**
     * Integrators' webhook deliveries (docs/adr/0030): attempts in all before a delivery is dead, with waits doubling
     * from the base up to the max (about 40 minutes of retries with the defaults), or the receiver's Retry-After.
     */
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(10),
    WEBHOOK_RETRY_BASE_MILLIS: z.coerce.number().int().min(10).max(3_600_000).default(5_000),
    WEBHOOK_RETRY_MAX_MILLIS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
    /** How often due webhook deliveries are looked for. */
    WEBHOOK_POLL_MILLIS: z.coerce.number().int().min(20).max(60_000).default(500),
  })
  .superRefine(maxNotBelowBase('ALERT_PROCESSING_RETRY_BASE_MILLIS', 'ALERT_PROCESSING_RETRY_MAX_MILLIS'))
  .superRefine(maxNotBelowBase('WEBHOOK_RETRY_BASE_MILLIS', 'WEBHOOK_RETRY_MAX_MILLIS'))
  // A half-configured provider (SMTP_HOST without SMTP_FROM, say) stops the service with the other config errors.
  .superRefine(refineChannelEnvironment)
  .superRefine(refineResidentNoticeSettings);
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

/**
 * A backoff as its three settings name it: `<P>_MAX_ATTEMPTS` attempts in all, waits doubling from
 * `<P>_RETRY_BASE_MILLIS` up to `<P>_RETRY_MAX_MILLIS`.
 */
const retryPolicyOf = (config: NotificationConfig, prefix: 'ALERT' | 'ALERT_PROCESSING' | 'WEBHOOK'): RetryPolicy => ({
  maxAttempts: config[`${prefix}_MAX_ATTEMPTS` as const],
  baseDelayMs: config[`${prefix}_RETRY_BASE_MILLIS` as const],
  maxDelayMs: config[`${prefix}_RETRY_MAX_MILLIS` as const],
});

/** How often, and how far apart, a delivery or a digest is sent again after its channel failed. */
export const sendRetryPolicy = (config: NotificationConfig): RetryPolicy => retryPolicyOf(config, 'ALERT');

/** How often, and how far apart, a delivery that could not be processed (not a channel's failure) is tried again. */
export const processingRetryPolicy = (config: NotificationConfig): RetryPolicy =>
  retryPolicyOf(config, 'ALERT_PROCESSING');

/** How often, and how far apart, an integrator's webhook delivery is tried before it is dead. */
export const webhookRetryPolicy = (config: NotificationConfig): RetryPolicy => retryPolicyOf(config, 'WEBHOOK');

export const NOTIFICATION_CONFIG = Symbol('NotificationConfig');
export const CHANNEL_SENDERS = Symbol('ChannelSenders');
/** The outbound address rule (OutboundAddressPolicy), for checking destinations when contacts are saved. */
export const OUTBOUND_ADDRESSES = Symbol('OutboundAddresses');
