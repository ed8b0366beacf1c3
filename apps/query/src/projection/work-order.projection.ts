import { CloudEvent, isEventType, toDomainEvents } from '@closeloop/contracts';
import { PoolClient } from 'pg';
import { foldWorkOrderView, WorkOrderView } from './work-order-view';

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
  ['tier', 'tier'],
  ['triageRuleId', 'triage_rule_id'],
  ['triageReason', 'triage_reason'],
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
  ['updatedAt', 'updated_at'],
];

/** The query service's read models: the timeline and the order rows folded from it. */
export interface QueryTables {
  readonly timeline: string;
  readonly workOrders: string;
}

export const QUERY_TABLES: QueryTables = { timeline: 'query_timeline', workOrders: 'query_work_orders' };

interface Statements {
  readonly insertTimeline: string;
  readonly readTimeline: string;
  readonly upsertView: string;
}

const statements = (tables: QueryTables): Statements => ({
  insertTimeline: `INSERT INTO ${tables.timeline} (event_id, work_order_id, event_type, occurred_at, source, actor, correlation_id, causation_id, sequence, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (event_id) DO NOTHING`,
  readTimeline: `SELECT event_type, data, occurred_at FROM ${tables.timeline} WHERE work_order_id = $1 ORDER BY sequence NULLS LAST, arrival`,
  upsertView: `INSERT INTO ${tables.workOrders} (${VIEW_COLUMNS.map(([, c]) => c).join(', ')})
  VALUES (${VIEW_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (work_order_id) DO UPDATE SET ${VIEW_COLUMNS.slice(1).map(([, c]) => `${c} = EXCLUDED.${c}`).join(', ')}`,
});

// The live tables' statements, and a rebuild's (ADR 16): the same fold, pointed at other tables.
const prepared = new Map<string, Statements>();
const statementsFor = (tables: QueryTables): Statements => {
  const key = `${tables.timeline}/${tables.workOrders}`;
  let found = prepared.get(key);
  if (!found) prepared.set(key, (found = statements(tables)));
  return found;
};

/** pg sends a JavaScript array as a PostgreSQL array; a jsonb column (the contacts) needs it as JSON text. */
const columnValue = (value: WorkOrderView[keyof WorkOrderView]): unknown => (Array.isArray(value) ? JSON.stringify(value) : value);

/** The events this projection takes: known types about a work order (a newer producer's types wait for its next version). */
export const isProjected = (event: CloudEvent): event is CloudEvent & { workorderid: string } => isEventType(event.type) && event.workorderid !== undefined;

/** Stores one event on its order's timeline; false if it was there already (its unique event id makes a redelivery a no-op). */
export const insertTimelineRow = async (client: PoolClient, event: CloudEvent & { workorderid: string }, tables: QueryTables = QUERY_TABLES): Promise<boolean> => {
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
  ]);
  return inserted.rowCount !== 0;
};

/** Recomputes an order's row by folding its whole timeline in store order. */
export const refoldWorkOrder = async (client: PoolClient, workOrderId: string, tables: QueryTables = QUERY_TABLES): Promise<void> => {
  // Serialises projections of one order, whichever consumer instance holds its partition after a rebalance.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 1))', [workOrderId]);
  const { readTimeline, upsertView } = statementsFor(tables);
  const { rows } = await client.query<{ event_type: string; data: unknown; occurred_at: Date }>(readTimeline, [workOrderId]);
  const events = toDomainEvents(rows.map((r) => ({ type: r.event_type, data: r.data })));
  const view = foldWorkOrderView(events.map((e, i) => ({ event: e, occurredAt: (rows[i]?.occurred_at as Date).toISOString() })));
  if (view) await client.query(upsertView, VIEW_COLUMNS.map(([key]) => columnValue(view[key])));
};

/**
 * Applies one published event inside the caller's transaction: the timeline row first, then the order row,
 * re-folded from the whole timeline in store order.
 */
export const projectEvent = async (client: PoolClient, event: CloudEvent, tables: QueryTables = QUERY_TABLES): Promise<boolean> => {
  if (!isProjected(event)) return false;
  if (!(await insertTimelineRow(client, event, tables))) return false;
  await refoldWorkOrder(client, event.workorderid, tables);
  return true;
};
