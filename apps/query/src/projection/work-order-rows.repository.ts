import { CloudEvent } from '@closeloop/contracts';
import { PoolClient } from 'pg';
import { ReportOrder } from '../reports/report-order';
import { ReportRow, reportRowOf } from '../reports/report-row';
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
export const REPORT_ROW_COLUMNS: readonly (readonly [keyof ReportRow, string, 'list'?])[] = [
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
  ['resolvedAt', 'resolved_at', 'list'],
  ['reopenedAt', 'reopened_at', 'list'],
  ['rejectedAt', 'rejected_at', 'list'],
  ['closedAt', 'closed_at', 'list'],
  ['closeRatings', 'close_ratings', 'list'],
  ['closeCommented', 'close_commented', 'list'],
  ['cancelledAt', 'cancelled_at'],
  ['responseVerdictAt', 'response_verdict_at'],
  ['responseMet', 'response_met'],
  ['resolutionVerdictAt', 'resolution_verdict_at', 'list'],
  ['resolutionMet', 'resolution_met', 'list'],
  ['escalatedAt', 'escalated_at', 'list'],
  ['escalationLevels', 'escalation_levels', 'list'],
  ['alertRaisedAt', 'alert_raised_at', 'list'],
  ['alertAcknowledgedAt', 'alert_acknowledged_at', 'list'],
  ['callbackRequestedAt', 'callback_requested_at', 'list'],
  ['duplicateLinkedAt', 'duplicate_linked_at', 'list'],
  ['followUpAt', 'follow_up_at', 'list'],
  ['endedAt', 'ended_at'],
  ['lastStepAt', 'last_step_at'],
  ['priorityLane', 'priority_lane'],
];
/** Written beside the row's columns: the site it belongs to. */
const REPORT_ROW_WRITTEN = [...REPORT_ROW_COLUMNS.map(([, c]) => c), 'site_id'];

interface Statements {
  readonly insertTimeline: string;
  readonly readTimeline: string;
  readonly upsertView: string;
  readonly upsertReportOrder: string;
  readonly upsertReportFacts: string;
}

const statements = (tables: QueryTables): Statements => ({
  insertTimeline: `INSERT INTO ${tables.timeline} (event_id, work_order_id, event_type, occurred_at, source, actor,
       correlation_id, causation_id, sequence, data, chain_hash, chain_prev_hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (event_id) DO NOTHING`,
  readTimeline: `SELECT event_type, data, occurred_at FROM ${tables.timeline} WHERE work_order_id = $1 ORDER BY sequence NULLS LAST, arrival`,
  // The status link's digest (migration 0032) comes with the row when the caller knows RESIDENT_SECRET; a rebuild
  // run without it keeps the digest the live row has, and a row never loses the one it has.
  upsertView: `INSERT INTO ${tables.workOrders} AS w (${VIEW_COLUMNS.map(([, c]) => c).join(', ')}, link_digest)
  VALUES (${VIEW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')},
    COALESCE($${VIEW_COLUMNS.length + 1}::text,
      (SELECT l.link_digest FROM ${QUERY_TABLES.workOrders} l WHERE l.work_order_id = $1)))
  ON CONFLICT (work_order_id) DO UPDATE SET ${VIEW_COLUMNS.slice(1)
    .map(([, c]) => `${c} = EXCLUDED.${c}`)
    .join(', ')}, link_digest = COALESCE(EXCLUDED.link_digest, w.link_digest)`,
  upsertReportOrder: `INSERT INTO ${tables.reportOrders} (${REPORT_ROW_WRITTEN.join(', ')})
  VALUES (${REPORT_ROW_WRITTEN.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (work_order_id) DO UPDATE SET ${REPORT_ROW_WRITTEN.slice(1)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`,
  upsertReportFacts: `INSERT INTO ${tables.reportFacts} (work_order_id, site_id, facts) VALUES ($1, $2, $3)
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

/** pg sends a JavaScript array as a PostgreSQL array; a jsonb column (the contacts, the lane) needs JSON text. */
const columnValue = (value: WorkOrderView[keyof WorkOrderView]): unknown =>
  Array.isArray(value) || (typeof value === 'object' && value !== null) ? JSON.stringify(value) : value;

/** A chain attribute as published (ADR 33): a hex SHA-256, else nothing (an event from before the chain). */
const chainAttribute = (value: unknown): string | null =>
  typeof value === 'string' && /^[0-9a-f]{64}$/.test(value) ? value : null;

/** Stores one event on its order's timeline; false if it was there already (its unique event id makes a redelivery a no-op). */
export const insertTimelineRow = async (
  client: PoolClient,
  event: CloudEvent & { workorderid: string },
  tables: QueryTables = QUERY_TABLES,
): Promise<boolean> => {
  const inserted = await client.query(statementsFor(tables).insertTimeline, [
    event.id,
    event.workorderid,
    event.type,
    event.time ?? new Date().toISOString(),
    event.source,
    event.actor ?? null,
    event.correlationid ?? null,
    event.causationid ?? null,
    event.sequence ?? null,
    JSON.stringify(event.data ?? null),
    chainAttribute(event['chainhash']),
    chainAttribute(event['chainprevhash']),
  ]);
  return inserted.rowCount !== 0;
};

/** Serialises projections of one order until the caller's transaction ends, whichever consumer instance holds its partition after a rebalance. */
export const lockWorkOrderRow = async (client: PoolClient, workOrderId: string): Promise<void> => {
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [workOrderId]);
};

/** An order's timeline in store order (events without a store position last, by arrival). */
export const timelineRows = async (
  client: PoolClient,
  workOrderId: string,
  tables: QueryTables,
): Promise<{ event_type: string; data: unknown; occurred_at: Date }[]> =>
  (
    await client.query<{ event_type: string; data: unknown; occurred_at: Date }>(statementsFor(tables).readTimeline, [
      workOrderId,
    ])
  ).rows;

/** Writes an order's whole row, so writing it twice changes nothing. */
export const upsertWorkOrderRow = async (
  client: PoolClient,
  view: WorkOrderView,
  tables: QueryTables,
  linkDigest?: string,
): Promise<void> => {
  await client.query(statementsFor(tables).upsertView, [
    ...VIEW_COLUMNS.map(([key]) => columnValue(view[key])),
    linkDigest ?? null,
  ]);
};

/** Writes an order's report row (docs/reports.md) and its facts, so writing them twice changes nothing. */
export const upsertReportOrderRow = async (
  client: PoolClient,
  order: ReportOrder,
  tables: QueryTables,
): Promise<void> => {
  const row = reportRowOf(order);
  await client.query(statementsFor(tables).upsertReportOrder, [
    ...REPORT_ROW_COLUMNS.map(([key]) => row[key]),
    order.siteId,
  ]);
  await client.query(statementsFor(tables).upsertReportFacts, [order.workOrderId, order.siteId, JSON.stringify(order)]);
};
