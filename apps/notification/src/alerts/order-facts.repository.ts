import { Inject, Injectable } from '@nestjs/common';
import { inTransaction } from '@closeloop/database';
import { ConsumerTransaction, lockReadModelShared } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool, PoolClient } from 'pg';
import { NOTIFICATION_READ_MODEL } from './notification.read-model';
import { evolveOrderFacts, FactSource, noFactsYet, OrderFacts } from './order-facts';

/** The live table; a rebuild (ADR 16) folds the same events into one beside it and swaps it in. */
export const ORDER_FACTS_TABLE = 'notification_order_facts';

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
  report_channel: string | null;
  reporter_wechat_open_id: string | null;
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

const COLUMNS = `work_order_id, number, site_id, building, unit, category, tier, description, reporter_phone, owner,
  status, recent_events, sla_status, response_due_at, resolution_due_at, resolution_rounds,
  work_order_position::text, sla_position::text, report_channel, reporter_wechat_open_id`;

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
  reportChannel: r.report_channel,
  reporterWechatOpenId: r.reporter_wechat_open_id,
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

const PLAIN_COLUMNS = COLUMNS.replace(/::text/g, '');

/** Writes the rows `source` gives (the columns in COLUMNS' order, then updated_at), each replacing its order's row. */
const upsertInto = (table: string, source: string) => `INSERT INTO ${table} (${PLAIN_COLUMNS}, updated_at)
  ${source}
  ON CONFLICT (work_order_id) DO UPDATE SET number = EXCLUDED.number, site_id = EXCLUDED.site_id, building = EXCLUDED.building,
    unit = EXCLUDED.unit, category = EXCLUDED.category, tier = EXCLUDED.tier, description = EXCLUDED.description,
    reporter_phone = EXCLUDED.reporter_phone, owner = EXCLUDED.owner, status = EXCLUDED.status, recent_events = EXCLUDED.recent_events,
    sla_status = EXCLUDED.sla_status, response_due_at = EXCLUDED.response_due_at, resolution_due_at = EXCLUDED.resolution_due_at,
    resolution_rounds = EXCLUDED.resolution_rounds, work_order_position = EXCLUDED.work_order_position,
    sla_position = EXCLUDED.sla_position, report_channel = EXCLUDED.report_channel,
    reporter_wechat_open_id = EXCLUDED.reporter_wechat_open_id, updated_at = now()`;

const statements = new Map<string, { select: string; upsert: string; upsertMany: string }>();
const statementsFor = (table: string) => {
  let found = statements.get(table);
  if (!found)
    statements.set(
      table,
      (found = {
        select: `SELECT ${COLUMNS} FROM ${table} WHERE work_order_id = $1`,
        upsert: upsertInto(
          table,
          'VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, now())',
        ),
        // Many rows given as one JSON array of rows by column name (rowOf).
        upsertMany: upsertInto(
          table,
          `SELECT ${PLAIN_COLUMNS}, now() FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`,
        ),
      }),
    );
  return found;
};

/**
 * Applies one event to its order's facts in the caller's transaction, in the given table (the live one, or a
 * rebuild's). The order is locked while its row is read and written, so two consumers holding the order's partition
 * for a moment during a rebalance apply its events one after the other, and so is an order with no row yet.
 */
export const applyOrderFact = async (
  client: PoolClient,
  table: string,
  workOrderId: string,
  source: FactSource,
): Promise<void> => {
  const { select, upsert } = statementsFor(table);
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 23))', [workOrderId]);
  const { rows } = await client.query<Row>(select, [workOrderId]);
  const current = rows[0] ? toFacts(rows[0]) : noFactsYet(workOrderId);
  const next = evolveOrderFacts(current, source);
  if (next !== current) await client.query(upsert, valuesOf(next));
};

/**
 * Applies a batch's events to their orders' facts in the caller's transaction in three statements, whatever their
 * number (ADR 48): the orders locked in one statement in the order of their keys (so two holders of overlapping
 * batches during a rebalance queue instead of deadlocking, and the one-by-one path, which takes one of the same
 * locks, waits as before), their rows read in one, each order's events folded in their order in memory, and every
 * row that changed written in one upsert. What applying them one after the other would leave, one row per order.
 */
export const applyOrderFacts = async (
  client: PoolClient,
  table: string,
  facts: readonly { readonly workOrderId: string; readonly source: FactSource }[],
): Promise<void> => {
  const ids = [...new Set(facts.map((f) => f.workOrderId))];
  if (ids.length === 0) return;
  await client.query(
    `SELECT count(pg_advisory_xact_lock(h)) FROM (
       SELECT DISTINCT hashtextextended(k, 23) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS sorted`,
    [ids],
  );
  const { rows } = await client.query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE work_order_id = ANY($1::uuid[])`, [
    ids,
  ]);
  const found = new Map(rows.map((r) => [r.work_order_id, toFacts(r)]));
  const before = new Map(ids.map((id) => [id, found.get(id) ?? noFactsYet(id)]));
  const after = new Map(before);
  for (const { workOrderId, source } of facts)
    after.set(workOrderId, evolveOrderFacts(after.get(workOrderId) as OrderFacts, source));
  const changed = [...after.values()].filter((f) => f !== before.get(f.workOrderId));
  if (changed.length === 0) return;
  await client.query(statementsFor(table).upsertMany, [JSON.stringify(changed.map(rowOf))]);
};

/**
 * A consumer batch's facts (ADR 48): its records' events gathered, then applied together before its COMMIT, or
 * before anything in the batch reads an order's facts, so a reader finds them as the records so far left them.
 */
export class OrderFactsBatch {
  private pending: { workOrderId: string; source: FactSource }[] = [];
  private locked = false;

  constructor(private readonly client: PoolClient) {}

  add(workOrderId: string, source: FactSource): void {
    this.pending.push({ workOrderId, source });
  }

  async write(): Promise<void> {
    if (this.pending.length === 0) return;
    // Before the batch's first write: a rebuild swapping a new table in waits for this batch, or it for the swap.
    if (!this.locked) await lockReadModelShared(this.client, NOTIFICATION_READ_MODEL);
    this.locked = true;
    const facts = this.pending;
    this.pending = [];
    await applyOrderFacts(this.client, ORDER_FACTS_TABLE, facts);
  }

  async find(workOrderId: string): Promise<OrderFacts | undefined> {
    await this.write();
    const { rows } = await this.client.query<Row>(statementsFor(ORDER_FACTS_TABLE).select, [workOrderId]);
    return rows[0] && toFacts(rows[0]);
  }
}

/** notification_order_facts: notification's own record of each work order (ADR 19), one row per order. */
@Injectable()
export class OrderFactsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async find(workOrderId: string): Promise<OrderFacts | undefined> {
    const { rows } = await this.pool.query<Row>(statementsFor(ORDER_FACTS_TABLE).select, [workOrderId]);
    return rows[0] && toFacts(rows[0]);
  }

  /** The facts of a consumer's batch, written together before its COMMIT. */
  inBatch(transaction: ConsumerTransaction): OrderFactsBatch {
    return transaction.gather(
      'notification:order-facts',
      () => new OrderFactsBatch(transaction.client),
      (batch) => batch.write(),
    );
  }

  /** Several orders' facts in one statement, as `db` sees them. */
  async findMany(workOrderIds: readonly string[], db: Pool | PoolClient = this.pool): Promise<Map<string, OrderFacts>> {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM ${ORDER_FACTS_TABLE} WHERE work_order_id = ANY($1::uuid[])`,
      [[...new Set(workOrderIds)]],
    );
    return new Map(rows.map((r) => [r.work_order_id, toFacts(r)]));
  }

  /** Applies one event from workorders.events to its order's facts. */
  async record(workOrderId: string, source: FactSource): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      // Before the first write: a rebuild swapping a new table in waits for this event, or it for the swap (ADR 16).
      await lockReadModelShared(client, NOTIFICATION_READ_MODEL);
      await applyOrderFact(client, ORDER_FACTS_TABLE, workOrderId, source);
    });
  }
}

/** An order's facts as a row of the table, for jsonb_populate_recordset. */
const rowOf = (f: OrderFacts): Row => ({
  work_order_id: f.workOrderId,
  number: f.number,
  site_id: f.siteId,
  building: f.building,
  unit: f.unit,
  category: f.category,
  tier: f.tier,
  description: f.description,
  reporter_phone: f.reporterPhone,
  report_channel: f.reportChannel,
  reporter_wechat_open_id: f.reporterWechatOpenId,
  owner: f.owner,
  status: f.status,
  recent_events: f.recentEvents,
  sla_status: f.sla,
  response_due_at: f.responseDueAt,
  resolution_due_at: f.resolutionDueAt,
  resolution_rounds: f.resolutionRounds,
  work_order_position: f.workOrderPosition,
  sla_position: f.slaPosition,
});

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
  f.reportChannel,
  f.reporterWechatOpenId,
];
