import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { QUERY_TABLES, REPORT_ROW_COLUMNS } from '../projection/work-order-rows.repository';
import { MonthCount, PlaceRow } from './hot-spots';
import { ReportOrder } from './report-order';
import { ReportRow } from './report-row';

type RowColumns = typeof REPORT_ROW_COLUMNS;

/**
 * A row read as one JSON array of its columns: pg parses a PostgreSQL array in JavaScript, a character at a time,
 * and a row has fifteen; JSON it parses natively, several times faster, and an array of values is a third of the
 * text an object with the names would be. The bigint instants fit JSON's numbers exactly (to 2^53 ms, the year
 * 287,396). Most lists are empty: they come as null and share one empty array, so a twelve-month report does not
 * make (and collect) several hundred thousand of them.
 */
const jsonArrayOf = (columns: RowColumns): string =>
  `json_build_array(${columns.map(([, column, list]) => (list ? `NULLIF(${column}, '{}')` : column)).join(', ')})`;
const NONE: readonly never[] = Object.freeze([]);
const rowFrom =
  (columns: RowColumns) =>
  (values: readonly unknown[]): unknown => {
    const row: Record<string, unknown> = {};
    columns.forEach(([key, , list], i) => (row[key] = values[i] ?? (list ? NONE : null)));
    return row;
  };

const PLACE_KEYS: readonly string[] = [
  'workOrderId',
  'number',
  'category',
  'building',
  'unit',
  'reportedAt',
  'closedAt',
] satisfies (keyof PlaceRow)[];
const PLACE_COLUMNS = REPORT_ROW_COLUMNS.filter(([key]) => PLACE_KEYS.includes(key));
const ROWS = { json: jsonArrayOf(REPORT_ROW_COLUMNS), rowOf: rowFrom(REPORT_ROW_COLUMNS) };
const PLACES = { json: jsonArrayOf(PLACE_COLUMNS), rowOf: rowFrom(PLACE_COLUMNS) };

/** Reads the reports' rows (query_report_orders) and facts (query_report_facts), written by the projection beside the order rows. */
@Injectable()
export class ReportOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Every order of a site that can count in a report over [since, until): reported before `until`, and either
   * still open or with a step on or after `since`.
   */
  async ordersFor(siteId: string, since: Date, until: Date): Promise<ReportRow[]> {
    return this.rowsFor(ROWS, siteId, since, until);
  }

  /** The same orders as `ordersFor`, only where and what each was and when it was reported and closed. */
  async placesFor(siteId: string, since: Date, until: Date): Promise<PlaceRow[]> {
    return this.rowsFor(PLACES, siteId, since, until);
  }

  private async rowsFor<Row>(
    read: { readonly json: string; readonly rowOf: (values: readonly unknown[]) => unknown },
    siteId: string,
    since: Date,
    until: Date,
  ): Promise<Row[]> {
    const { rows } = await this.pool.query<{ row: unknown[] }>(
      `SELECT ${read.json} AS row FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at < $3 AND (ended_at IS NULL OR last_step_at >= $2)`,
      [siteId, since.getTime(), until.getTime()],
    );
    return rows.map((r) => read.rowOf(r.row) as Row);
  }

  /**
   * The folds of the orders a monthly report over [since, until) quotes a line of: a target missed in it, a close
   * in it with the resident's comment, or a callback requested in it and not answered by its end. Every such step
   * is the order's last or came before it, so the index on the last step finds them; their facts are then read
   * by key (a join would read every order's). Read beside the rows, not after them.
   */
  async factsQuotedIn(siteId: string, since: Date, until: Date): Promise<ReportOrder[]> {
    const { rows } = await this.pool.query<{ facts: ReportOrder }>(
      `SELECT f.facts FROM unnest(ARRAY(SELECT o.work_order_id FROM ${QUERY_TABLES.reportOrders} o
       WHERE o.site_id = $1 AND o.last_step_at >= $2 AND o.reported_at < $3 AND (
         (NOT o.response_met AND o.response_verdict_at >= $2 AND o.response_verdict_at < $3)
         OR EXISTS (SELECT FROM unnest(o.resolution_verdict_at, o.resolution_met) AS v(at, met)
                    WHERE NOT v.met AND v.at >= $2 AND v.at < $3)
         OR EXISTS (SELECT FROM unnest(o.closed_at, o.close_commented) AS c(at, commented)
                    WHERE c.commented AND c.at >= $2 AND c.at < $3)
         OR EXISTS (SELECT FROM unnest(o.callback_requested_at) AS r(at)
                    WHERE r.at >= $2 AND r.at < $3 AND NOT EXISTS (
                      SELECT FROM unnest(o.closed_at || o.reopened_at || o.rejected_at) AS answer(at)
                      WHERE answer.at >= r.at AND answer.at < $3)))
       ORDER BY o.reported_at, o.work_order_id)) WITH ORDINALITY AS quoted(work_order_id, n)
       JOIN ${QUERY_TABLES.reportFacts} f USING (work_order_id)
       ORDER BY quoted.n`,
      [siteId, since.getTime(), until.getTime()],
    );
    return rows.map((r) => r.facts);
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
