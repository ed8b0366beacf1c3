import { CloudEvent, isEventType, priorityResidentEvents, toDomainEvents } from '@closeloop/contracts';
import { ConsumerTransaction, lockReadModelShared } from '@closeloop/messaging';
import { PoolClient } from 'pg';
import { foldReportOrder, ReportOrder } from '../reports/report-order';
import { recordOrderChange } from '../stream/order-changes.repository';
import { foldWorkOrderView, TimelineEntry, WorkOrderView } from './work-order-view';
import {
  insertTimelineRow,
  lockWorkOrderRows,
  QUERY_TABLES,
  QueryTables,
  timelinesOf,
  upsertReportOrderRows,
  upsertWorkOrderRows,
} from './work-order-rows.repository';

/** The name the live projection and a rebuild's swap share their lock under. */
export const QUERY_READ_MODEL = 'query';

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
 * Re-folds several orders, each from its whole timeline in store order, into its row and its report row: the
 * orders' locks taken in id order (a live batch and a rebuild's pass, each holding the locks of the orders it folded
 * until it commits, then never wait on each other crosswise), their timelines read in one statement and their rows
 * written in one per table. The orders that have a row (a timeline without its report yet has none), with their sites.
 */
export const refoldWorkOrders = async (
  client: PoolClient,
  workOrderIds: Iterable<string>,
  tables: QueryTables = QUERY_TABLES,
  digests?: ResidentDigests,
): Promise<{ siteId: string; workOrderId: string }[]> => {
  const ids = [...new Set(workOrderIds)].sort();
  if (ids.length === 0) return [];
  await lockWorkOrderRows(client, ids);
  const timelines = await timelinesOf(client, ids, tables);
  const folded: { siteId: string; workOrderId: string }[] = [];
  const views: { view: WorkOrderView; linkDigest: string | undefined }[] = [];
  const reportOrders: ReportOrder[] = [];
  for (const workOrderId of ids) {
    const timeline = timelineOfRows(timelines.get(workOrderId.toLowerCase()) ?? []);
    const view = foldWorkOrderView(timeline, digests?.phone);
    if (view) {
      views.push({ view, linkDigest: digests?.link(workOrderId) });
      folded.push({ siteId: view.siteId, workOrderId });
    }
    const reportOrder = foldReportOrder(timeline);
    if (reportOrder) reportOrders.push(reportOrder);
  }
  await upsertWorkOrderRows(client, views, tables);
  await upsertReportOrderRows(client, reportOrders, tables);
  return folded;
};

/**
 * Re-folds the orders whose timelines took new events and puts each on the live board's feed, the feed's site locks
 * taken last and in site order, for the same reason.
 */
const foldTouchedOrders = async (
  client: PoolClient,
  workOrderIds: Iterable<string>,
  digests?: ResidentDigests,
): Promise<void> => {
  const changed = await refoldWorkOrders(client, workOrderIds, QUERY_TABLES, digests);
  changed.sort((a, b) => a.siteId.localeCompare(b.siteId) || a.workOrderId.localeCompare(b.workOrderId));
  for (const { siteId, workOrderId } of changed) await recordOrderChange(client, siteId, workOrderId);
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
  await foldTouchedOrders(client, [event.workorderid], digests);
  return true;
};

/** The name under which a batch's transaction keeps what this projection gathers over the batch. */
const BATCH_STATE = 'query-work-orders';

/**
 * Applies one published event inside its partition batch's transaction (docs/adr/0036-batch-consumers.md): the
 * timeline row now, and each order the batch touched re-folded once, after the batch's last event; the rows are
 * those projectEvent would leave after the same events, written once per order instead of once per event.
 */
export const projectEventInBatch = async (
  transaction: ConsumerTransaction,
  event: CloudEvent,
  digests?: ResidentDigests,
): Promise<boolean> => {
  if (!isProjected(event)) return false;
  const { client } = transaction;
  const batch = transaction.gather(
    BATCH_STATE,
    () => ({ locked: undefined as Promise<void> | undefined, touched: new Set<string>() }),
    ({ touched }) => foldTouchedOrders(client, touched, digests),
  );
  // Before the batch's first write, as in a transaction of one event: the rebuild's swap and this batch wait for
  // each other (ADR 16).
  batch.locked ??= lockReadModelShared(client, QUERY_READ_MODEL);
  await batch.locked;
  if (!(await insertTimelineRow(client, event))) return false;
  batch.touched.add(event.workorderid);
  return true;
};
