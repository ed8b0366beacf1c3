import { parseDomainEvent } from '@closeloop/contracts';
import { aggregateStream, EventStore } from '@closeloop/event-store';
import { ReadModelDefinition, rebuildReadModel, RebuildOptions, RebuildReport } from '@closeloop/messaging';
import { alertDecider, alertStream, AlertState } from '@closeloop/notification-domain';
import { PoolClient } from 'pg';
import { alertsDiffering, AlertRowValues, upsertAlertRow } from './alert-rows.repository';
import { NOTIFICATION_READ_MODEL } from './notification.read-model';
import { isOrderFact } from './order-facts';
import { applyOrderFacts, ORDER_FACTS_TABLE } from './order-facts.repository';

export { NOTIFICATION_READ_MODEL };

/**
 * The notification service's read model: the notification_alerts table, one row per alert stream (`alert-<id>`)
 * folded to its current state, and its facts about each work order (notification_order_facts, ADR 19), folded from
 * the order's published events as the live consumer folds them. notification_alert_deliveries is not one: its
 * leases, attempt counts and next-attempt times are the delivery worker's working state, which no event records
 * (ADR 16).
 */
export interface AlertTables {
  readonly alerts: string;
  readonly orderFacts: string;
}

export const ALERT_TABLES: AlertTables = { alerts: 'notification_alerts', orderFacts: ORDER_FACTS_TABLE };

/** An alert's row: the whole state, so writing it twice changes nothing. What the state leaves out is NULL. */
export const alertRowOf = (state: Exclude<AlertState, { status: 'none' }>): AlertRowValues => {
  const {
    target = null,
    level = null,
    acknowledgedBy = null,
    acknowledgedAt = null,
    closedReason = null,
    closedAt = null,
  } = state;
  return {
    alertId: state.alertId,
    workOrderId: state.workOrderId,
    kind: state.kind,
    siteId: state.siteId,
    target,
    level,
    status: state.status,
    raisedAt: state.raisedAt,
    // A chain's fallback contact is listed with the people it was raised for, once the chain ran out.
    recipients: state.exhausted
      ? [
          ...state.recipients,
          { staffId: state.exhausted.fallback.staffId, role: 'fallback', channels: state.exhausted.fallback.channels },
        ]
      : state.recipients,
    acknowledgedBy,
    acknowledgedAt,
    closedReason,
    closedAt,
  };
};

/** Writes an alert's row from its state after a change. */
export const projectAlert = async (
  client: PoolClient,
  state: AlertState,
  tables: AlertTables = ALERT_TABLES,
): Promise<void> => {
  if (state.status === 'none') return;
  await upsertAlertRow(client, tables.alerts, alertRowOf(state));
};

const ALERT_STREAM_PREFIX = alertStream('');

const foldAlert = async (store: EventStore, alertId: string): Promise<AlertState> =>
  (await aggregateStream(store, alertStream(alertId), alertDecider)).state;

/**
 * The alerts as a rebuild folds them: every alert stream an event of the batch belongs to is read whole and folded
 * by the decider's own evolve, and its row written as the service writes it after each change. The service writes
 * a row right after its own append, not from Kafka, so a row can be ahead of what the store's commit-ordered read
 * has handed out yet; under the swap lock, every live row that differs from the rebuilt one is folded again from
 * its stream, which holds everything committed.
 */
export const alertReadModel = (store: EventStore): ReadModelDefinition<keyof AlertTables> => ({
  name: NOTIFICATION_READ_MODEL,
  tables: ALERT_TABLES,
  async apply(client, events, tables) {
    const alertIds = new Set(
      events
        .filter((e) => e.recorded.streamId.startsWith(ALERT_STREAM_PREFIX))
        .map((e) => e.recorded.streamId.slice(ALERT_STREAM_PREFIX.length)),
    );
    for (const alertId of alertIds) await projectAlert(client, await foldAlert(store, alertId), tables);
    // As the live consumer takes them off workorders.events: only what was published and is valid (the consumer
    // dead-letters the rest), of types it knows. Applied as a live batch applies them (ADR 48): the orders locked in
    // one statement in key order, so a pass and a live batch over the same orders queue instead of deadlocking, as
    // they did while the pass took each order's lock in event order.
    const facts = events.flatMap(({ recorded, published }) => {
      if (!published?.workorderid) return [];
      const parsed = parseDomainEvent(published.type, published.data);
      if (!parsed.ok || !isOrderFact(parsed.event)) return [];
      const source = {
        event: parsed.event,
        position: recorded.globalPosition,
        recordedAt: recorded.recordedAt.toISOString(),
      };
      return [{ workOrderId: published.workorderid, source }];
    });
    await applyOrderFacts(client, tables.orderFacts, facts);
    return events.filter((e) => e.recorded.streamId.startsWith(ALERT_STREAM_PREFIX)).length + facts.length;
  },
  async reconcile(client, live, rebuilt) {
    const differing = await alertsDiffering(client, live.alerts, rebuilt.alerts);
    for (const alertId of differing) await projectAlert(client, await foldAlert(store, alertId), rebuilt);
    return differing.length;
  },
});

/** Rebuilds the alerts table from the alert streams while the service runs (`projections rebuild --service notification`). */
export const rebuildAlertReadModel = (options: RebuildOptions): Promise<RebuildReport> =>
  rebuildReadModel(alertReadModel(options.store), options);
