import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** An order about to be opened: where and when it was reported. */
export interface ReportToOpen {
  readonly workOrderId: string;
  readonly siteId: string;
  readonly building: string | undefined;
  readonly reportedAt: Date;
  /** The digest of the order's status link (ResidentLinks), by which the resident's actions find it. */
  readonly linkDigest: string;
}

/**
 * intake's own record of the orders it opened (intake_reports, migration 0026): the candidates a new report may
 * repeat, and each order's number. A row is reserved before the report is appended (docs/adr/0019), so every report
 * in the store has one; a row whose append never happened names an order with no stream, which readers skip.
 */
@Injectable()
export class IntakeReportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Reserves the order's row and answers the number its report must carry: `newNumber` for a new order, the number
   * already reserved for one being opened again (a retry after a crash, or concurrent retries of one key), so the
   * row and the report never disagree. The reported time moves to the latest attempt.
   */
  async reserve(report: ReportToOpen, newNumber: string): Promise<string> {
    const { rows } = await this.pool.query<{ number: string }>(
      `INSERT INTO intake_reports (work_order_id, number, site_id, building, reported_at, link_digest)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (work_order_id) DO UPDATE SET reported_at = GREATEST(intake_reports.reported_at, EXCLUDED.reported_at),
         link_digest = EXCLUDED.link_digest
       RETURNING number`,
      [report.workOrderId, newNumber, report.siteId, report.building ?? null, report.reportedAt, report.linkDigest],
    );
    return rows[0]?.number as string;
  }

  /** The ids of orders reported at a site's building since a moment, newest first. */
  async atPlace(siteId: string, building: string, since: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      `SELECT work_order_id FROM intake_reports WHERE site_id = $1 AND building = $2 AND reported_at >= $3
       ORDER BY reported_at DESC LIMIT $4`,
      [siteId, building, since, limit],
    );
    return rows.map((r) => r.work_order_id);
  }
}
