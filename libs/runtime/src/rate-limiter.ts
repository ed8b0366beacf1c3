import { Pool } from 'pg';

export interface RateLimitOptions {
  /** Hits allowed per bucket in one window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Told of each refused hit, with its bucket (closeloop_rate_limit_refusals_total). */
  readonly onRefusal?: (bucket: string) => void;
  /**
   * Count hits ahead in blocks (docs/adr/0046): a caller's hit waits for no upsert while its instance holds counted
   * hits. The count in access_rate_limits then says how many were counted, not how many were made. Off: every hit is
   * one upsert, and the count is exact.
   */
  readonly countAhead?: boolean;
}

export interface RateLimitOutcome {
  readonly allowed: boolean;
  /** Whole seconds until the current window ends (at least 1): the Retry-After of a refused hit. */
  readonly retryAfterSeconds: number;
  /** Hits left in the current window after this one. */
  readonly remaining: number;
}

/**
 * Counting ahead, an instance counts hits in blocks of this share of the limit (docs/adr/0046): the hits it counted
 * and did not use by the window's end are the most a caller can lose to it. A limit under this many hits per window
 * is counted one hit at a time.
 */
const RESERVE_SHARE = 100;
const RESERVE_AT_MOST = 1_000;

interface Counted {
  /** The bucket's count in its current window, this upsert's included. */
  readonly hits: number;
  readonly secondsLeft: number;
  readonly millisLeft: number;
  /** The window's start, as the database wrote it: a block belongs to one window. */
  readonly windowStart: string;
}

/** The hits of a block this instance counted and has not used yet, good until its window ends. */
interface Reserved {
  readonly windowStart: string;
  /** performance.now() at the window's end, or a little before. */
  readonly until: number;
  left: number;
  /** The bucket's count in the database when the last block was counted. */
  counted: number;
  /** The last block was not granted in full: the window's budget is spent. */
  spent: boolean;
}

const secondsUntil = (until: number, now: number): number => Math.max(1, Math.ceil((until - now) / 1000));

/** Windows are kept this long after they end, so an operator can still see who was limited, then deleted. */
const KEEP_ENDED_WINDOWS = '1 hour';
const CLEAN_UP_EVERY_MILLIS = 60_000;
/** Per pool, so several limiters in one process (different limits, one database) clean up once a minute between them. */
const lastCleanUp = new WeakMap<Pool, number>();

/**
 * A fixed-window rate limiter in PostgreSQL (table access_rate_limits), so every instance of a service counts against the
 * same budget. An upsert counts and reads in one step, so concurrent hits on any instance are counted exactly; the
 * window is the database clock's, cut at multiples of the window length since the epoch. Refused hits count too: a
 * caller hammering through its refusals stays refused until the window ends.
 *
 * Counting ahead (countAhead) with a limit of RESERVE_SHARE hits or more, an instance counts a block of hits (1 % of
 * the limit) in one upsert and allows them from memory, counting the next block while half of this one is left
 * (docs/adr/0046): no hit is allowed that was not counted first, so the limit still holds across every instance, and
 * a busy caller costs an upsert per block rather than per request. A block is good only until its window ends; once a
 * block comes back short the window's budget is spent and the instance refuses the bucket until the window ends.
 */
export class RateLimiter {
  /** Hits counted per upsert: 1 (every hit counted as it comes) up to RESERVE_AT_MOST. */
  private readonly block: number;
  private readonly reserved = new Map<string, Reserved>();
  private readonly reserving = new Map<string, Promise<void>>();
  private forgotAt: number | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: RateLimitOptions,
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new Error(`rate limit must be a whole number of hits, at least 1 (got ${options.limit})`);
    if (!Number.isInteger(options.windowSeconds) || options.windowSeconds < 1) {
      throw new Error(`rate limit window must be a whole number of seconds, at least 1 (got ${options.windowSeconds})`);
    }
    this.block = options.countAhead
      ? Math.max(1, Math.min(RESERVE_AT_MOST, Math.floor(options.limit / RESERVE_SHARE)))
      : 1;
  }

  async hit(bucket: string): Promise<RateLimitOutcome> {
    if (bucket === '') throw new Error('rate limit bucket must not be empty');
    this.cleanUpNowAndThen();
    if (this.block === 1) {
      const counted = await this.count(bucket, 1);
      const allowed = counted.hits <= this.options.limit;
      if (!allowed) this.options.onRefusal?.(bucket);
      return {
        allowed,
        retryAfterSeconds: counted.secondsLeft,
        remaining: Math.max(0, this.options.limit - counted.hits),
      };
    }
    return this.hitReserved(bucket);
  }

  /** A hit taken from the hits this instance has counted ahead; counts the next block when they run low. */
  private async hitReserved(bucket: string): Promise<RateLimitOutcome> {
    for (;;) {
      const now = performance.now();
      const reserved = this.reserved.get(bucket);
      if (reserved && now < reserved.until) {
        if (reserved.left > 0) {
          reserved.left--;
          // Counted ahead: the next block is usually in hand before this one runs out, so no hit waits for it.
          if (reserved.left * 2 <= this.block && !reserved.spent) this.reserve(bucket).catch(() => undefined);
          return {
            allowed: true,
            retryAfterSeconds: secondsUntil(reserved.until, now),
            remaining: Math.max(0, this.options.limit - reserved.counted + reserved.left),
          };
        }
        if (reserved.spent) {
          // The window's budget is used up everywhere: refused until it ends, as every hit after it would be.
          this.options.onRefusal?.(bucket);
          return { allowed: false, retryAfterSeconds: secondsUntil(reserved.until, now), remaining: 0 };
        }
      }
      await this.reserve(bucket);
    }
  }

  /** Counts a block of hits for this instance (one at a time per bucket): what the window's budget still grants. */
  private reserve(bucket: string): Promise<void> {
    const inFlight = this.reserving.get(bucket);
    if (inFlight) return inFlight;
    const sentAt = performance.now();
    const reserving = this.count(bucket, this.block)
      .then((counted) => {
        const granted = Math.min(this.block, Math.max(0, this.options.limit - (counted.hits - this.block)));
        // The database's now is no earlier than sentAt, so this ends no later than the window does.
        const until = sentAt + counted.millisLeft;
        const reserved = this.reserved.get(bucket);
        if (reserved && reserved.windowStart === counted.windowStart && sentAt < reserved.until) {
          reserved.left += granted;
          reserved.counted = counted.hits;
          reserved.spent ||= granted < this.block;
        } else {
          this.reserved.set(bucket, {
            windowStart: counted.windowStart,
            until,
            left: granted,
            counted: counted.hits,
            spent: granted < this.block,
          });
        }
      })
      .finally(() => this.reserving.delete(bucket));
    this.reserving.set(bucket, reserving);
    return reserving;
  }

  /** One upsert that counts `hits` in the bucket's current window and reads the count back, in one step. */
  private async count(bucket: string, hits: number): Promise<Counted> {
    const { rows } = await this.pool.query<{
      hits: number;
      seconds_left: number;
      millis_left: number;
      window_start: string;
    }>(
      `INSERT INTO access_rate_limits AS r (bucket, window_start, window_end, hits)
       SELECT $1, w.start, w.start + $2::integer * interval '1 second', $3::integer
         FROM (SELECT date_bin($2::integer * interval '1 second', now(), timestamptz 'epoch') AS start) AS w
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + $3::integer
       RETURNING r.hits, greatest(1, ceil(extract(epoch FROM r.window_end - now())))::integer AS seconds_left,
                 extract(epoch FROM r.window_end - now())::float8 * 1000 AS millis_left,
                 extract(epoch FROM r.window_start)::text AS window_start`,
      [bucket, this.options.windowSeconds, hits],
    );
    const row = rows[0];
    if (!row) throw new Error(`rate limiter: the upsert for ${bucket} returned no row`);
    return {
      hits: row.hits,
      secondsLeft: row.seconds_left,
      millisLeft: row.millis_left,
      windowStart: row.window_start,
    };
  }

  /** Deletes windows that ended over an hour ago, for every limiter sharing the table; returns how many. */
  async cleanUp(): Promise<number> {
    const result = await this.pool.query(
      `DELETE FROM access_rate_limits WHERE window_end < now() - interval '${KEEP_ENDED_WINDOWS}'`,
    );
    return result.rowCount ?? 0;
  }

  // Opportunistic, at most once a minute per process and pool: no scheduler to run, and no request waits for it.
  private cleanUpNowAndThen(): void {
    const now = Date.now();
    if (now - (this.forgotAt ?? 0) >= CLEAN_UP_EVERY_MILLIS) {
      this.forgotAt = now;
      const monotonic = performance.now();
      for (const [bucket, reserved] of this.reserved) if (reserved.until <= monotonic) this.reserved.delete(bucket);
    }
    if (now - (lastCleanUp.get(this.pool) ?? 0) < CLEAN_UP_EVERY_MILLIS) return;
    lastCleanUp.set(this.pool, now);
    // A failed clean-up is retried a minute later; it must never fail a request.
    this.cleanUp().catch(() => undefined);
  }
}
