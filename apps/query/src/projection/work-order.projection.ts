import { CloudEvent, isEventType, toDomainEvents } from '@closeloop/contracts';
import { PoolClient } from 'pg';
import { foldReportOrder } from '../reports/report-order';
import { foldWorkOrderView } from './work-order-view';
import {
  insertTimelineRow,
  lockWorkOrderRow,
  QUERY_TABLES,
  QueryTables,
  timelineRows,
  upsertReportOrderRow,
  upsertWorkOrderRow,
} from './work-order-rows.repository';

/** The events this projection takes: known types about a work order (a newer producer's types wait for its next version). */
export const isProjected = (event: CloudEvent): event is CloudEvent & { workorderid: string } =>
  isEventType(event.type) && event.workorderid !== undefined;

/** Recomputes an order's row and its report row by folding its whole timeline in store order. */
export const refoldWorkOrder = async (
  client: PoolClient,
  workOrderId: string,
  tables: QueryTables = QUERY_TABLES,
): Promise<void> => {
  await lockWorkOrderRow(client, workOrderId);
  const rows = await timelineRows(client, workOrderId, tables);
  const events = toDomainEvents(rows.map((r) => ({ type: r.event_type, data: r.data })));
  const timeline = events.map((e, i) => ({ event: e, occurredAt: (rows[i]?.occurred_at as Date).toISOString() }));
  const view = foldWorkOrderView(timeline);
  if (view) await upsertWorkOrderRow(client, view, tables);
  const reportOrder = foldReportOrder(timeline);
  if (reportOrder) await upsertReportOrderRow(client, reportOrder, tables);
};

/**
 * Applies one published event inside the caller's transaction: the timeline row first, then the order row,
 * re-folded from the whole timeline in store order.
 */
export const projectEvent = async (
  client: PoolClient,
  event: CloudEvent,
  tables: QueryTables = QUERY_TABLES,
): Promise<boolean> => {
  if (!isProjected(event)) return false;
  if (!(await insertTimelineRow(client, event, tables))) return false;
  await refoldWorkOrder(client, event.workorderid, tables);
  return true;
};
