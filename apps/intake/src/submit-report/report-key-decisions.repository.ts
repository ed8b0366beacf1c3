import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** The open order a report joined as a duplicate, and why. */
export interface JoinedOrder {
  readonly workOrderId: string;
  readonly similarity: number;
  readonly reason: string;
}

/** What the first request with a retry key decided (libs/database/migrations/0016_intake_report_keys.sql). */
export interface ReportKeyDecision {
  readonly requestFingerprint: string;
  /** Absent when the report became an order of its own, whose id is the key's. */
  readonly joined?: JoinedOrder | undefined;
}

interface DecisionRow {
  request_fingerprint: string;
  joined_work_order_id: string | null;
  similarity: number | null;
  reason: string | null;
}

const toDecision = (row: DecisionRow): ReportKeyDecision => ({
  requestFingerprint: row.request_fingerprint,
  joined:
    row.joined_work_order_id === null
      ? undefined
      : { workOrderId: row.joined_work_order_id, similarity: row.similarity as number, reason: row.reason as string },
});

/**
 * The single record of what each retry key's report was decided to be, written before the report writes anything
 * else: a retry carries out the recorded decision instead of matching duplicates again, and concurrent requests
 * with one key all carry out whichever decision was recorded first.
 */
@Injectable()
export class ReportKeyDecisionsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(retryKeyId: string): Promise<ReportKeyDecision | undefined> {
    const { rows } = await this.pool.query<DecisionRow>(
      'SELECT request_fingerprint, joined_work_order_id, similarity, reason FROM intake_report_keys WHERE retry_key_id = $1',
      [retryKeyId],
    );
    return rows[0] && toDecision(rows[0]);
  }

  /** Records the decision unless the key has one already, and answers the one that stands. */
  async record(retryKeyId: string, decision: ReportKeyDecision): Promise<ReportKeyDecision> {
    const { rows } = await this.pool.query<DecisionRow>(
      `INSERT INTO intake_report_keys (retry_key_id, request_fingerprint, joined_work_order_id, similarity, reason)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (retry_key_id) DO NOTHING
       RETURNING request_fingerprint, joined_work_order_id, similarity, reason`,
      [
        retryKeyId,
        decision.requestFingerprint,
        decision.joined?.workOrderId ?? null,
        decision.joined?.similarity ?? null,
        decision.joined?.reason ?? null,
      ],
    );
    if (rows[0]) return toDecision(rows[0]);
    const standing = await this.find(retryKeyId);
    if (!standing) throw new Error(`retry key ${retryKeyId} conflicted with a decision that cannot be read`);
    return standing;
  }

  /**
   * The joined order moved on (resolved, cancelled) before the link was written, so that decision can never be
   * carried out: the key's report becomes an order of its own instead.
   */
  async abandonJoin(retryKeyId: string, joined: JoinedOrder): Promise<void> {
    await this.pool.query(
      `UPDATE intake_report_keys SET joined_work_order_id = NULL, similarity = NULL, reason = NULL
       WHERE retry_key_id = $1 AND joined_work_order_id = $2`,
      [retryKeyId, joined.workOrderId],
    );
  }
}
