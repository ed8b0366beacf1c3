import { z } from 'zod';

// ── Retry policy ──────────────────────────────────────────────────────────────────────────────────────────
// A failed send (a webhook 503, an SMTP timeout) is retried with exponential backoff and jitter, a bounded number
// of times; then the recipient's channel is dead-lettered and the alert escalates in its own right. The random
// source is passed in so the arithmetic is testable and the domain stays free of Math.random.

export interface RetryPolicy {
  /** Attempts in all, the first included, before the channel is dead-lettered. */
  readonly maxAttempts: number;
  /** The first retry's exponential step. */
  readonly baseDelayMs: number;
  /** No step grows beyond this. */
  readonly maxDelayMs: number;
}

/**
 * Six attempts, with waits of at most 2, 4, 8, 16 and 32 s between them: about a minute before the channel is given
 * up and the alert escalates, because a page that matters matters now. The 5 min cap only bites longer policies.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2000, maxDelayMs: 300_000 };

export const RetryPolicySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100),
    baseDelayMs: z.number().int().positive(),
    maxDelayMs: z.number().int().positive(),
  })
  .strict()
  .refine((p) => p.baseDelayMs <= p.maxDelayMs, 'baseDelayMs must not exceed maxDelayMs');

/** The exponential step after `attemptsSoFar` attempts: base, 2·base, 4·base, … capped at maxDelayMs. */
const stepAfter = (policy: RetryPolicy, attemptsSoFar: number): number => {
  const n = Math.max(1, Math.floor(attemptsSoFar));
  // 2^(n-1) overflows to Infinity only past n ≈ 1024, and min() caps Infinity too; the exponent is capped anyway.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(n - 1, 60));
};

/**
 * How long to wait before the next attempt, after `attemptsSoFar` attempts (1 after the first failure). Full
 * jitter (AWS: random × the exponential step) spreads a burst of failures — a webhook that was down for every
 * alert at once — so the retries do not arrive together. Pure full jitter can also draw a delay near zero, which
 * fires the retry straight back at a server that just failed and bunches those short draws together again; so
 * the delay never falls below a quarter of the step. The random draw is scaled into [¼, 1) of the step rather
 * than clamped at ¼: a clamp would put every draw under ¼ (a quarter of them) on one instant, a stampede of its own.
 * `random` returns [0, 1), like Math.random; values outside are clamped.
 */
export const nextRetryDelayMs = (policy: RetryPolicy, attemptsSoFar: number, random: () => number): number => {
  const step = stepAfter(policy, attemptsSoFar);
  const r = Math.min(Math.max(random(), 0), 1);
  const floor = Math.ceil(step / 4);
  return Math.min(step, Math.max(floor, Math.floor(floor + r * (step - floor))));
};

/** Whether retries ran out: `attemptsSoFar` attempts were made and the policy allows no more. */
export const shouldDeadLetter = (policy: RetryPolicy, attemptsSoFar: number): boolean =>
  attemptsSoFar >= policy.maxAttempts;

// ── After a failed attempt ──────────────────────────────────────────────────────────────────────────────
// One rule for every sender that retries (alert deliveries, integrators' webhook deliveries): a failure that will
// not change on retry, or the last allowed attempt, is dead; anything else waits for the backoff, or for as long as
// the receiver asked (429/503 Retry-After) when that is longer, never beyond the policy's longest step.

export interface AttemptFailure {
  readonly retryable: boolean;
  /** How long the receiver asked us to wait (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
}

export type NextAttempt = { readonly next: 'retry'; readonly delayMs: number } | { readonly next: 'dead' };

export const afterFailedAttempt = (
  policy: RetryPolicy,
  attemptsSoFar: number,
  failure: AttemptFailure,
  random: () => number,
): NextAttempt => {
  if (!failure.retryable || shouldDeadLetter(policy, attemptsSoFar)) return { next: 'dead' };
  const backoff = nextRetryDelayMs(policy, attemptsSoFar, random);
  const asked = failure.retryAfterMs === undefined ? 0 : Math.min(Math.max(0, failure.retryAfterMs), policy.maxDelayMs);
  return { next: 'retry', delayMs: Math.max(backoff, asked) };
};

/**
 * A Retry-After header (RFC 9110 §10.2.3) in milliseconds from `now`: delay-seconds or an HTTP-date; undefined when
 * absent or unreadable, and a date in the past is no wait.
 */
export const retryAfterMillis = (header: string | undefined, now: Date): number | undefined => {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[A-Za-z]/.test(text)) return undefined;
  return Math.max(0, at - now.getTime());
};
