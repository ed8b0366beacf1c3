import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { QUERY_TABLES } from '../projection/work-order-rows.repository';
import { MonthCount } from './hot-spots';
import { ReportOrder } from './report-order';

/** Reads the reports' rows (query_report_orders), written by the projection beside the order rows. */
@Injectable()
export class ReportOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Every order of a site that can count in a report over [since, until): reported before `until`, and either
   * still open or with a step on or after `since`.
   */
  async ordersFor(siteId: string, since: Date, until: Date): Promise<ReportOrder[]> {
    const { rows } = await this.pool.query<{ facts: ReportOrder }>(
      `SELECT facts FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at < $3 AND (ended_at IS NULL OR last_step_at >= $2)`,
      [siteId, since, until],
    );
    return rows.map((r) => r.facts);
  }

  /** Orders reported in [since, until) by local month ("YYYY-MM" in the zone) and category. */
  async receivedByMonth(siteId: string, since: Date, until: Date, timeZone: string): Promise<MonthCount[]> {
    const { rows } = await this.pool.query<{ month: string; category: string | null; received: string }>(
      `SELECT to_char(reported_at AT TIME ZONE $4, 'YYYY-MM') AS month, category, count(*) AS received
       FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at >= $2 AND reported_at < $3
       GROUP BY 1, 2`,
      [siteId, since, until, timeZone],
    );
    return rows.map((r) => ({ month: r.month, category: r.category, received: Number(r.received) }));
  }
}
