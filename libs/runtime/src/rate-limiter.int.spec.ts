import { createPool } from '@closeloop/database';
import { eventually, freshDatabase, TestDatabase } from '@closeloop/testing';
import { Pool } from 'pg';
import { RateLimiter } from './rate-limiter';

const HOUR = 3600;

let db: TestDatabase;
let sequence = 0;
const bucket = (label: string) => `${label}-${++sequence}`;

beforeAll(async () => {
  db = await freshDatabase('access_rate_limits');
});
afterAll(() => db.drop());

/** Seconds left in the current window by the database clock, as the limiter computes them. */
const secondsLeft = async (windowSeconds: number): Promise<number> => {
  const { rows } = await db.pool.query<{ left: string }>(
    `SELECT extract(epoch FROM date_bin($1::integer * interval '1 second', now(), timestamptz 'epoch') + $1::integer * interval '1 second' - now()) AS left`,
    [windowSeconds],
  );
  return Number(rows[0]?.left);
};

/** Tests that count within one window start well clear of its end, so a window boundary cannot split them. */
const awayFromWindowEdge = async (windowSeconds: number, margin = 5): Promise<void> => {
  const left = await secondsLeft(windowSeconds);
  if (left < margin) await new Promise((resolve) => setTimeout(resolve, left * 1000 + 200));
};

describe('one bucket in one window', () => {
  it('allows the limit, then refuses the next hit with a Retry-After until the window ends', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 3, windowSeconds: HOUR });
    const caller = bucket('key:0a1b2c3d4e5f');
    await awayFromWindowEdge(HOUR);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await limiter.hit(caller));
    const expected = await secondsLeft(HOUR);

    expect(outcomes.map((o) => [o.allowed, o.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    const refused = outcomes[3]!;
    expect(Number.isInteger(refused.retryAfterSeconds)).toBe(true);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(HOUR);
    expect(Math.abs(refused.retryAfterSeconds - expected)).toBeLessThanOrEqual(1);
  });

  it('keeps refusing until the window ends, then allows again', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 1, windowSeconds: 2 });
    const caller = bucket('staff:zhaolei');
    await awayFromWindowEdge(2, 1);
    expect((await limiter.hit(caller)).allowed).toBe(true);
    const refused = await limiter.hit(caller);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect([1, 2]).toContain(refused.retryAfterSeconds);

    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterSeconds * 1000 + 100));
    expect(await limiter.hit(caller)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('cuts windows at multiples of their length by the database clock', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 10, windowSeconds: 60 });
    const caller = bucket('aligned');
    await limiter.hit(caller);
    const { rows } = await db.pool.query<{ offset: string; length: string; hits: number }>(
      `SELECT extract(epoch FROM window_start)::bigint % 60 AS offset, extract(epoch FROM window_end - window_start) AS length, hits,
              now() >= window_start AND now() < window_end AS current
         FROM access_rate_limits WHERE bucket = $1`,
      [caller],
    );
    expect(rows).toEqual([{ offset: '0', length: '60.000000', hits: 1, current: true }]);
  });
});

describe('buckets and instances', () => {
  it('counts each bucket on its own', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 1, windowSeconds: HOUR });
    const [first, second] = [bucket('key:aaaaaaaaaaaa'), bucket('key:bbbbbbbbbbbb')];
    await awayFromWindowEdge(HOUR);
    expect((await limiter.hit(first)).allowed).toBe(true);
    expect((await limiter.hit(first)).allowed).toBe(false);
    expect((await limiter.hit(second)).allowed).toBe(true);
    expect((await limiter.hit(second)).allowed).toBe(false);
  });

  it('shares one count between two instances, each with its own connection pool', async () => {
    const pools: Pool[] = [createPool(db.url, 'rate-limit-a'), createPool(db.url, 'rate-limit-b')];
    try {
      const [a, b] = pools.map((pool) => new RateLimiter(pool, { limit: 4, windowSeconds: HOUR })) as [
        RateLimiter,
        RateLimiter,
      ];
      const caller = bucket('staff:wangfang');
      await awayFromWindowEdge(HOUR);
      const outcomes = [
        await a.hit(caller),
        await b.hit(caller),
        await a.hit(caller),
        await b.hit(caller),
        await a.hit(caller),
        await b.hit(caller),
      ];
      expect(outcomes.map((o) => o.allowed)).toEqual([true, true, true, true, false, false]);
      expect(outcomes.map((o) => o.remaining)).toEqual([3, 2, 1, 0, 0, 0]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('counts 50 concurrent hits exactly: as many allowed as the limit, every count once', async () => {
    const pools: Pool[] = [createPool(db.url, 'rate-limit-c', 10), createPool(db.url, 'rate-limit-d', 10)];
    try {
      const limiters = pools.map((pool) => new RateLimiter(pool, { limit: 20, windowSeconds: HOUR }));
      const caller = bucket('key:concurrent');
      await awayFromWindowEdge(HOUR);
      const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => limiters[i % 2]!.hit(caller)));
      expect(outcomes.filter((o) => o.allowed)).toHaveLength(20);
      expect(outcomes.filter((o) => !o.allowed)).toHaveLength(30);
      // Each hit saw its own count: remaining 19..0 once each among the allowed.
      expect(
        outcomes
          .filter((o) => o.allowed)
          .map((o) => o.remaining)
          .sort((x, y) => x - y),
      ).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const { rows } = await db.pool.query<{ hits: number }>('SELECT hits FROM access_rate_limits WHERE bucket = $1', [
        caller,
      ]);
      expect(rows).toEqual([{ hits: 50 }]);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});

describe('counting ahead, a limit of 100 hits or more: in blocks (docs/adr/0046)', () => {
  const countOf = async (name: string) =>
    (
      await db.pool.query<{ hits: number }>(
        'SELECT coalesce(sum(hits), 0)::int AS hits FROM access_rate_limits WHERE bucket = $1',
        [name],
      )
    ).rows[0]?.hits;

  it('allows the limit and no more across two instances, each hit counted before it is allowed', async () => {
    const pools: Pool[] = [createPool(db.url, 'rate-limit-e', 10), createPool(db.url, 'rate-limit-f', 10)];
    try {
      const limiters = pools.map(
        (pool) => new RateLimiter(pool, { limit: 300, windowSeconds: HOUR, countAhead: true }),
      );
      const caller = bucket('staff:blocks');
      await awayFromWindowEdge(HOUR);
      const outcomes = await Promise.all(Array.from({ length: 400 }, (_, i) => limiters[i % 2]!.hit(caller)));
      const allowed = outcomes.filter((o) => o.allowed).length;
      expect(allowed).toBeLessThanOrEqual(300);
      // What the instances counted and did not use is at most a block (1 % of the limit) each.
      expect(allowed).toBeGreaterThanOrEqual(300 - 2 * 3);
      expect(await countOf(caller)).toBeGreaterThanOrEqual(allowed);
      for (const refused of outcomes.filter((o) => !o.allowed)) {
        expect(refused.remaining).toBe(0);
        expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }
      // Spent everywhere: a further hit on either instance is refused.
      for (const limiter of limiters) expect((await limiter.hit(caller)).allowed).toBe(false);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('counts a busy caller in blocks, not an upsert per hit', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 10_000, windowSeconds: HOUR, countAhead: true });
    const caller = bucket('staff:busy');
    await awayFromWindowEdge(HOUR);
    for (let i = 0; i < 250; i++) expect((await limiter.hit(caller)).allowed).toBe(true);
    const { rows } = await db.pool.query<{ hits: number }>('SELECT hits FROM access_rate_limits WHERE bucket = $1', [
      caller,
    ]);
    // Blocks of 100: the 250 hits, and at most the next block counted ahead.
    expect(rows).toHaveLength(1);
    expect([300, 400]).toContain(rows[0]?.hits);
  });

  it('counts every hit as it comes when not counting ahead, whatever the limit', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 10_000, windowSeconds: HOUR });
    const caller = bucket('key:exact');
    await awayFromWindowEdge(HOUR);
    for (let i = 0; i < 7; i++) expect((await limiter.hit(caller)).allowed).toBe(true);
    expect(await countOf(caller)).toBe(7);
  });

  it('uses a block only in the window it was counted in', async () => {
    const limiter = new RateLimiter(db.pool, { limit: 200, windowSeconds: 2, countAhead: true });
    const caller = bucket('staff:windows');
    await awayFromWindowEdge(2, 1);
    const first = await limiter.hit(caller);
    expect(first).toMatchObject({ allowed: true });
    await new Promise((resolve) => setTimeout(resolve, first.retryAfterSeconds * 1000 + 100));
    expect((await limiter.hit(caller)).allowed).toBe(true);
    const { rows } = await db.pool.query<{ hits: number }>(
      'SELECT hits FROM access_rate_limits WHERE bucket = $1 ORDER BY window_start',
      [caller],
    );
    // The second window's hit was counted in the second window, in blocks of two: nothing left of the first served it.
    expect(rows).toHaveLength(2);
    for (const { hits } of rows) expect([2, 4]).toContain(hits);
  });
});

describe('clean-up', () => {
  const insertWindow = (name: string, startedAgo: string, length: string) =>
    db.pool.query(
      `INSERT INTO access_rate_limits (bucket, window_start, window_end, hits)
       VALUES ($1, now() - $2::interval, now() - $2::interval + $3::interval, 7)`,
      [name, startedAgo, length],
    );
  const present = async (names: string[]) =>
    (
      await db.pool.query<{ bucket: string }>(
        'SELECT bucket FROM access_rate_limits WHERE bucket = ANY($1) ORDER BY bucket',
        [names],
      )
    ).rows.map((r) => r.bucket);

  it('deletes windows that ended over an hour ago, and keeps recent and still-running ones', async () => {
    const [old, recent, long] = [bucket('cleanup-old'), bucket('cleanup-recent'), bucket('cleanup-long')];
    await insertWindow(old, '2 hours', '1 minute');
    await insertWindow(recent, '40 minutes', '1 minute');
    await insertWindow(long, '2 days', '3 days'); // a per-week limit, say, started two days ago
    const limiter = new RateLimiter(db.pool, { limit: 10, windowSeconds: 60 });

    expect(await limiter.cleanUp()).toBeGreaterThanOrEqual(1);
    expect(await present([old, recent, long])).toEqual([recent, long].sort());
  });

  it('runs on its own with the hits of a limiter, without the hit waiting for it', async () => {
    const pool = createPool(db.url, 'rate-limit-cleanup');
    try {
      const old = bucket('cleanup-opportunistic');
      await insertWindow(old, '3 hours', '1 minute');
      // A new pool has not cleaned up in this process yet: its first hit starts a clean-up.
      await new RateLimiter(pool, { limit: 10, windowSeconds: 60 }).hit(bucket('anyone'));
      await eventually(
        'the ended window to be deleted',
        async () => ((await present([old])).length === 0 ? true : undefined),
        10_000,
      );
    } finally {
      await pool.end();
    }
  });
});

describe('options', () => {
  it.each([
    [{ limit: 0, windowSeconds: 60 }, /at least 1/],
    [{ limit: 1.5, windowSeconds: 60 }, /whole number of hits/],
    [{ limit: 10, windowSeconds: 0 }, /whole number of seconds/],
    [{ limit: 10, windowSeconds: 0.5 }, /whole number of seconds/],
  ])('refuses %j', (options, message) => {
    expect(() => new RateLimiter(db.pool, options)).toThrow(message);
  });

  it('refuses an empty bucket', async () => {
    await expect(new RateLimiter(db.pool, { limit: 1, windowSeconds: 60 }).hit('')).rejects.toThrow(
      /must not be empty/,
    );
  });
});
