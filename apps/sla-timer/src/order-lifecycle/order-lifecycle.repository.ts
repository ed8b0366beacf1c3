import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { StartSlaClock } from '@closeloop/sla-domain';
import { Pool, PoolClient } from 'pg';

/** Where and when the order was reported: what starting its clocks needs beyond the triage. */
export type OrderStart = Pick<StartSlaClock, 'siteId' | 'reportedAt'>;

/**
 * sla-timer's own view of each order's lifecycle (sla_timer_order_lifecycle, migration 0022), kept from
 * `workorders.events` instead of read from the work-order streams, which are dispatch's. Every write is idempotent
 * and commutes with the others, so redelivered events and events replayed out of order leave the same view. The
 * consumer's writes and reads go through its batch's transaction when it has one (`db`).
 */
@Injectable()
export class OrderLifecycleRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The report: the site whose calendar the clocks run on, and the moment they run from. Set once. */
  async recordReported(workOrderId: string, start: OrderStart, db: Pool | PoolClient = this.pool): Promise<void> {
    await db.query(
      `INSERT INTO sla_timer_order_lifecycle (work_order_id, site_id, reported_at) VALUES ($1, $2, $3)
       ON CONFLICT (work_order_id) DO UPDATE SET site_id = EXCLUDED.site_id, reported_at = EXCLUDED.reported_at, updated_at = now()
       WHERE sla_timer_order_lifecycle.site_id IS NULL`,
      [workOrderId, start.siteId, start.reportedAt],
    );
  }

  /**
   * A reopen began `round` at this position of the log. The relay always gives one; a reopen without it counts as
   * before every resolution.
   */
  async recordReopened(
    workOrderId: string,
    round: number,
    position: string | undefined,
    db: Pool | PoolClient = this.pool,
  ): Promise<void> {
    await db.query(
      `INSERT INTO sla_timer_order_lifecycle (work_order_id, reopen_positions) VALUES ($1, jsonb_build_object($2::text, $3::bigint))
       ON CONFLICT (work_order_id) DO UPDATE
       SET reopen_positions = sla_timer_order_lifecycle.reopen_positions || EXCLUDED.reopen_positions, updated_at = now()`,
      [workOrderId, round, position ?? null],
    );
  }

  async startOf(workOrderId: string, db: Pool | PoolClient = this.pool): Promise<OrderStart | undefined> {
    const { rows } = await db.query<{ site_id: string; reported_at: Date }>(
      'SELECT site_id, reported_at FROM sla_timer_order_lifecycle WHERE work_order_id = $1 AND site_id IS NOT NULL',
      [workOrderId],
    );
    const row = rows[0];
    return row ? { siteId: row.site_id, reportedAt: row.reported_at } : undefined;
  }

  /**
   * The loop round an event at this log position belongs to: the highest round reopened before it, 0 before any
   * reopen. Without a position, every reopen seen so far counts.
   */
  async roundAt(workOrderId: string, position: string | undefined): Promise<number> {
    const { rows } = await this.pool.query<{ round: number }>(
      `SELECT coalesce(max(reopen.key::int), 0)::int AS round
       FROM sla_timer_order_lifecycle, jsonb_each_text(reopen_positions) AS reopen
       WHERE work_order_id = $1 AND ($2::bigint IS NULL OR reopen.value IS NULL OR reopen.value::bigint < $2::bigint)`,
      [workOrderId, position ?? null],
    );
    return rows[0]?.round ?? 0;
  }
}
