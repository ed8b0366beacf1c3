import { baseServiceConfig, residentSecretSetting } from '@closeloop/config';
import { DEFAULT_SITE_TIME_ZONE, TimeZoneSchema } from '@closeloop/contracts';
import type { LoadSheddingOptions } from '@closeloop/runtime';
import { z } from 'zod';

export const intakeConfigSchema = baseServiceConfig.extend({
  /** A second report of the same problem within this window joins the open order (default 1 day). */
  DUPLICATE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(24 * 3600),
  /** How alike two descriptions must be, 0 to 1, to count as the same problem; 1 in effect turns linking off. */
  DUPLICATE_MIN_SIMILARITY: z.coerce.number().min(0).max(1).default(0.35),
  TRIAGE_RULES_FILE: z.string().min(1).default('config/triage-rules.json'),
  /** The answers the knowledge base is seeded with (answers it never held; docs/operations.md). */
  KNOWLEDGE_BASE_FILE: z.string().min(1).default('config/knowledge-base.json'),
  /**
   * How much of a resident's question an answer must cover, 0 to 1, to be given without a person (ADR 0029);
   * 1 answers only questions every word of which an answer knows; above 1 turns self-service answers off.
   */
  INQUIRY_MIN_CONFIDENCE: z.coerce.number().min(0).max(2).default(0.6),
  /** The categories where the priority lane raises a registered resident's report one tier (ADR 28). */
  PRIORITY_LANE_FILE: z.string().min(1).default('config/priority-lane.json'),
  /** How often registrations whose review date has come are looked for and lapsed. */
  PRIORITY_EXPIRY_POLL_MILLIS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
  /** Numbering days follow the site's clock; one zone serves every site until sites carry their own. */
  SITE_TIME_ZONE: TimeZoneSchema.default(DEFAULT_SITE_TIME_ZONE),
  /**
   * Load shedding (docs/adr/0015-load-shedding.md): past these bounds a request is refused with 503 OVERLOADED (or
   * 429 CALLER_OVER_SHARE) and Retry-After before any of it runs. `off` only to measure what happens without it.
   */
  LOAD_SHEDDING: z.enum(['on', 'off'], { message: "must be 'on' or 'off'" }).default('on'),
  /** Requests worked on at once: the place locks' connections (8) and the pool's (10) bound what runs in parallel anyway. */
  SHED_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(1_000).default(8),
  SHED_MAX_QUEUED: z.coerce.number().int().min(0).max(10_000).default(32),
  /** The longest a request waits for a slot before it is refused; with the work itself, what bounds an accepted report's latency. */
  SHED_MAX_QUEUE_WAIT_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  SHED_MAX_POOL_WAITERS: z.coerce.number().int().min(0).max(10_000).default(16),
  /**
   * A process short of CPU piles requests up before any are counted: refuse while its event loop runs this late. A
   * second is unambiguous; lower bounds shed on the pauses a shared host gives every process now and then.
   */
  SHED_MAX_EVENT_LOOP_LAG_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  /** While requests wait, one integrator key may hold at most this fraction of the slots and queue when others want some. */
  SHED_CALLER_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
  /** How often the integrators' feed looks for new work-order events while a caught-up request waits (docs/adr/0030). */
  FEED_POLL_MILLIS: z.coerce.number().int().min(50).max(10_000).default(500),
  /** Caught-up feed requests waiting at once in one process; one more is answered at once, empty. */
  FEED_MAX_WAITING: z.coerce.number().int().min(0).max(10_000).default(200),
  /** Keys residents' status links (docs/adr/0026-resident-status-links.md); the same value in intake, query and notification. */
  RESIDENT_SECRET: residentSecretSetting,
  /**
   * The public address of the console's resident page, to which a link's token is appended: the `residentLink` of a
   * report's answer is this followed by the token (local stack: http://127.0.0.1:3006/r/).
   */
  RESIDENT_LINK_BASE_URL: z
    .string({ required_error: 'is required: the public URL of the resident page, e.g. https://desk.example.com/r/' })
    .url('must be an http(s) URL, e.g. https://desk.example.com/r/')
    .regex(/^https?:\/\/[^?#]*\/$/, 'must be an http(s) URL ending in /, with no query or fragment'),
  /** Requests a client address may make to the resident routes (`/v1/resident/…`) per minute. */
  RESIDENT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
});
export type IntakeConfig = z.infer<typeof intakeConfigSchema>;

export const sheddingOf = (config: IntakeConfig): LoadSheddingOptions | undefined =>
  config.LOAD_SHEDDING === 'off'
    ? undefined
    : {
        maxInFlight: config.SHED_MAX_IN_FLIGHT,
        maxQueued: config.SHED_MAX_QUEUED,
        maxQueueWaitMillis: config.SHED_MAX_QUEUE_WAIT_MS,
        maxPoolWaiters: config.SHED_MAX_POOL_WAITERS,
        maxEventLoopLagMillis: config.SHED_MAX_EVENT_LOOP_LAG_MS,
        callerShare: config.SHED_CALLER_SHARE,
      };
export const INTAKE_CONFIG = Symbol('IntakeConfig');
export const TRIAGE_RULES = Symbol('TriageRules');
export const PRIORITY_LANE = Symbol('PriorityLane');
export const WORK_ORDER_COMMANDS = Symbol('WorkOrderCommands');
/** The relay's checkpoint and parked events (libs/messaging RelayStateRepository), for the admin API. */
export const RELAY_STATE = Symbol('RelayState');
/** The keys of residents' status links and caller phone digests (ResidentKeys in libs/auth). */
export const RESIDENT_KEYS = Symbol('ResidentKeys');
