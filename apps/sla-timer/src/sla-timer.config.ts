import { baseServiceConfig, maxNotBelowBase } from '@closeloop/config';
import { z } from 'zod';

export const slaTimerConfigSchema = baseServiceConfig
  .extend({
    SLA_POLICY_FILE: z.string().min(1).default('config/sla-policy.json'),
    /** After a resolution, how long until the resident gets a callback (回访) if they have not confirmed (default 1 day). */
    CALLBACK_AFTER_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(24 * 3600),
    /** After a resolution, how long until an unconfirmed order closes without confirmation (default 3 days). */
    CLOSE_UNCONFIRMED_AFTER_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(3 * 24 * 3600),
    /** How often due timers are looked for. */
    TIMER_POLL_MILLIS: z.coerce.number().int().min(50).max(60_000).default(1_000),
    /**
     * Due timers claimed at once: SLA timers of a batch fire together, a few statements per batch
     * (docs/adr/0037-timer-batches.md, "Later").
     */
    TIMER_BATCH_SIZE: z.coerce.number().int().min(1).max(5_000).default(500),
    /** Batches fired side by side, each claimed apart (SKIP LOCKED): one is decided while another waits on the database. */
    TIMER_PARALLEL_BATCHES: z.coerce.number().int().min(1).max(16).default(2),
    /** Firings of one timer, the first included, before it is marked failed and left for an operator. */
    TIMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    /** The wait after a timer's first failed firing; each next one doubles, up to TIMER_RETRY_MAX_SECONDS. */
    TIMER_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3_600).default(2),
    TIMER_RETRY_MAX_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  })
  .superRefine(maxNotBelowBase('TIMER_RETRY_BASE_SECONDS', 'TIMER_RETRY_MAX_SECONDS'))
  .refine((c) => c.CALLBACK_AFTER_SECONDS < c.CLOSE_UNCONFIRMED_AFTER_SECONDS, {
    message:
      'CALLBACK_AFTER_SECONDS must be shorter than CLOSE_UNCONFIRMED_AFTER_SECONDS: the callback comes before the closing',
    path: ['CALLBACK_AFTER_SECONDS'],
  });
export type SlaTimerConfig = z.infer<typeof slaTimerConfigSchema>;
export const SLA_POLICY = Symbol('SlaPolicy');
export const SLA_TIMER_CONFIG = Symbol('SlaTimerConfig');
