import { CloudEvent, EventTypes, toDomainEvents } from '@closeloop/contracts';
import { PoolClient } from 'pg';

/**
 * Applies one published event to the read tables inside the caller's transaction. The timeline row goes first:
 * its unique event id makes a redelivered event a no-op, so the order row never applies an event twice.
 */
export const projectEvent = async (client: PoolClient, event: CloudEvent): Promise<boolean> => {
  const workOrderId = event.workorderid;
  if (!workOrderId) return false;
  const inserted = await client.query(
    `INSERT INTO q_timeline (event_id, work_order_id, event_type, occurred_at, source, actor, correlation_id, causation_id, sequence, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.id, workOrderId, event.type, event.time ?? new Date().toISOString(), event.source, event.actor ?? null, event.correlationid ?? null, event.causationid ?? null, event.sequence ?? null, JSON.stringify(event.data ?? null)],
  );
  if (inserted.rowCount === 0) return false;
  await applyToOrder(client, event);
  return true;
};

const applyToOrder = async (client: PoolClient, cloudEvent: CloudEvent): Promise<void> => {
  const [event] = toDomainEvents([{ type: cloudEvent.type, data: cloudEvent.data }]);
  if (!event) return;
  const at = cloudEvent.time ?? new Date().toISOString();
  switch (event.type) {
    case EventTypes.WorkOrderReported: {
      const d = event.data;
      await client.query(
        `INSERT INTO q_work_orders (work_order_id, number, site_id, building, unit, channel, category, description, reporter_name, reporter_phone, status, reported_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'reported', $11, $12)
         ON CONFLICT (work_order_id) DO NOTHING`,
        [d.workOrderId, d.number, d.siteId, d.building ?? null, d.unit ?? null, d.channel, d.category ?? null, d.description, d.reporter.name ?? null, d.reporter.phone ?? null, d.reportedAt, at],
      );
      return;
    }
    case EventTypes.WorkOrderTriaged: {
      const d = event.data;
      await client.query(
        `UPDATE q_work_orders SET tier = $2, category = $3, triage_rule_id = $4, triage_reason = $5, status = 'triaged', updated_at = $6 WHERE work_order_id = $1`,
        [d.workOrderId, d.tier, d.category, d.ruleId, d.reason, at],
      );
      return;
    }
    case EventTypes.WorkOrderAssigned: {
      const d = event.data;
      await client.query(
        `UPDATE q_work_orders SET owner_id = $2, owner_name = $3, team_id = $4, assigned_at = $5, dispatch_queue_id = NULL, status = 'assigned', updated_at = $6 WHERE work_order_id = $1`,
        [d.workOrderId, d.owner.staffId, d.owner.name, d.teamId, d.assignedAt, at],
      );
      return;
    }
    case EventTypes.WorkOrderQueuedForDispatch: {
      const d = event.data;
      await client.query(
        `UPDATE q_work_orders SET dispatch_queue_id = $2, status = 'awaiting-dispatch', updated_at = $3 WHERE work_order_id = $1`,
        [d.workOrderId, d.queueId, at],
      );
      return;
    }
    case EventTypes.SlaTargetsSet: {
      const d = event.data;
      await client.query(
        `UPDATE q_work_orders SET response_due_at = $2, resolution_due_at = $3, updated_at = $4 WHERE work_order_id = $1`,
        [d.workOrderId, d.responseDueAt, d.resolutionDueAt, at],
      );
      return;
    }
    default: {
      const unhandled: never = event;
      throw new Error(`the projection has no case for ${JSON.stringify(unhandled)}`);
    }
  }
};
