import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, PoolClient } from 'pg';
import { WorkOrderRow } from '../work-orders/work-order-views.repository';

/** The channel a committed change is announced on, its payload the order's site: open streams of that site wake. */
export const ORDER_CHANGES_CHANNEL = 'query_order_changes';

/** One row of the feed with the order's row as it is now. */
export type OrderChangeRow = WorkOrderRow & { readonly change_id: string };

/** The ids the feed still holds, across sites; null when it is empty. */
export interface FeedBounds {
  readonly oldest: bigint | null;
  readonly newest: bigint | null;
}

/**
 * Appends one change of an order to the feed inside the projection's transaction, as its last write. The site's
 * lock, held until commit, makes the ids of one site follow commit order: a reader that has moved past an id never
 * finds a smaller one of the same site committed later (a bigserial is taken at insert, not at commit; ADR 3).
 * The notification is delivered at commit, never for a change that rolled back.
 */
export const recordOrderChange = async (client: PoolClient, siteId: string, workOrderId: string): Promise<void> => {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 2))', [`${ORDER_CHANGES_CHANNEL}:${siteId}`]);
  await client.query('INSERT INTO query_order_changes (site_id, work_order_id) VALUES ($1, $2)', [siteId, workOrderId]);
  await client.query('SELECT pg_notify($1, $2)', [ORDER_CHANGES_CHANNEL, siteId]);
};

/** Has this session told of every committed change (a `notification` with the site as its payload). */
export const listenForOrderChanges = async (client: PoolClient): Promise<void> => {
  await client.query(`LISTEN ${ORDER_CHANGES_CHANNEL}`);
};

/** Reads the live board's feed (docs/adr/0024): a site's changes after an id, with each order's current row. */
@Injectable()
export class OrderChangesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The site's newest change id, where a stream that names none starts; 0 when the site has none. */
  async latestId(siteId: string): Promise<bigint> {
    const { rows } = await this.pool.query<{ id: string | null }>(
      'SELECT max(id)::text AS id FROM query_order_changes WHERE site_id = $1',
      [siteId],
    );
    return BigInt(rows[0]?.id ?? 0);
  }

  async bounds(): Promise<FeedBounds> {
    const { rows } = await this.pool.query<{ oldest: string | null; newest: string | null }>(
      'SELECT min(id)::text AS oldest, max(id)::text AS newest FROM query_order_changes',
    );
    const { oldest = null, newest = null } = rows[0] ?? {};
    return { oldest: oldest === null ? null : BigInt(oldest), newest: newest === null ? null : BigInt(newest) };
  }

  /** The site's next changes after `afterId`, oldest first. */
  async after(siteId: string, afterId: bigint, limit: number): Promise<OrderChangeRow[]> {
    const { rows } = await this.pool.query<OrderChangeRow>(
      `SELECT c.id::text AS change_id, w.*
         FROM query_order_changes c JOIN query_work_orders w ON w.work_order_id = c.work_order_id
        WHERE c.site_id = $1 AND c.id > $2
        ORDER BY c.id
        LIMIT $3`,
      [siteId, afterId.toString(), limit],
    );
    return rows;
  }

  /**
   * Deletes the changes recorded before `before`, always as a prefix of ids, and never the newest row: what is left
   * tells a returning console whether anything it missed is gone (its id is below the oldest one left).
   */
  async prune(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM query_order_changes
        WHERE id <= (SELECT max(id) FROM query_order_changes WHERE changed_at < $1)
          AND id < (SELECT max(id) FROM query_order_changes)`,
      [before],
    );
    return rowCount ?? 0;
  }
}
