import { CloudEvent } from '@closeloop/contracts';
import { PoolClient } from 'pg';
import { ReportOrder } from '../reports/report-order';
import { ReportRow, reportRowOf } from '../reports/report-row';
import { timelineDataTexts } from './timeline-data';
import { WorkOrderView } from './work-order-view';

/** The query service's read models: the timeline and the order rows folded from it. */
export interface QueryTables {
  readonly timeline: string;
  readonly workOrders: string;
  /** The reports' rows (docs/reports.md), folded from the same timeline. */
  readonly reportOrders: string;
  /** Each report row's fold as JSON, for the lines a monthly report quotes. */
  readonly reportFacts: string;
}

export const QUERY_TABLES: QueryTables = {
  timeline: 'query_timeline',
  workOrders: 'query_work_orders',
  reportOrders: 'query_report_orders',
  reportFacts: 'query_report_facts',
};

const VIEW_COLUMNS: readonly [keyof WorkOrderView, string][] = [
  ['workOrderId', 'work_order_id'],
  ['number', 'number'],
  ['siteId', 'site_id'],
  ['building', 'building'],
  ['unit', 'unit'],
  ['channel', 'channel'],
  ['category', 'category'],
  ['description', 'description'],
  ['reporterName', 'reporter_name'],
  ['reporterPhone', 'reporter_phone'],
  ['reporterPhoneDigest', 'reporter_phone_digest'],
  ['tier', 'tier'],
  ['triageRuleId', 'triage_rule_id'],
  ['triageReason', 'triage_reason'],
  ['priorityLane', 'priority_lane'],
  ['status', 'status'],
  ['ownerId', 'owner_id'],
  ['ownerName', 'owner_name'],
  ['ownerSince', 'owner_since'],
  ['technicianId', 'technician_id'],
  ['technicianName', 'technician_name'],
  ['teamId', 'team_id'],
  ['dispatchQueueId', 'dispatch_queue_id'],
  ['reportedAt', 'reported_at'],
  ['assignedAt', 'assigned_at'],
  ['acknowledgedAt', 'acknowledged_at'],
  ['startedAt', 'started_at'],
  ['onHoldReason', 'on_hold_reason'],
  ['heldSeconds', 'held_seconds'],
  ['resolvedAt', 'resolved_at'],
  ['resolutionNotes', 'resolution_notes'],
  ['closedAt', 'closed_at'],
  ['closeOutcome', 'close_outcome'],
  ['rating', 'rating'],
  ['ratingComment', 'rating_comment'],
  ['cancelledReason', 'cancelled_reason'],
  ['reopenCount', 'reopen_count'],
  ['contactCount', 'contact_count'],
  ['contacts', 'contacts'],
  ['callbackRequestedAt', 'callback_requested_at'],
  ['responseDueAt', 'response_due_at'],
  ['resolutionDueAt', 'resolution_due_at'],
  ['responseBreached', 'response_breached'],
  ['resolutionBreached', 'resolution_breached'],
  ['escalationLevel', 'escalation_level'],
  ['responseEscalationLevel', 'response_escalation_level'],
  ['resolutionEscalationLevel', 'resolution_escalation_level'],
  ['responseMetAt', 'response_met_at'],
  ['resolutionMetAt', 'resolution_met_at'],
  ['slaPausedSince', 'sla_paused_since'],
  ['slaPausedSeconds', 'sla_paused_seconds'],
  ['slaStopped', 'sla_stopped'],
  ['responseStartedAt', 'response_started_at'],
  ['resolutionStartedAt', 'resolution_started_at'],
  ['resolutionPausedSeconds', 'resolution_paused_seconds'],
  ['updatedAt', 'updated_at'],
];

/** The report row's columns (migration 0029): every instant in ms since the epoch, lists as PostgreSQL arrays. */
export const REPORT_ROW_COLUMNS: readonly (readonly [keyof ReportRow, string])[] = [
  ['workOrderId', 'work_order_id'],
  ['number', 'number'],
  ['building', 'building'],
  ['unit', 'unit'],
  ['channel', 'channel'],
  ['category', 'category'],
  ['tier', 'tier'],
  ['teamId', 'team_id'],
  ['technicianId', 'technician_id'],
  ['reportedAt', 'reported_at'],
  ['acknowledgedAt', 'acknowledged_at'],
  ['resolvedAt', 'resolved_at'],
  ['reopenedAt', 'reopened_at'],
  ['rejectedAt', 'rejected_at'],
  ['closedAt', 'closed_at'],
  ['closeRatings', 'close_ratings'],
  ['closeCommented', 'close_commented'],
  ['cancelledAt', 'cancelled_at'],
  ['responseVerdictAt', 'response_verdict_at'],
  ['responseMet', 'response_met'],
  ['resolutionVerdictAt', 'resolution_verdict_at'],
  ['resolutionMet', 'resolution_met'],
  ['escalatedAt', 'escalated_at'],
  ['escalationLevels', 'escalation_levels'],
  ['alertRaisedAt', 'alert_raised_at'],
  ['alertAcknowledgedAt', 'alert_acknowledged_at'],
  ['callbackRequestedAt', 'callback_requested_at'],
  ['duplicateLinkedAt', 'duplicate_linked_at'],
  ['followUpAt', 'follow_up_at'],
  ['endedAt', 'ended_at'],
  ['lastStepAt', 'last_step_at'],
  ['priorityLane', 'priority_lane'],
];
/** Written beside the row's columns: the site it belongs to. */
const REPORT_ROW_WRITTEN = [...REPORT_ROW_COLUMNS.map(([, c]) => c), 'site_id'];

interface Statements {
  readonly insertTimeline: string;
  readonly readTimeline: string;
  readonly readTimelines: string;
  readonly upsertViews: string;
  readonly upsertReportOrders: string;
  readonly upsertReportFacts: string;
}

/** The columns of the timeline a stored event fills, with their types (its arrival is drawn as it is inserted). */
const TIMELINE_COLUMNS = [
  ['event_id', 'uuid'],
  ['work_order_id', 'uuid'],
  ['event_type', 'text'],
  ['occurred_at', 'timestamptz'],
  ['source', 'text'],
  ['actor', 'text'],
  ['correlation_id', 'text'],
  ['causation_id', 'text'],
  ['sequence', 'bigint'],
  ['data', 'jsonb'],
  ['chain_hash', 'text'],
  ['chain_prev_hash', 'text'],
  ['data_text', 'text'],
  ['masked_data_text', 'text'],
] as const;

/** Sets every written column but the key from the row that conflicted (an upsert writes the whole row). */
const setExcluded = (columns: readonly string[]): string =>
  columns
    .slice(1)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');

// Every statement takes many rows at once (a live batch's orders, a rebuild's pass of a thousand events): the
// timeline's as one array per column, in the events' order, so their arrivals keep store order; the folded rows
// as one JSON array of objects keyed by column, read into the table's own row type.
const statements = (tables: QueryTables): Statements => ({
  insertTimeline: `INSERT INTO ${tables.timeline} (${TIMELINE_COLUMNS.map(([c]) => c).join(', ')})
     SELECT * FROM unnest(${TIMELINE_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
     ON CONFLICT (event_id) DO NOTHING
     RETURNING work_order_id`,
  readTimeline: `SELECT event_type, data, occurred_at FROM ${tables.timeline} WHERE work_order_id = $1 ORDER BY sequence NULLS LAST, arrival`,
  readTimelines: `SELECT work_order_id, event_type, data, occurred_at FROM ${tables.timeline}
     WHERE work_order_id = ANY($1::uuid[]) ORDER BY work_order_id, sequence NULLS LAST, arrival`,
  // The status link's digest (migration 0032) comes with the row when the caller knows RESIDENT_SECRET; a rebuild
  // run without it keeps the digest the live row has, and a row never loses the one it has.
  upsertViews: `INSERT INTO ${tables.workOrders} AS w (${VIEW_COLUMNS.map(([, c]) => c).join(', ')}, link_digest)
  SELECT ${VIEW_COLUMNS.map(([, c]) => `v.${c}`).join(', ')},
    COALESCE(v.link_digest, (SELECT l.link_digest FROM ${QUERY_TABLES.workOrders} l WHERE l.work_order_id = v.work_order_id))
  FROM jsonb_populate_recordset(NULL::${tables.workOrders}, $1::jsonb) v
  ON CONFLICT (work_order_id) DO UPDATE SET ${setExcluded(VIEW_COLUMNS.map(([, c]) => c))},
    link_digest = COALESCE(EXCLUDED.link_digest, w.link_digest)`,
  upsertReportOrders: `INSERT INTO ${tables.reportOrders} (${REPORT_ROW_WRITTEN.join(', ')})
  SELECT ${REPORT_ROW_WRITTEN.join(', ')} FROM jsonb_populate_recordset(NULL::${tables.reportOrders}, $1::jsonb)
  ON CONFLICT (work_order_id) DO UPDATE SET ${setExcluded(REPORT_ROW_WRITTEN)}`,
  upsertReportFacts: `INSERT INTO ${tables.reportFacts} (work_order_id, site_id, facts)
     SELECT work_order_id, site_id, facts FROM jsonb_to_recordset($1::jsonb) AS f(work_order_id uuid, site_id text, facts jsonb)
     ON CONFLICT (work_order_id) DO UPDATE SET site_id = EXCLUDED.site_id, facts = EXCLUDED.facts`,
});

// The live tables' statements, and a rebuild's (ADR 16): the same fold, pointed at other tables.
const prepared = new Map<string, Statements>();
const statementsFor = (tables: QueryTables): Statements => {
  const key = Object.values(tables).join('/');
  let found = prepared.get(key);
  if (!found) prepared.set(key, (found = statements(tables)));
  return found;
};

/**
 * An order's view as pg gives its query_work_orders row back (snake_case, instants as Date): how an order folded
 * from part of its timeline (`asOf`, docs/adr/0033-tamper-evident-event-chain.md) is shown by the same code as a
 * stored row. Every instant column's name ends in `_at` or `_since`.
 */
export const workOrderRowOf = (view: WorkOrderView): Record<string, unknown> =>
  Object.fromEntries(
    VIEW_COLUMNS.map(([key, column]) => {
      const value = view[key];
      return [column, /(_at|_since)$/.test(column) && typeof value === 'string' ? new Date(value) : value];
    }),
  );

/** A chain attribute as published (ADR 33): a hex SHA-256, else nothing (an event from before the chain). */
const chainAttribute = (value: unknown): string | null =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : null;

type TimelineEvent = CloudEvent & { workorderid: string };

/**
 * Stores events on their orders' timelines in one statement, in the order given; the order id of each event stored,
 * leaving out those there already (its unique event id makes a redelivery a no-op).
 */
export const insertTimelineRows = async (
  client: PoolClient,
  events: readonly TimelineEvent[],
  tables: QueryTables = QUERY_TABLES,
): Promise<string[]> => {
  if (events.length === 0) return [];
  // The data as the timeline shows it (ADR 47); its full text is also what the jsonb column is given.
  const texts = events.map((e) => timelineDataTexts(e.data));
  const fields: Record<(typeof TIMELINE_COLUMNS)[number][0], (event: TimelineEvent, i: number) => unknown> = {
    event_id: (e) => e.id,
    work_order_id: (e) => e.workorderid,
    event_type: (e) => e.type,
    occurred_at: (e) => e.time ?? new Date().toISOString(),
    source: (e) => e.source,
    actor: (e) => e.actor ?? null,
    correlation_id: (e) => e.correlationid ?? null,
    causation_id: (e) => e.causationid ?? null,
    sequence: (e) => e.sequence ?? null,
    data: (_e, i) => texts[i]?.full,
    chain_hash: (e) => chainAttribute(e['chainhash']),
    chain_prev_hash: (e) => chainAttribute(e['chainprevhash']),
    data_text: (_e, i) => texts[i]?.full,
    masked_data_text: (_e, i) => texts[i]?.masked,
  };
  const inserted = await client.query<{ work_order_id: string }>(
    statementsFor(tables).insertTimeline,
    TIMELINE_COLUMNS.map(([column]) => events.map(fields[column])),
  );
  return inserted.rows.map((r) => r.work_order_id);
};

/** Stores one event on its order's timeline; false if it was there already. */
export const insertTimelineRow = async (
  client: PoolClient,
  event: TimelineEvent,
  tables: QueryTables = QUERY_TABLES,
): Promise<boolean> => (await insertTimelineRows(client, [event], tables)).length !== 0;

/**
 * Serialises projections of each order until the caller's transaction ends, whichever consumer instance holds its
 * partition after a rebalance; taken in the order given, which every caller sorts the same way (no two wait crosswise).
 */
export const lockWorkOrderRows = async (client: PoolClient, workOrderIds: readonly string[]): Promise<void> => {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended(id, 1)) FROM unnest($1::text[]) AS id', [
    workOrderIds,
  ]);
};

export interface TimelineRow {
  readonly event_type: string;
  readonly data: unknown;
  readonly occurred_at: Date;
}

/** An order's timeline in store order (events without a store position last, by arrival). */
export const timelineRows = async (
  client: PoolClient,
  workOrderId: string,
  tables: QueryTables,
): Promise<TimelineRow[]> => (await client.query<TimelineRow>(statementsFor(tables).readTimeline, [workOrderId])).rows;

/** Several orders' timelines, each in store order, by order id (in the form PostgreSQL writes a uuid). */
export const timelinesOf = async (
  client: PoolClient,
  workOrderIds: readonly string[],
  tables: QueryTables,
): Promise<Map<string, TimelineRow[]>> => {
  const { rows } = await client.query<TimelineRow & { work_order_id: string }>(statementsFor(tables).readTimelines, [
    workOrderIds,
  ]);
  const timelines = new Map<string, TimelineRow[]>();
  for (const { work_order_id, ...row } of rows) {
    const timeline = timelines.get(work_order_id);
    if (timeline) timeline.push(row);
    else timelines.set(work_order_id, [row]);
  }
  return timelines;
};

/** Writes orders' whole rows, so writing them twice changes nothing; each with its status link's digest if known. */
export const upsertWorkOrderRows = async (
  client: PoolClient,
  rows: readonly { readonly view: WorkOrderView; readonly linkDigest: string | undefined }[],
  tables: QueryTables,
): Promise<void> => {
  if (rows.length === 0) return;
  const values = rows.map(({ view, linkDigest }) => ({
    ...Object.fromEntries(VIEW_COLUMNS.map(([key, column]) => [column, view[key]])),
    link_digest: linkDigest ?? null,
  }));
  await client.query(statementsFor(tables).upsertViews, [JSON.stringify(values)]);
};

/** Writes orders' report rows (docs/reports.md) and their facts, so writing them twice changes nothing. */
export const upsertReportOrderRows = async (
  client: PoolClient,
  orders: readonly ReportOrder[],
  tables: QueryTables,
): Promise<void> => {
  if (orders.length === 0) return;
  const rows = orders.map((order) => {
    const row = reportRowOf(order);
    return {
      ...Object.fromEntries(REPORT_ROW_COLUMNS.map(([key, column]) => [column, row[key]])),
      site_id: order.siteId,
    };
  });
  const facts = orders.map((order) => ({ work_order_id: order.workOrderId, site_id: order.siteId, facts: order }));
  await client.query(statementsFor(tables).upsertReportOrders, [JSON.stringify(rows)]);
  await client.query(statementsFor(tables).upsertReportFacts, [JSON.stringify(facts)]);
};
