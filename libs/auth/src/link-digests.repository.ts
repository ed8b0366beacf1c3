import type { Pool } from 'pg';
import type { LinkDigestStore } from './link-digest-backfill';

/** The tables that keep a status-link digest per order, each its service's own (migration 0032). */
export type LinkDigestTable = 'intake_reports' | 'query_work_orders';

/**
 * The `link_digest` column of a service's order table, as LinkDigestBackfill fills it: the same statements on either
 * table, so each service's repository extends this one with its own table.
 */
export class LinkDigestColumn implements LinkDigestStore {
  constructor(
    protected readonly pool: Pool,
    private readonly table: LinkDigestTable,
  ) {}

  /** Orders without a digest yet (written before migration 0032, or after the secret changed). */
  async withoutDigest(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      `SELECT work_order_id FROM ${this.table} WHERE link_digest IS NULL LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.work_order_id);
  }

  /** One order with a digest, to tell whether the secret changed since it was written. */
  async anyWithDigest(): Promise<{ workOrderId: string; linkDigest: string } | undefined> {
    const { rows } = await this.pool.query<{ work_order_id: string; link_digest: string }>(
      `SELECT work_order_id, link_digest FROM ${this.table} WHERE link_digest IS NOT NULL LIMIT 1`,
    );
    const row = rows[0];
    return row && { workOrderId: row.work_order_id, linkDigest: row.link_digest };
  }

  async setDigests(digests: readonly { workOrderId: string; linkDigest: string }[]): Promise<void> {
    if (digests.length === 0) return;
    await this.pool.query(
      `UPDATE ${this.table} t SET link_digest = d.link_digest
         FROM unnest($1::uuid[], $2::text[]) AS d(work_order_id, link_digest)
        WHERE t.work_order_id = d.work_order_id`,
      [digests.map((d) => d.workOrderId), digests.map((d) => d.linkDigest)],
    );
  }

  /** Forgets every digest: the secret changed, so every link did. */
  async clearDigests(): Promise<void> {
    await this.pool.query(`UPDATE ${this.table} SET link_digest = NULL WHERE link_digest IS NOT NULL`);
  }
}
