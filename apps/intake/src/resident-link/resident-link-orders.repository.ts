import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** intake_reports by status link (migration 0032): the order a link's digest names, and the digests to fill in. */
@Injectable()
export class ResidentLinkOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The order whose link has this digest; one indexed equality, whatever the digest. */
  async orderOf(linkDigest: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      'SELECT work_order_id FROM intake_reports WHERE link_digest = $1',
      [linkDigest],
    );
    return rows[0]?.work_order_id;
  }

  /** Orders without a digest yet (opened before migration 0032, or after the secret changed). */
  async withoutDigest(limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      'SELECT work_order_id FROM intake_reports WHERE link_digest IS NULL LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.work_order_id);
  }

  /** One order with a digest, to tell whether the secret changed since it was written. */
  async anyWithDigest(): Promise<{ workOrderId: string; linkDigest: string } | undefined> {
    const { rows } = await this.pool.query<{ work_order_id: string; link_digest: string }>(
      'SELECT work_order_id, link_digest FROM intake_reports WHERE link_digest IS NOT NULL LIMIT 1',
    );
    const row = rows[0];
    return row && { workOrderId: row.work_order_id, linkDigest: row.link_digest };
  }

  async setDigests(digests: readonly { workOrderId: string; linkDigest: string }[]): Promise<void> {
    if (digests.length === 0) return;
    await this.pool.query(
      `UPDATE intake_reports r SET link_digest = d.link_digest
         FROM unnest($1::uuid[], $2::text[]) AS d(work_order_id, link_digest)
        WHERE r.work_order_id = d.work_order_id`,
      [digests.map((d) => d.workOrderId), digests.map((d) => d.linkDigest)],
    );
  }

  /** Forgets every digest: the secret changed, so every link did. */
  async clearDigests(): Promise<void> {
    await this.pool.query('UPDATE intake_reports SET link_digest = NULL WHERE link_digest IS NOT NULL');
  }
}
