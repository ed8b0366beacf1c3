import { CloudEvent, isEventType, priorityResidentEvents, toDomainEvents } from '@closeloop/contracts';
import { PoolClient } from 'pg';
import { foldReportOrder } from '../reports/report-order';
import { recordOrderChange } from '../stream/order-changes.repository';
import { foldWorkOrderView, TimelineEntry } from './work-order-view';
import {
  insertTimelineRow,
  lockWorkOrderRow,
  QUERY_TABLES,
  QueryTables,
  timelineRows,
  upsertReportOrderRow,
  upsertWorkOrderRow,
} from './work-order-rows.repository';

/**
 * The digest of an order's status link (docs/adr/0026-resident-status-links.md), by which the resident's view finds
 * its row; computed from the order id with RESIDENT_SECRET, so a projection without the secret leaves it as it is.
 */
export type LinkDigests = (workOrderId: string) => string;

/** The events this projection takes: known types about a work order (a newer producer's types wait for its next version). */
export const isProjected = (event: CloudEvent): event is CloudEvent & { workorderid: string } =>
  isEventType(event.type) && event.workorderid !== undefined && !isPriorityRegistryEvent(event);

/** The priority registry's events are no order's: they go to query_priority_residents (ADR 28). */
export const isPriorityRegistryEvent = (event: Pick<CloudEvent, 'type'>): boolean =>
  Object.values(priorityResidentEvents.types).includes(event.type as never);

/** The keyed digest of a reporter's phone, for the caller lookup; absent, the digest column stays empty. */
export type PhoneDigest = (phone: string) => string;

/**
 * What the projection keys with RESIDENT_SECRET (ResidentKeys): each order's status-link digest and each reporter's
 * phone digest. Absent where the secret is not known (a rebuild run without it).
 */
export interface ResidentDigests {
  readonly link: LinkDigests;
  readonly phone: PhoneDigest;
}

/** An order's timeline rows, in store order, as the fold takes them: domain events with the instant each occurred. */
export const timelineOfRows = (
  rows: readonly { event_type: string; data: unknown; occurred_at: Date }[],
): TimelineEntry[] => {
  const events = toDomainEvents(rows.map((r) => ({ type: r.event_type, data: r.data })));
  return events.map((e, i) => ({ event: e, occurredAt: (rows[i]?.occurred_at as Date).toISOString() }));
};

/**
 * Recomputes an order's row and its report row by folding its whole timeline in store order; the order's site, or
 * undefined while its timeline has no report yet (no row).
 */
export const refoldWorkOrder = async (
  client: PoolClient,
  workOrderId: string,
  tables: QueryTables = QUERY_TABLES,
  digests?: ResidentDigests,
): Promise<string | undefined> => {
  await lockWorkOrderRow(client, workOrderId);
  const rows = await timelineRows(client, workOrderId, tables);
  const timeline = timelineOfRows(rows);
  const view = foldWorkOrderView(timeline, digests?.phone);
  if (view) await upsertWorkOrderRow(client, view, tables, digests?.link(workOrderId));
  const reportOrder = foldReportOrder(timeline);
  if (reportOrder) await upsertReportOrderRow(client, reportOrder, tables);
  return view?.siteId;
};

/**
 * Applies one published event to the live tables inside the caller's transaction: the timeline row first, then the
 * order row, re-folded from the whole timeline in store order, then the change on the live board's feed. A rebuild
 * (ADR 16) folds through refoldWorkOrder and writes no feed: its rows are the live ones re-derived, not changes.
 */
export const projectEvent = async (
  client: PoolClient,
  event: CloudEvent,
  digests?: ResidentDigests,
): Promise<boolean> => {
  if (!isProjected(event)) return false;
  if (!(await insertTimelineRow(client, event))) return false;
  const siteId = await refoldWorkOrder(client, event.workorderid, QUERY_TABLES, digests);
  if (siteId !== undefined) await recordOrderChange(client, siteId, event.workorderid);
  return true;
};
