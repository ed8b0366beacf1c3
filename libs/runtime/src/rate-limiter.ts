import { Pool } from 'pg';

export interface RateLimitOptions {
  /** Hits allowed per bucket in one window. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Told of each refused hit, with its bucket (closeloop_rate_limit_refusals_total). */
  readonly onRefusal?: (bucket: string) => void;
}

export interface RateLimitOutcome {
  readonly allowed: boolean;
  /** Whole seconds until the current window ends (at least 1): the Retry-After of a refused hit. */
  readonly retryAfterSeconds: number;
  /** Hits left in the current window after this one. */
  readonly remaining: number;
}

/** Windows are kept this long after they end, so an operator can still see who was limited, then deleted. */
const KEEP_ENDED_WINDOWS = '1 hour';
const CLEAN_UP_EVERY_MILLIS = 60_000;
/** Per pool, so several limiters in one process (different limits, one database) clean up once a minute between them. */
const lastCleanUp = new WeakMap<Pool, number>();

/**
 * A fixed-window rate limiter in PostgreSQL (table access_rate_limits), so every instance of a service counts against the
 * same budget. Each hit is one upsert that counts and reads in one step, so concurrent hits on any instance are
 * counted exactly; the window is the database clock's, cut at multiples of the window length since the epoch.
 * Refused hits count too: a caller hammering through its refusals stays refused until the window ends.
 */
export class RateLimiter {
  constructor(
    private readonly pool: Pool,
    private readonly options: RateLimitOptions,
  ) {
    if (!Number.isInteger(options.limit) || options.limit < 1)
      throw new Error(`rate limit must be a whole number of hits, at least 1 (got ${options.limit})`);
    if (!Number.isInteger(options.windowSeconds) || options.windowSeconds < 1) {
      throw new Error(`rate limit window must be a whole number of seconds, at least 1 (got ${options.windowSeconds})`);
    }
  }

  async hit(bucket: string): Promise<RateLimitOutcome> {
    if (bucket === '') throw new Error('rate limit bucket must not be empty');
    this.cleanUpNowAndThen();
    const { rows } = await this.pool.query<{ hits: number; seconds_left: number }>(
      `INSERT INTO access_rate_limits AS r (bucket, window_start, window_end, hits)
       SELECT $1, w.start, w.start + $2::integer * interval '1 second', 1
         FROM (SELECT date_bin($2::integer * interval '1 second', now(), timestamptz 'epoch') AS start) AS w
       ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
       RETURNING r.hits, greatest(1, ceil(extract(epoch FROM r.window_end - now())))::integer AS seconds_left`,
      [bucket, this.options.windowSeconds],
    );
    const row = rows[0];
    if (!row) throw new Error(`rate limiter: the upsert for ${bucket} returned no row`);
    const allowed = row.hits <= this.options.limit;
    if (!allowed) this.options.onRefusal?.(bucket);
    return {
      allowed,
      retryAfterSeconds: row.seconds_left,
      remaining: Math.max(0, this.options.limit - row.hits),
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
    if (now - (lastCleanUp.get(this.pool) ?? 0) < CLEAN_UP_EVERY_MILLIS) return;
    lastCleanUp.set(this.pool, now);
    // A failed clean-up is retried a minute later; it must never fail a request.
    this.cleanUp().catch(() => undefined);
  }
}
