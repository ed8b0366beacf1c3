import {
  afterFailedAttempt,
  DEFAULT_RETRY_POLICY,
  nextRetryDelayMs,
  RetryPolicy,
  RetryPolicySchema,
  retryAfterMillis,
  shouldDeadLetter,
} from './delivery-policy';

// The random source is the third argument: a fixed value makes each delay exact, and sweeping it shows the bounds.

const fixed = (value: number) => () => value;
const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 10_000 };

describe('nextRetryDelayMs', () => {
  it('steps double from the base after each attempt, up to the cap', () => {
    // With random → 1 the delay is the whole step.
    expect([1, 2, 3, 4, 5, 6].map((n) => nextRetryDelayMs(policy, n, fixed(1)))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('never waits less than a quarter of the step, even when the draw is 0', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextRetryDelayMs(policy, n, fixed(0)))).toEqual([250, 500, 1000, 2000, 2500]);
  });

  it('spreads draws over [¼, 1) of the step instead of piling the low ones onto the floor', () => {
    expect(nextRetryDelayMs(policy, 3, fixed(0.5))).toBe(2500); // 1000 + 0.5 × 3000
    expect(nextRetryDelayMs(policy, 3, fixed(0.1))).toBe(1300);
    expect(nextRetryDelayMs(policy, 3, fixed(0.2))).toBe(1600);
  });

  it('stays within [¼ step, step] for every draw and attempt count', () => {
    for (let n = 1; n <= 12; n++) {
      const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      for (let i = 0; i <= 100; i++) {
        const delay = nextRetryDelayMs(policy, n, fixed(i / 100));
        expect(delay).toBeGreaterThanOrEqual(step / 4);
        expect(delay).toBeLessThanOrEqual(step);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('treats 0 attempts as 1, clamps draws outside [0, 1), and survives huge attempt counts', () => {
    expect(nextRetryDelayMs(policy, 0, fixed(1))).toBe(1000);
    expect(nextRetryDelayMs(policy, 1, fixed(-3))).toBe(250);
    expect(nextRetryDelayMs(policy, 1, fixed(7))).toBe(1000);
    expect(nextRetryDelayMs(policy, 5000, fixed(1))).toBe(10_000);
  });

  it('with the default policy, the waits stay under 2, 4, 8, 16 and 32 s and the cap is 5 min', () => {
    expect([1, 2, 3, 4, 5].map((n) => nextRetryDelayMs(DEFAULT_RETRY_POLICY, n, fixed(0.999999)))).toEqual([
      1999, 3999, 7999, 15_999, 31_999,
    ]);
    expect(nextRetryDelayMs(DEFAULT_RETRY_POLICY, 20, fixed(1))).toBe(300_000);
  });
});

describe('shouldDeadLetter', () => {
  it('gives up once maxAttempts attempts were made, not before', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 6, baseDelayMs: 2000, maxDelayMs: 300_000 });
    expect([0, 1, 5].map((n) => shouldDeadLetter(DEFAULT_RETRY_POLICY, n))).toEqual([false, false, false]);
    expect([6, 7].map((n) => shouldDeadLetter(DEFAULT_RETRY_POLICY, n))).toEqual([true, true]);
  });
});

describe('RetryPolicySchema', () => {
  it('accepts the default and refuses a base above the cap or a policy with no attempts', () => {
    expect(RetryPolicySchema.parse(DEFAULT_RETRY_POLICY)).toEqual(DEFAULT_RETRY_POLICY);
    expect(RetryPolicySchema.safeParse({ ...DEFAULT_RETRY_POLICY, baseDelayMs: 400_000 }).success).toBe(false);
    expect(RetryPolicySchema.safeParse({ ...DEFAULT_RETRY_POLICY, maxAttempts: 0 }).success).toBe(false);
  });
});

describe('afterFailedAttempt', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 };
  const top = () => 0.999999;

  it('retries a retryable failure with the backoff while attempts remain, then is dead', () => {
    expect(afterFailedAttempt(policy, 1, { retryable: true }, top)).toEqual({ next: 'retry', delayMs: 999 });
    expect(afterFailedAttempt(policy, 3, { retryable: true }, top)).toEqual({ next: 'retry', delayMs: 3999 });
    expect(afterFailedAttempt(policy, 4, { retryable: true }, top)).toEqual({ next: 'dead' });
  });

  it('is dead at once for a failure that will not change on retry (a 4xx, a refused address)', () => {
    expect(afterFailedAttempt(policy, 1, { retryable: false }, top)).toEqual({ next: 'dead' });
  });

  it("waits as long as the receiver's Retry-After asks when that is longer, never beyond the longest step", () => {
    expect(afterFailedAttempt(policy, 1, { retryable: true, retryAfterMs: 30_000 }, top)).toEqual({
      next: 'retry',
      delayMs: 30_000,
    });
    expect(afterFailedAttempt(policy, 1, { retryable: true, retryAfterMs: 10 }, top)).toEqual({
      next: 'retry',
      delayMs: 999,
    });
    expect(afterFailedAttempt(policy, 1, { retryable: true, retryAfterMs: 86_400_000 }, top)).toEqual({
      next: 'retry',
      delayMs: 60_000,
    });
    expect(afterFailedAttempt(policy, 4, { retryable: true, retryAfterMs: 1000 }, top)).toEqual({ next: 'dead' });
  });
});

describe('retryAfterMillis', () => {
  const now = new Date('2026-12-05T10:00:00Z');
  it('reads delay-seconds and HTTP-dates, and nothing else', () => {
    expect(retryAfterMillis('120', now)).toBe(120_000);
    expect(retryAfterMillis(' 0 ', now)).toBe(0);
    expect(retryAfterMillis('Sat, 05 Dec 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMillis('Sat, 05 Dec 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMillis(undefined, now)).toBeUndefined();
    expect(retryAfterMillis('soon', now)).toBeUndefined();
    expect(retryAfterMillis('-5', now)).toBeUndefined();
    expect(retryAfterMillis('2026', now)).toBe(2_026_000);
  });
});
