import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** A query_work_orders row as pg returns it: snake_case columns, timestamps as Date. */
export type WorkOrderRow = Record<string, unknown>;

/** A query_timeline row as pg returns it. */
export interface TimelineRow {
  readonly event_id: string;
  readonly event_type: string;
  readonly occurred_at: Date;
  readonly source: string;
  readonly actor: string | null;
  readonly correlation_id: string | null;
  readonly causation_id: string | null;
  readonly data: unknown;
  /** The event's chain link as published (docs/adr/0033-tamper-evident-event-chain.md); null before the chain. */
  readonly chain_hash?: string | null;
  readonly chain_prev_hash?: string | null;
}

/**
 * A timeline entry as GET /v1/work-orders/{id}/timeline reads it (docs/adr/0047-timeline-data-written-as-shown.md):
 * the event's id, type, instant in ISO 8601, source, actor, correlation and causation ids, and its data as JSON text
 * as the caller is shown it, written when the event was projected; a row stored before that has no text (null) and
 * its parsed jsonb instead (otherwise null); last, the order's site.
 */
export type TimelineEntryColumns = [
  eventId: string,
  type: string,
  occurredAt: string,
  source: string,
  actor: string | null,
  correlationId: string | null,
  causationId: string | null,
  dataText: string | null,
  data: unknown,
  siteId: string,
];

/** TimelineRow's columns: not the data's texts (ADR 47), which only the timeline's answer reads. */
const TIMELINE_ROW_COLUMNS = [
  'event_id',
  'event_type',
  'occurred_at',
  'source',
  'actor',
  'correlation_id',
  'causation_id',
  'data',
  'chain_hash',
  'chain_prev_hash',
];

/** What a list of orders is narrowed by; an absent filter does not narrow it. */
export interface WorkOrderFilter {
  readonly site?: string;
  readonly status?: string;
  readonly owner?: string;
  readonly building?: string;
  readonly category?: string;
  readonly tier?: string;
  readonly openedFrom?: string;
  readonly openedTo?: string;
  readonly closedFrom?: string;
  readonly closedTo?: string;
  readonly causedBy?: string;
  /** Only these sites (a caller's visible sites); undefined for every site. */
  readonly sites?: readonly string[];
  readonly callbackDue?: boolean;
  readonly closure?: string;
  readonly limit: number;
}

/** Each filter is one clause; absent filters drop out, so one statement serves every combination. */
const LIST_SQL = `SELECT * FROM query_work_orders
  WHERE ($1::text IS NULL OR site_id = $1)
    AND ($2::text IS NULL OR status = $2)
    AND ($3::text IS NULL OR owner_id = $3)
    AND ($4::text IS NULL OR building = $4)
    AND ($5::text IS NULL OR category = $5)
    AND ($6::text IS NULL OR tier = $6)
    AND ($7::timestamptz IS NULL OR reported_at >= $7)
    AND ($8::timestamptz IS NULL OR reported_at < $8)
    AND ($9::timestamptz IS NULL OR closed_at >= $9)
    AND ($10::timestamptz IS NULL OR closed_at < $10)
    AND ($11::text IS NULL OR work_order_id IN (SELECT work_order_id FROM query_timeline WHERE causation_id = $11))
    AND ($13::text[] IS NULL OR site_id = ANY($13))
    AND ($14::boolean IS NULL OR (status = 'resolved' AND callback_requested_at IS NOT NULL) = $14)
    AND ($15::text IS NULL OR close_outcome = $15)
  ORDER BY reported_at DESC, number DESC
  LIMIT $12`;

/** The open orders of a site whose next unmet, running deadline is nearest (overdue ones first). */
const AT_RISK_SQL = `SELECT *, LEAST(
          CASE WHEN response_met_at IS NULL THEN response_due_at END,
          CASE WHEN resolution_met_at IS NULL AND sla_paused_since IS NULL THEN resolution_due_at END) AS next_due_at
   FROM query_work_orders
   WHERE site_id = $1 AND status NOT IN ('closed', 'cancelled') AND NOT sla_stopped AND response_due_at IS NOT NULL
     AND (response_met_at IS NULL OR (resolution_met_at IS NULL AND sla_paused_since IS NULL))
   ORDER BY next_due_at ASC
   LIMIT $2`;

/**
 * The columns of TimelineEntryColumns, the site last (its caller must see it), in the order of q_timeline_work_order. The instant is written by PostgreSQL as Date#toISOString writes it (every stored
 * instant lies between the years 2000 and 2100, docs/adr/0017-one-input-policy-at-the-edge.md), and the data as its
 * caller is shown it ($3: whether they see full phone numbers), as the projection wrote it (ADR 47); only a row stored
 * before that has its jsonb read instead.
 */
const TIMELINE_ENTRIES_SQL = `SELECT t.event_id, t.event_type,
         to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), t.source, t.actor,
         t.correlation_id, t.causation_id,
         CASE WHEN $3 THEN t.data_text ELSE coalesce(t.masked_data_text, t.data_text) END,
         CASE WHEN t.data_text IS NULL THEN t.data END,
         o.site_id
   FROM query_work_orders o JOIN query_timeline t ON t.work_order_id = o.work_order_id
   WHERE o.work_order_id = $1 AND ($2::timestamptz IS NULL OR t.occurred_at <= $2)
   ORDER BY t.sequence NULLS LAST, t.arrival`;

/** Reads the supervisors' read side: the order rows and timelines the projection keeps. */
@Injectable()
export class WorkOrderViewsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(workOrderId: string): Promise<WorkOrderRow | undefined> {
    const { rows } = await this.pool.query<WorkOrderRow>('SELECT * FROM query_work_orders WHERE work_order_id = $1', [
      workOrderId,
    ]);
    return rows[0];
  }

  async list(filter: WorkOrderFilter): Promise<WorkOrderRow[]> {
    const { rows } = await this.pool.query<WorkOrderRow>(LIST_SQL, [
      filter.site ?? null,
      filter.status ?? null,
      filter.owner ?? null,
      filter.building ?? null,
      filter.category ?? null,
      filter.tier ?? null,
      filter.openedFrom ?? null,
      filter.openedTo ?? null,
      filter.closedFrom ?? null,
      filter.closedTo ?? null,
      filter.causedBy ?? null,
      filter.limit,
      filter.sites ?? null,
      filter.callbackDue ?? null,
      filter.closure ?? null,
    ]);
    return rows;
  }

  /** An order's timeline in store order (events without a store position last, by arrival). */
  async timeline(workOrderId: string): Promise<TimelineRow[]> {
    const { rows } = await this.pool.query<TimelineRow>(
      `SELECT ${TIMELINE_ROW_COLUMNS.join(', ')} FROM query_timeline WHERE work_order_id = $1 ORDER BY sequence NULLS LAST, arrival`,
      [workOrderId],
    );
    return rows;
  }

  /**
   * What GET /v1/work-orders/{id}/timeline shows, in one round trip: the order's site (an order's site never changes)
   * with its timeline in store order, up to `asOf` when given, its data as a caller who sees full phone numbers or
   * not is shown it; undefined when the order or its timeline is not there.
   */
  async siteAndTimeline(
    workOrderId: string,
    asOf: Date | undefined,
    fullPhone: boolean,
  ): Promise<{ siteId: string; entries: TimelineEntryColumns[] } | undefined> {
    // Rows as arrays: 200 entries are read into 200 objects fewer.
    const { rows } = await this.pool.query<TimelineEntryColumns>({
      text: TIMELINE_ENTRIES_SQL,
      values: [workOrderId, asOf ?? null, fullPhone],
      rowMode: 'array',
    });
    const first = rows[0];
    return first && { siteId: first[9], entries: rows };
  }

  /** An order's timeline up to an instant: the events that had occurred by then, in store order. */
  async timelineAsOf(workOrderId: string, asOf: Date): Promise<TimelineRow[]> {
    const { rows } = await this.pool.query<TimelineRow>(
      `SELECT ${TIMELINE_ROW_COLUMNS.join(', ')} FROM query_timeline WHERE work_order_id = $1 AND occurred_at <= $2
       ORDER BY sequence NULLS LAST, arrival`,
      [workOrderId, asOf],
    );
    return rows;
  }

  /**
   * The timelines, up to an instant, of a site's orders reported by then (an order's site never changes), each in
   * store order: what the board of that instant is folded from.
   */
  async siteTimelinesAsOf(siteId: string, asOf: Date): Promise<Map<string, TimelineRow[]>> {
    const { rows } = await this.pool.query<TimelineRow & { work_order_id: string }>(
      `SELECT t.work_order_id, ${TIMELINE_ROW_COLUMNS.map((c) => `t.${c}`).join(', ')} FROM query_timeline t
       JOIN query_work_orders o ON o.work_order_id = t.work_order_id
       WHERE o.site_id = $1 AND o.reported_at <= $2 AND t.occurred_at <= $2
       ORDER BY t.work_order_id, t.sequence NULLS LAST, t.arrival`,
      [siteId, asOf],
    );
    const timelines = new Map<string, TimelineRow[]>();
    for (const row of rows) {
      const timeline = timelines.get(row.work_order_id) ?? [];
      timeline.push(row);
      timelines.set(row.work_order_id, timeline);
    }
    return timelines;
  }

  async atRisk(siteId: string, limit: number): Promise<(WorkOrderRow & { next_due_at: Date })[]> {
    const { rows } = await this.pool.query<WorkOrderRow & { next_due_at: Date }>(AT_RISK_SQL, [siteId, limit]);
    return rows;
  }
}
