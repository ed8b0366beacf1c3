import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { QUERY_TABLES, REPORT_ROW_COLUMNS } from '../projection/work-order-rows.repository';
import { MonthCount, PlaceRow } from './hot-spots';
import { ReportOrder } from './report-order';
import { ReportRow } from './report-row';

/**
 * The row as one JSON object: pg parses a PostgreSQL array in JavaScript, a character at a time, and a row has
 * fifteen; JSON it parses natively, several times faster. The bigint instants fit JSON's numbers exactly (to 2^53
 * ms, the year 287,396). Most lists are empty: they come as null and share one empty array, so a twelve-month
 * report does not make (and collect) several hundred thousand of them.
 */
const jsonOf = (columns: typeof REPORT_ROW_COLUMNS): string =>
  `json_build_object(${columns
    .map(([key, column, list]) => `'${key}', ${list ? `NULLIF(${column}, '{}')` : column}`)
    .join(', ')})`;
const ROW_AS_JSON = jsonOf(REPORT_ROW_COLUMNS);
const PLACE_KEYS: readonly (keyof PlaceRow)[] = [
  'workOrderId',
  'number',
  'category',
  'building',
  'unit',
  'reportedAt',
  'closedAt',
];
const PLACE_AS_JSON = jsonOf(REPORT_ROW_COLUMNS.filter(([key]) => (PLACE_KEYS as readonly string[]).includes(key)));
const LISTS = REPORT_ROW_COLUMNS.flatMap(([key, , list]) => (list ? [key] : []));
const NONE: readonly never[] = Object.freeze([]);
const rowOf = (row: Record<string, unknown>): unknown => {
  for (const key of LISTS) if (key in row) row[key] ??= NONE;
  return row;
};

/** Reads the reports' rows (query_report_orders) and facts (query_report_facts), written by the projection beside the order rows. */
@Injectable()
export class ReportOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Every order of a site that can count in a report over [since, until): reported before `until`, and either
   * still open or with a step on or after `since`.
   */
  async ordersFor(siteId: string, since: Date, until: Date): Promise<ReportRow[]> {
    return this.rowsFor(ROW_AS_JSON, siteId, since, until);
  }

  /** The same orders as `ordersFor`, only where and what each was and when it was reported and closed. */
  async placesFor(siteId: string, since: Date, until: Date): Promise<PlaceRow[]> {
    return this.rowsFor(PLACE_AS_JSON, siteId, since, until);
  }

  private async rowsFor<Row>(rowAsJson: string, siteId: string, since: Date, until: Date): Promise<Row[]> {
    const { rows } = await this.pool.query<{ row: Record<string, unknown> }>(
      `SELECT ${rowAsJson} AS row FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at < $3 AND (ended_at IS NULL OR last_step_at >= $2)`,
      [siteId, since.getTime(), until.getTime()],
    );
    return rows.map((r) => rowOf(r.row) as Row);
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
