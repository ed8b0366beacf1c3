import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, QueryResultRow } from 'pg';
import { DAY_MS } from '@closeloop/contracts';
import { QUERY_TABLES } from '../projection/work-order-rows.repository';
import { CellCount, MonthCount, REPEAT_WITHIN_DAYS, RepeatPair } from './hot-spots';
import { QUOTED_FIELDS, QuotedOrder } from './report-order';
import { ReportWindow } from './report-window';
import { AttributeGrouping, EMPTY_TALLY, ServiceLevelTally, SpanTally, WindowTallies } from './service-levels';

// ---- Service levels, counted in SQL -----------------------------------------------------------------------------
// Every figure is counted where the rows are: a twelve-month report moves a few rows of numbers, not 60,000 orders
// into Node (docs/adr/0023). The windows come as two arrays ($2 starts, $3 ends, ms since the epoch); an order counts
// in a window when it was reported before the window's end and has a step in or after it, or is still open. Each
// window is counted on its own (a lateral subquery), so PostgreSQL aggregates each window's orders as it reads them
// instead of sorting every (order, window) row of the report by window first. Per order and window, the steps the
// figures turn on (the close standing at the end, the last close in the window…) are worked out once: OFFSET 0 keeps
// PostgreSQL from copying them into every aggregate that reads them. Most orders are plain (migration 0050: closed,
// resolved and given a verdict at most once, never reopened or rejected), and for them each step is a comparison of
// the first instant of a list, which the row stores, with the window; the others are read from their lists. The
// definitions are those of docs/reports.md, line for line; reports.int.spec.ts checks these tallies against the same
// figures counted in memory over the same orders.

/**
 * The orders that count in window `p`: reported before its end, and with a step in or after it, or still open. That
 * is the order's span, from its report to its last step (unbounded while open), overlapping the window, which the
 * GiST indexes of migrations 0044 and 0050 find without reading the orders of the months around it.
 */
const SPAN_OVERLAPS_WINDOW = `int8range(o.reported_at, CASE WHEN o.ended_at IS NULL THEN NULL ELSE o.last_step_at END, '[]')
      && int8range(p.s, p.e)`;
const WINDOWS = `unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS p(s, e, part)`;

/** Whether an instant falls in the window (null when the instant is). */
const within = (instant: string): string => `${instant} >= p.s AND ${instant} < p.e`;

/**
 * A step of an order in the window, worked out from the row's first instants (`firsts`) where they tell it all: the
 * order is plain, or the lists this step reads are short enough (`short`); else from the lists themselves.
 */
const step = (firsts: string, short: string, lists: string): string =>
  `CASE WHEN o.plain OR ${short} THEN ${firsts} ELSE ${lists} END`;

/** How many of a list's instants fall in the window. */
const countWithin = (first: string, list: string): string =>
  step(
    `coalesce((${within(first)})::int, 0)`,
    `cardinality(${list}) <= 1`,
    `(SELECT count(*) FROM unnest(${list}) x WHERE ${within('x')})::int`,
  );

/** The instant of the step of a list that stands at the window's end (report-row.ts, standingIndex), or null. */
const standingAtEnd = (first: string, list: string): string =>
  step(
    `CASE WHEN ${first} < p.e THEN ${first} END`,
    `cardinality(${list}) <= 1 AND cardinality(o.reopened_at) = 0`,
    `(SELECT CASE WHEN NOT EXISTS (SELECT FROM unnest(o.reopened_at) r WHERE r < p.e AND r > l.at) THEN l.at END
      FROM unnest(${list}) WITH ORDINALITY l(at, i) WHERE l.at < p.e ORDER BY l.i DESC LIMIT 1)`,
  );

/** Escalation steps at a level in the window, read from the first two where there are no more. */
const escalatedAtLevel = (level: number): string =>
  step(
    ['first', 'second']
      .map((n) => `coalesce((${within(`o.${n}_escalated_at`)} AND o.${n}_escalation_level = ${level})::int, 0)`)
      .join(' + '),
    'cardinality(o.escalated_at) <= 2',
    `(SELECT count(*) FROM unnest(o.escalated_at, o.escalation_levels) x(at, level)
      WHERE ${within('x.at')} AND x.level = ${level})::int`,
  );

/** Seconds from one instant (ms) to another, rounded half up as Math.round rounds. */
const seconds = (from: string, to: string): string => `floor((${to} - ${from} + 500)::float8 / 1000)`;

/** Per order counting in window `p`: the group, and the steps the figures turn on. */
const steps = (key: string): string => `SELECT ${key} AS key, o.plain, o.reported_at, o.priority_lane,
    o.acknowledged_at, o.closed_at, o.close_ratings, o.first_close_rating, o.reopened_at, o.rejected_at,
    o.response_met,
    o.reported_at >= p.s AS received,
    coalesce(o.cancelled_at < p.e, false) AS cancelled_by_end,
    coalesce(${within('o.cancelled_at')}, false) AS cancelled,
    coalesce(${within('o.response_verdict_at')}, false) AS response_verdict,
    ${standingAtEnd('o.first_closed_at', 'o.closed_at')} AS standing_close,
    ${standingAtEnd('o.first_resolved_at', 'o.resolved_at')} AS standing_resolution,
    ${step(
      `CASE WHEN ${within('o.first_closed_at')} THEN 1 END`,
      'cardinality(o.closed_at) <= 1',
      `(SELECT max(l.i) FROM unnest(o.closed_at) WITH ORDINALITY l(at, i) WHERE ${within('l.at')})`,
    )} AS close_index,
    ${step(
      `CASE WHEN ${within('o.first_resolved_at')} THEN o.first_resolved_at END`,
      'cardinality(o.resolved_at) <= 1',
      `(SELECT l.at FROM unnest(o.resolved_at) WITH ORDINALITY l(at, i) WHERE ${within('l.at')} ORDER BY l.i LIMIT 1)`,
    )} AS first_resolved,
    ${countWithin('o.first_resolution_verdict_at', 'o.resolution_verdict_at')} AS resolution_verdicts,
    ${step(
      `coalesce((${within('o.first_resolution_verdict_at')} AND o.first_resolution_met)::int, 0)`,
      'cardinality(o.resolution_verdict_at) <= 1',
      `(SELECT count(*) FROM unnest(o.resolution_verdict_at, o.resolution_met) v(at, met)
        WHERE ${within('v.at')} AND v.met)::int`,
    )} AS resolution_met,
    ${countWithin('o.first_callback_requested_at', 'o.callback_requested_at')} AS callbacks,
    ${step(
      `coalesce((${within('o.first_callback_requested_at')}
        AND o.first_closed_at >= o.first_callback_requested_at AND o.first_closed_at < p.e)::int, 0)`,
      `cardinality(o.callback_requested_at) <= 1 AND cardinality(o.closed_at) <= 1
        AND cardinality(o.reopened_at) + cardinality(o.rejected_at) = 0`,
      `(SELECT count(*) FROM unnest(o.callback_requested_at) r WHERE ${within('r')} AND EXISTS (
        SELECT FROM unnest(o.closed_at || o.reopened_at || o.rejected_at) a WHERE a >= r AND a < p.e))::int`,
    )} AS callbacks_done,
    ${[1, 2, 3].map((level) => `${escalatedAtLevel(level)} AS escalations_${level}`).join(',\n    ')},
    ${countWithin('o.first_duplicate_linked_at', 'o.duplicate_linked_at')} AS duplicates_linked,
    ${countWithin('o.first_follow_up_at', 'o.follow_up_at')} AS follow_ups
  FROM ${QUERY_TABLES.reportOrders} o WHERE o.site_id = $1 AND ${SPAN_OVERLAPS_WINDOW}`;

/**
 * The tallies of each window (`part`, from 1), of the whole site (`total`) and, grouped, of each group (`key`); a
 * window in which nothing counts has no row.
 */
const figuresQuery = (key: string, grouped: boolean): string => `SELECT p.part::int, t.* FROM ${WINDOWS}
  CROSS JOIN LATERAL (SELECT ${grouped ? 'key, GROUPING(key) = 1' : 'NULL AS key, true'} AS total,
    count(*) FILTER (WHERE received)::int AS received,
    count(*) FILTER (WHERE received AND priority_lane)::int AS priority_lane,
    count(*) FILTER (WHERE cohort)::int AS cohort,
    count(*) FILTER (WHERE cohort AND closed_at_end)::int AS closed_loop,
    count(ack_span)::int AS ack_count, coalesce(sum(ack_span), 0) AS ack_sum,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_span) AS ack_median,
    count(resolve_span)::int AS resolve_count, coalesce(sum(resolve_span), 0) AS resolve_sum,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_span) AS resolve_median,
    count(*) FILTER (WHERE closed)::int AS closed,
    count(*) FILTER (WHERE first_time_fixed)::int AS first_time_fixed,
    ARRAY[${[1, 2, 3, 4, 5].map((n) => `count(*) FILTER (WHERE rating = ${n})`).join(', ')}]::int[] AS stars,
    count(rating)::int AS rated, coalesce(sum(rating), 0)::int AS rating_sum,
    count(*) FILTER (WHERE cancelled)::int AS cancelled,
    count(*) FILTER (WHERE resolved)::int AS resolved,
    count(*) FILTER (WHERE reopened)::int AS reopened,
    count(backlog_age)::int AS open,
    percentile_disc(0.5) WITHIN GROUP (ORDER BY backlog_age) AS backlog_p50,
    percentile_disc(0.9) WITHIN GROUP (ORDER BY backlog_age) AS backlog_p90,
    max(backlog_age) AS backlog_max,
    count(*) FILTER (WHERE response_verdict)::int AS response_verdicts,
    count(*) FILTER (WHERE response_verdict AND response_met)::int AS response_met,
    sum(resolution_verdicts)::int AS resolution_verdicts, sum(resolution_met)::int AS resolution_met,
    sum(callbacks)::int AS callbacks, sum(callbacks_done)::int AS callbacks_done,
    ARRAY[sum(escalations_1), sum(escalations_2), sum(escalations_3)]::int[] AS escalations,
    sum(duplicates_linked)::int AS duplicates_linked, sum(follow_ups)::int AS follow_ups
  FROM (
    SELECT key, received, priority_lane, cancelled, response_verdict, response_met, resolution_verdicts,
      resolution_met, callbacks, callbacks_done, escalations_1, escalations_2, escalations_3, duplicates_linked,
      follow_ups,
      received AND NOT cancelled_by_end AS cohort,
      standing_close IS NOT NULL AS closed_at_end,
      CASE WHEN received AND NOT cancelled_by_end AND acknowledged_at < p.e
        THEN ${seconds('reported_at', 'acknowledged_at')} END AS ack_span,
      CASE WHEN received AND NOT cancelled_by_end THEN ${seconds('reported_at', 'standing_resolution')} END
        AS resolve_span,
      CASE WHEN NOT cancelled_by_end AND standing_close IS NULL THEN ${seconds('reported_at', 'p.e')} END
        AS backlog_age,
      close_index IS NOT NULL AS closed,
      close_index IS NOT NULL AND (plain OR cardinality(reopened_at) + cardinality(rejected_at) = 0 OR NOT EXISTS (
        SELECT FROM unnest(reopened_at || rejected_at) x WHERE x < closed_at[close_index])) AS first_time_fixed,
      CASE WHEN plain THEN CASE WHEN close_index IS NOT NULL THEN first_close_rating END
        ELSE close_ratings[close_index] END AS rating,
      first_resolved IS NOT NULL AS resolved,
      NOT plain AND first_resolved IS NOT NULL AND cardinality(reopened_at) > 0
        AND EXISTS (SELECT FROM unnest(reopened_at) r WHERE r < p.e AND r > first_resolved) AS reopened
    FROM (${steps(key)} OFFSET 0) s
    OFFSET 0
  ) counted
  ${grouped ? 'GROUP BY GROUPING SETS ((), (key))' : ''}
  HAVING count(*) > 0) t`;

/** The alerts raised in each window, and raised → acknowledged of those acknowledged by its end. */
const alertsQuery = (key: string, grouped: boolean): string => `SELECT part::int,
    ${grouped ? 'key, GROUPING(key) = 1' : 'NULL AS key, true'} AS total,
    count(*)::int AS alerts, count(ack_span)::int AS ack_count, coalesce(sum(ack_span), 0) AS ack_sum,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_span) AS ack_median
  FROM (
    SELECT ${key} AS key, p.part, CASE WHEN a.acknowledged < p.e THEN ${seconds('a.raised', 'a.acknowledged')} END
      AS ack_span
    FROM ${WINDOWS} JOIN ${QUERY_TABLES.reportOrders} o ON o.site_id = $1 AND ${SPAN_OVERLAPS_WINDOW}
      AND cardinality(o.alert_raised_at) > 0
    CROSS JOIN LATERAL unnest(o.alert_raised_at, o.alert_acknowledged_at) a(raised, acknowledged)
    WHERE ${within('a.raised')}
  ) raised
  GROUP BY ${grouped ? 'GROUPING SETS ((part), (part, key))' : 'part'}`;

/** The column of each attribute a report groups by. */
const GROUP_COLUMNS: Readonly<Record<AttributeGrouping, string>> = {
  tier: 'o.tier',
  category: 'o.category',
  building: 'o.building',
  team: 'o.team_id',
  technician: 'o.technician_id',
  channel: 'o.channel',
};
const statementsFor = (key: string, grouped: boolean) => ({
  figures: figuresQuery(key, grouped),
  alerts: alertsQuery(key, grouped),
});
const GROUPINGS: Readonly<Record<AttributeGrouping | 'none', { figures: string; alerts: string }>> = {
  none: statementsFor('NULL::text', false),
  ...(Object.fromEntries(
    Object.entries(GROUP_COLUMNS).map(([attribute, column]) => [attribute, statementsFor(column, true)]),
  ) as Record<AttributeGrouping, { figures: string; alerts: string }>),
};

/**
 * How many statements a report's windows are counted by at once, each on a connection of its own: one statement
 * runs on one core, and a twelve-month report by month spends most of a second of CPU on its 24 windows.
 */
const CONCURRENT_STATEMENTS = 2;

/**
 * The windows (by index) each statement counts: the longest first, each to the statement with the least time so
 * far, as a window's orders grow with its days.
 */
const shares = (windows: readonly ReportWindow[]): number[][] => {
  const statements = Array.from({ length: Math.min(CONCURRENT_STATEMENTS, windows.length) }, () => ({
    length: 0,
    windows: [] as number[],
  }));
  const longestFirst = windows.map((w, i) => ({ i, length: w.end - w.start })).sort((a, b) => b.length - a.length);
  for (const { i, length } of longestFirst) {
    const lightest = statements.reduce((a, b) => (b.length < a.length ? b : a));
    lightest.windows.push(i);
    lightest.length += length;
  }
  return statements.map((s) => s.windows);
};

interface TallyKey {
  readonly part: number;
  readonly key: string | null;
  readonly total: boolean;
}
interface TallyRow extends TallyKey {
  readonly [figure: string]: unknown;
}
interface AlertTallyRow extends TallyKey {
  readonly alerts: number;
  readonly ack_count: number;
  readonly ack_sum: number;
  readonly ack_median: number | null;
}
const tallyKey = ({ part, key, total }: TallyKey): string => JSON.stringify([part, key, total]);

const spans = (row: Readonly<Record<string, unknown>>, prefix: string): SpanTally => ({
  count: row[`${prefix}_count`] as number,
  sum: row[`${prefix}_sum`] as number,
  median: row[`${prefix}_median`] as number | null,
});

const tallyOf = (row: TallyRow, alerts: AlertTallyRow | undefined): ServiceLevelTally => {
  const n = (column: string): number => row[column] as number;
  return {
    received: n('received'),
    priorityLane: n('priority_lane'),
    cohort: n('cohort'),
    closedLoop: n('closed_loop'),
    ackSpans: spans(row, 'ack'),
    resolveSpans: spans(row, 'resolve'),
    closed: n('closed'),
    firstTimeFixed: n('first_time_fixed'),
    stars: row['stars'] as number[],
    rated: n('rated'),
    ratingSum: n('rating_sum'),
    cancelled: n('cancelled'),
    resolved: n('resolved'),
    reopened: n('reopened'),
    backlog: {
      open: n('open'),
      p50: row['backlog_p50'] as number | null,
      p90: row['backlog_p90'] as number | null,
      max: row['backlog_max'] as number | null,
    },
    responseVerdicts: n('response_verdicts'),
    responseMet: n('response_met'),
    resolutionVerdicts: n('resolution_verdicts'),
    resolutionMet: n('resolution_met'),
    callbacks: n('callbacks'),
    callbacksDone: n('callbacks_done'),
    escalations: row['escalations'] as number[],
    alerts: alerts?.alerts ?? 0,
    alertAckSpans: alerts ? spans(alerts as unknown as Record<string, unknown>, 'ack') : EMPTY_TALLY.alertAckSpans,
    duplicatesLinked: n('duplicates_linked'),
    followUpContacts: n('follow_ups'),
  };
};

/** Reads the reports' rows (query_report_orders) and facts (query_report_facts), written by the projection beside the order rows. */
@Injectable()
export class ReportOrdersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  private async read<R extends QueryResultRow>(text: string, values: readonly unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values as unknown[])).rows;
  }

  /** Orders received by category × building in a window and in the window before it (which ends where it starts). */
  async hotSpotCells(siteId: string, window: ReportWindow, previous: ReportWindow): Promise<CellCount[]> {
    const rows = await this.read<CellCount>(
      `SELECT category, building, count(*) FILTER (WHERE reported_at >= $3)::int AS received,
         count(*) FILTER (WHERE reported_at < $3)::int AS previous
       FROM ${QUERY_TABLES.reportOrders}
       WHERE site_id = $1 AND reported_at >= $2 AND reported_at < $4
       GROUP BY category, building`,
      [siteId, previous.start, window.start, window.end],
    );
    return rows;
  }

  /**
   * The repeat complaints of a window: each order reported in it with a unit and a category, and the latest close
   * of another order at the same building, unit and category in the 30 days up to that report. A close in them
   * is on or after the window's start less 30 days, so the index on the last step finds the earlier orders.
   */
  async repeatComplaints(siteId: string, window: ReportWindow): Promise<RepeatPair[]> {
    const rows = await this.read<{
      building: string | null;
      unit: string;
      category: string;
      number: string;
      reported_at: string;
      earlier_number: string;
      closed_at: string;
    }>(
      `SELECT DISTINCT ON (later.work_order_id) later.building, later.unit, later.category, later.number,
         later.reported_at, earlier.number AS earlier_number, closed.at AS closed_at
       FROM ${QUERY_TABLES.reportOrders} later
       JOIN ${QUERY_TABLES.reportOrders} earlier ON earlier.site_id = later.site_id AND earlier.unit = later.unit
         AND earlier.category = later.category AND earlier.building IS NOT DISTINCT FROM later.building
         AND earlier.work_order_id <> later.work_order_id AND earlier.last_step_at >= $2::bigint - $4
       CROSS JOIN LATERAL unnest(earlier.closed_at) AS closed(at)
       WHERE later.site_id = $1 AND later.reported_at >= $2 AND later.reported_at < $3
         AND closed.at <= later.reported_at AND later.reported_at - closed.at <= $4
       ORDER BY later.work_order_id, closed.at DESC, earlier.reported_at, earlier.work_order_id`,
      [siteId, window.start, window.end, REPEAT_WITHIN_DAYS * DAY_MS],
    );
    return rows.map((r) => ({
      building: r.building,
      unit: r.unit,
      category: r.category,
      earlier: { number: r.earlier_number, closedAt: Number(r.closed_at) },
      later: { number: r.number, reportedAt: Number(r.reported_at) },
    }));
  }

  /**
   * The tallies of every figure of a site over each window (docs/reports.md), counted in SQL over the rows that can
   * count in it, for the whole site and, with an attribute, for each group of orders by its current value.
   */
  async serviceLevelTallies(
    siteId: string,
    windows: readonly ReportWindow[],
    attribute: AttributeGrouping | null,
  ): Promise<WindowTallies> {
    const grouping = GROUPINGS[attribute ?? 'none'];
    // A window asked for twice is counted once: a full week's previous period is the week before it.
    const counted: ReportWindow[] = [];
    const partOf = windows.map((w) => {
      const found = counted.findIndex((c) => c.start === w.start && c.end === w.end);
      return found === -1 ? counted.push(w) - 1 : found;
    });
    const valuesOf = (some: readonly ReportWindow[]) => [siteId, some.map((w) => w.start), some.map((w) => w.end)];
    const [figures, alerts] = await Promise.all([
      Promise.all(
        shares(counted).map(async (share) => {
          const rows = await this.read<TallyRow>(
            grouping.figures,
            valuesOf(share.map((i) => counted[i] as ReportWindow)),
          );
          return rows.map((row) => ({ ...row, part: (share[row.part - 1] as number) + 1 }));
        }),
      ),
      this.read<AlertTallyRow>(grouping.alerts, valuesOf(counted)),
    ]);
    const alertsOf = new Map(alerts.map((r) => [tallyKey(r), r]));
    const total: ServiceLevelTally[] = [];
    const groups = new Map<string | null, ServiceLevelTally[]>();
    for (const row of figures.flat()) {
      const tally = tallyOf(row, alertsOf.get(tallyKey(row)));
      if (row.total) total[row.part - 1] = tally;
      else {
        const tallies = groups.get(row.key) ?? [];
        tallies[row.part - 1] = tally;
        groups.set(row.key, tallies);
      }
    }
    return {
      total: partOf.map((i) => total[i] ?? EMPTY_TALLY),
      groups: new Map([...groups].map(([key, tallies]) => [key, partOf.map((i) => tallies[i])])),
    };
  }

  /**
   * What a monthly report over [since, until) reads of the orders it quotes a line of (`QUOTED_FIELDS`): a target
   * missed in it, a close in it with the resident's comment, or a callback requested in it and not answered by its
   * end. Every such step is the order's last or came before it, so the index on the last step finds them. A plain
   * order (migration 0050) is told by its first steps, without reading its lists: most of the month's orders are
   * plain, and reading each list through `unnest` was most of the statement's CPU. Their facts are then read by key
   * (a join would read every order's), each field by subscript, so that PostgreSQL sends and Node parses only what
   * the lines use. Read beside the rows, not after them.
   */
  async factsQuotedIn(siteId: string, since: Date, until: Date): Promise<QuotedOrder[]> {
    return this.read<QuotedOrder>(
      `SELECT ${QUOTED_FIELDS.map((field) => `f.facts -> '${field}' AS "${field}"`).join(', ')}
       FROM unnest(ARRAY(SELECT o.work_order_id FROM ${QUERY_TABLES.reportOrders} o
       WHERE o.site_id = $1 AND o.last_step_at >= $2 AND o.reported_at < $3 AND (
         (NOT o.response_met AND o.response_verdict_at >= $2 AND o.response_verdict_at < $3)
         OR CASE WHEN o.plain THEN
           (NOT o.first_resolution_met AND o.first_resolution_verdict_at >= $2 AND o.first_resolution_verdict_at < $3)
           OR (o.first_closed_at >= $2 AND o.first_closed_at < $3 AND o.close_commented[1])
           OR (o.first_callback_requested_at >= $2 AND o.first_callback_requested_at < $3
               AND NOT coalesce(o.first_closed_at >= o.first_callback_requested_at AND o.first_closed_at < $3, false))
         ELSE
           EXISTS (SELECT FROM unnest(o.resolution_verdict_at, o.resolution_met) AS v(at, met)
                   WHERE NOT v.met AND v.at >= $2 AND v.at < $3)
           OR EXISTS (SELECT FROM unnest(o.closed_at, o.close_commented) AS c(at, commented)
                      WHERE c.commented AND c.at >= $2 AND c.at < $3)
           OR EXISTS (SELECT FROM unnest(o.callback_requested_at) AS r(at)
                      WHERE r.at >= $2 AND r.at < $3 AND NOT EXISTS (
                        SELECT FROM unnest(o.closed_at || o.reopened_at || o.rejected_at) AS answer(at)
                        WHERE answer.at >= r.at AND answer.at < $3))
         END)
       ORDER BY o.reported_at, o.work_order_id)) WITH ORDINALITY AS quoted(work_order_id, n)
       JOIN ${QUERY_TABLES.reportFacts} f USING (work_order_id)
       ORDER BY quoted.n`,
      [siteId, since.getTime(), until.getTime()],
    );
  }

  /** Orders reported in [since, until) by local month ("YYYY-MM" in the zone) and category. */
  async receivedByMonth(siteId: string, since: Date, until: Date, timeZone: string): Promise<MonthCount[]> {
    const rows = await this.read<{ month: string; category: string | null; received: string }>(
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
