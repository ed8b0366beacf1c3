import { Inject, Injectable } from '@nestjs/common';
import { LinkDigestColumn } from '@closeloop/auth';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

export interface ResidentOrderRecord {
  readonly workOrderId: string;
  readonly number: string;
  readonly status: string;
  readonly category: string | null;
  readonly resolutionDueAt: Date | null;
  readonly slaPausedSince: Date | null;
  readonly timeline: readonly { readonly type: string; readonly data: unknown; readonly occurredAt: Date }[];
}

/** query_work_orders and query_timeline by status link (migration 0032), and the digests to fill in. */
@Injectable()
export class ResidentOrdersRepository extends LinkDigestColumn {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super(pool, 'query_work_orders');
  }

  /** The order whose link has this digest, with its timeline in store order; one indexed equality, whatever the digest. */
  async byLinkDigest(linkDigest: string): Promise<ResidentOrderRecord | undefined> {
    const { rows } = await this.pool.query<{
      work_order_id: string;
      number: string;
      status: string;
      category: string | null;
      resolution_due_at: Date | null;
      sla_paused_since: Date | null;
    }>(
      `SELECT work_order_id, number, status, category, resolution_due_at, sla_paused_since
         FROM query_work_orders WHERE link_digest = $1`,
      [linkDigest],
    );
    const row = rows[0];
    if (!row) return undefined;
    const timeline = await this.pool.query<{ event_type: string; data: unknown; occurred_at: Date }>(
      `SELECT event_type, data, occurred_at FROM query_timeline WHERE work_order_id = $1
        ORDER BY sequence NULLS LAST, arrival`,
      [row.work_order_id],
    );
    return {
      workOrderId: row.work_order_id,
      number: row.number,
      status: row.status,
      category: row.category,
      resolutionDueAt: row.resolution_due_at,
      slaPausedSince: row.sla_paused_since,
      timeline: timeline.rows.map((r) => ({ type: r.event_type, data: r.data, occurredAt: r.occurred_at })),
    };
  }
}
