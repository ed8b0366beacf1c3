import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@closeloop/database';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, PoolClient } from 'pg';
import { evolveOrderFacts, FactSource, noFactsYet, OrderFacts } from './order-facts';

interface Row {
  work_order_id: string;
  number: string | null;
  site_id: string | null;
  building: string | null;
  unit: string | null;
  category: string | null;
  tier: string | null;
  description: string | null;
  reporter_phone: string | null;
  owner: OrderFacts['owner'];
  status: string | null;
  recent_events: OrderFacts['recentEvents'];
  sla_status: OrderFacts['sla'];
  response_due_at: string | null;
  resolution_due_at: string | null;
  resolution_rounds: OrderFacts['resolutionRounds'];
  work_order_position: string;
  sla_position: string;
}

const COLUMNS =
  'work_order_id, number, site_id, building, unit, category, tier, description, reporter_phone, owner, status, recent_events, sla_status, response_due_at, resolution_due_at, resolution_rounds, work_order_position::text, sla_position::text';

const toFacts = (r: Row): OrderFacts => ({
  workOrderId: r.work_order_id,
  number: r.number,
  siteId: r.site_id,
  building: r.building,
  unit: r.unit,
  category: r.category,
  tier: r.tier,
  description: r.description,
  reporterPhone: r.reporter_phone,
  owner: r.owner,
  status: r.status,
  recentEvents: r.recent_events,
  sla: r.sla_status,
  responseDueAt: r.response_due_at,
  resolutionDueAt: r.resolution_due_at,
  resolutionRounds: r.resolution_rounds,
  workOrderPosition: r.work_order_position,
  slaPosition: r.sla_position,
});

const UPSERT = `INSERT INTO notification_order_facts (${COLUMNS.replace(/::text/g, '')}, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, now())
  ON CONFLICT (work_order_id) DO UPDATE SET number = EXCLUDED.number, site_id = EXCLUDED.site_id, building = EXCLUDED.building,
    unit = EXCLUDED.unit, category = EXCLUDED.category, tier = EXCLUDED.tier, description = EXCLUDED.description,
    reporter_phone = EXCLUDED.reporter_phone, owner = EXCLUDED.owner, status = EXCLUDED.status, recent_events = EXCLUDED.recent_events,
    sla_status = EXCLUDED.sla_status, response_due_at = EXCLUDED.response_due_at, resolution_due_at = EXCLUDED.resolution_due_at,
    resolution_rounds = EXCLUDED.resolution_rounds, work_order_position = EXCLUDED.work_order_position,
    sla_position = EXCLUDED.sla_position, updated_at = now()`;

/** notification_order_facts: notification's own record of each work order (ADR 19), one row per order. */
@Injectable()
export class OrderFactsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(workOrderId: string): Promise<OrderFacts | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM notification_order_facts WHERE work_order_id = $1`, [workOrderId]);
    return rows[0] && toFacts(rows[0]);
  }

  /**
   * Applies one event to its order's facts. The order's row is locked while it is read and written, so two
   * consumers holding the order's partition for a moment during a rebalance apply its events one after the other.
   */
  async record(workOrderId: string, source: FactSource): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const current = await this.lockedFacts(client, workOrderId);
      const next = evolveOrderFacts(current, source);
      if (next !== current) await client.query(UPSERT, valuesOf(next));
    });
  }

  private async lockedFacts(client: PoolClient, workOrderId: string): Promise<OrderFacts> {
    // Serialises the first event of an order too, when there is no row to lock yet.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 23))', [workOrderId]);
    const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM notification_order_facts WHERE work_order_id = $1`, [workOrderId]);
    return rows[0] ? toFacts(rows[0]) : noFactsYet(workOrderId);
  }
}

const valuesOf = (f: OrderFacts): unknown[] => [
  f.workOrderId,
  f.number,
  f.siteId,
  f.building,
  f.unit,
  f.category,
  f.tier,
  f.description,
  f.reporterPhone,
  f.owner === null ? null : JSON.stringify(f.owner),
  f.status,
  JSON.stringify(f.recentEvents),
  f.sla,
  f.responseDueAt,
  f.resolutionDueAt,
  JSON.stringify(f.resolutionRounds),
  f.workOrderPosition,
  f.slaPosition,
];
