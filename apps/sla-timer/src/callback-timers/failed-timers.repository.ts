import { NotFoundError } from '@closeloop/contracts';
import { queryCamelRows } from '@closeloop/database';
import { Pool } from 'pg';

export interface FailedTimer {
  readonly timerId: string;
  readonly workOrderId: string;
  readonly kind: string;
  readonly round: number;
  readonly dueAt: Date;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly failedAt: Date;
}

/**
 * The operator's side of timers that were given up on (sla_timer_timers.failed_at, migration 0020): list them, and put
 * them back to fire at the next poll with a fresh attempt budget. Free of Nest so the admin tool can load it.
 */
export class FailedTimers {
  constructor(private readonly pool: Pool) {}

  async list(limit: number): Promise<{ failed: number; timers: FailedTimer[] }> {
    const timers = await queryCamelRows<FailedTimer>(
      this.pool,
      `SELECT timer_id, work_order_id, kind, round, due_at, attempts, last_error, failed_at FROM sla_timer_timers
       WHERE failed_at IS NOT NULL AND fired_at IS NULL ORDER BY failed_at LIMIT $1`,
      [limit],
    );
    const { rows: count } = await this.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM sla_timer_timers WHERE failed_at IS NOT NULL AND fired_at IS NULL',
    );
    return { failed: Number(count[0]?.n ?? 0), timers };
  }

  /** One failed timer, or every one ('all'); answers the ids put back. The last error stays until it fires. */
  async retry(which: string | 'all'): Promise<string[]> {
    const { rows } = await this.pool.query<{ timer_id: string }>(
      `UPDATE sla_timer_timers SET failed_at = NULL, attempts = 0, claimed_until = NULL
       WHERE failed_at IS NOT NULL AND fired_at IS NULL AND ($1::uuid IS NULL OR timer_id = $1::uuid) RETURNING timer_id`,
      [which === 'all' ? null : which],
    );
    if (which !== 'all' && rows.length === 0) throw new NotFoundError('Failed timer', which);
    return rows.map((r) => r.timer_id);
  }
}
