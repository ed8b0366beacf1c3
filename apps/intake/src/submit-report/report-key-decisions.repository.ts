import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { ReportToOpen } from './intake-reports.repository';

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

/** The decision that stands for a key, and the number of the key's own order when its row was reserved with it. */
export interface StandingDecision {
  readonly decision: ReportKeyDecision;
  readonly reservedNumber?: string | undefined;
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

  /**
   * Records the decision unless the key has one already, and answers the one that stands, in one statement. When
   * the standing decision is the key's own order with this fingerprint and `reservation` is given, the order's row
   * (whose id is the key's) is reserved by the same statement (IntakeReportsRepository.reserve has the rules), and
   * its number answered: the number already reserved when an earlier request with the key got that far.
   *
   * An order reserved for the key before decisions were recorded (migration 0016) makes the decision the key's own
   * order, whatever matched: those keys keep their answer.
   */
  async record(
    retryKeyId: string,
    decision: ReportKeyDecision,
    reservation: (Omit<ReportToOpen, 'workOrderId'> & { readonly number: string }) | undefined,
  ): Promise<StandingDecision> {
    const { rows } = await this.pool.query<DecisionRow & { reserved_number: string | null }>(
      `WITH opened_before AS (SELECT EXISTS (SELECT 1 FROM intake_reports WHERE work_order_id = $1::uuid) AS opened),
       standing AS (
         INSERT INTO intake_report_keys AS k (retry_key_id, request_fingerprint, joined_work_order_id, similarity, reason)
         SELECT $1::uuid, $2::text, CASE WHEN o.opened THEN NULL ELSE $3::uuid END,
                CASE WHEN o.opened THEN NULL ELSE $4::double precision END, CASE WHEN o.opened THEN NULL ELSE $5::text END
           FROM opened_before o
         ON CONFLICT (retry_key_id) DO UPDATE SET decided_at = k.decided_at
         RETURNING k.request_fingerprint, k.joined_work_order_id, k.similarity, k.reason
       ),
       reserved AS (
         INSERT INTO intake_reports (work_order_id, number, site_id, building, reported_at, link_digest)
         SELECT $1::uuid, $6::text, $7::text, $8::text, $9::timestamptz, $10::text FROM standing s
          WHERE $6::text IS NOT NULL AND s.joined_work_order_id IS NULL AND s.request_fingerprint = $2::text
         ON CONFLICT (work_order_id) DO UPDATE
           SET reported_at = GREATEST(intake_reports.reported_at, EXCLUDED.reported_at), link_digest = EXCLUDED.link_digest
         RETURNING number
       )
       SELECT s.request_fingerprint, s.joined_work_order_id, s.similarity, s.reason,
              (SELECT number FROM reserved) AS reserved_number
         FROM standing s`,
      [
        retryKeyId,
        decision.requestFingerprint,
        decision.joined?.workOrderId ?? null,
        decision.joined?.similarity ?? null,
        decision.joined?.reason ?? null,
        reservation?.number ?? null,
        reservation?.siteId ?? null,
        reservation?.building ?? null,
        reservation?.reportedAt ?? null,
        reservation?.linkDigest ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error(`retry key ${retryKeyId}: recording its decision returned no row`);
    return { decision: toDecision(row), reservedNumber: row.reserved_number ?? undefined };
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
