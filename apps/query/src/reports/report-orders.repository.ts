import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, types } from 'pg';
import { QUERY_TABLES, REPORT_ROW_COLUMNS } from '../projection/work-order-rows.repository';
import { MonthCount } from './hot-spots';
import { ReportOrder } from './report-order';
import { ReportRow } from './report-row';

type TypeId = Parameters<typeof types.getTypeParser>[0];
const BIGINT = 20;
const BIGINT_ARRAY = 1016;
const DOUBLE_ARRAY = 1022 as TypeId;
/**
 * The rows' instants are bigint milliseconds, which pg hands over as text (a bigint may not fit a double); these
 * do, to 2^53 ms (the year 287,396), so they are read as numbers, and their lists as arrays of numbers.
 */
const instantsAsNumbers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === BIGINT) return Number;
    if (oid === BIGINT_ARRAY) return types.getTypeParser(DOUBLE_ARRAY, 'text');
    return types.getTypeParser(oid, format as 'text');
  }) as typeof types.getTypeParser,
};

const ROW_COLUMNS = REPORT_ROW_COLUMNS.map(([key, column]) => `${column} AS "${key}"`).join(', ');

/** Reads the reports' rows (query_report_orders) and facts (query_report_facts), written by the projection beside the order rows. */
@Injectable()
export class ReportOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Every order of a site that can count in a report over [since, until): reported before `until`, and either
   * still open or with a step on or after `since`.
   */
  async ordersFor(siteId: string, since: Date, until: Date): Promise<ReportRow[]> {
    const { rows } = await this.pool.query<ReportRow>({
      text: `SELECT ${ROW_COLUMNS} FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at < $3 AND (ended_at IS NULL OR last_step_at >= $2)`,
      values: [siteId, since.getTime(), until.getTime()],
      types: instantsAsNumbers,
    });
    return rows;
  }

  /** The folds of some of a site's orders, in the order asked for: the lines a report quotes. */
  async factsOf(siteId: string, workOrderIds: readonly string[]): Promise<ReportOrder[]> {
    const { rows } = await this.pool.query<{ facts: ReportOrder }>(
      `SELECT facts FROM ${QUERY_TABLES.reportFacts} WHERE site_id = $1 AND work_order_id = ANY($2::uuid[])`,
      [siteId, workOrderIds],
    );
    const byId = new Map(rows.map(({ facts }) => [facts.workOrderId, facts]));
    return workOrderIds.flatMap((id) => byId.get(id) ?? []);
  }

  /** Orders reported in [since, until) by local month ("YYYY-MM" in the zone) and category. */
  async receivedByMonth(siteId: string, since: Date, until: Date, timeZone: string): Promise<MonthCount[]> {
    const { rows } = await this.pool.query<{ month: string; category: string | null; received: string }>(
      `SELECT to_char(to_timestamp(reported_at / 1000.0) AT TIME ZONE $4, 'YYYY-MM') AS month, category,
         count(*) AS received
       FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at >= $2 AND reported_at < $3
       GROUP BY 1, 2`,
      [siteId, since.getTime(), until.getTime(), timeZone],
    );
    return rows.map((r) => ({ month: r.month, category: r.category, received: Number(r.received) }));
  }
}
