#!/usr/bin/env node
// The query projection's live path on its own (docs/adr/0036-batch-consumers.md): the same recorded events applied
// one by one, each in a transaction of its own (a batch that failed, and every event before ADR 36), and a partition
// batch at a time in one transaction, alternated on one fresh database, with the order rows of both compared. Prints
// one JSON line per pass. Needs PostgreSQL and a build; no broker. ORDERS (6 events each), BATCH and ROUNDS tune it.
'use strict';
require('reflect-metadata');
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { runBench, withBenchDatabase } = require('./bench-run');

const root = join(__dirname, '..', '..');
const dist = (path) => require(join(root, path, 'dist'));
const { ResidentKeys } = dist('libs/auth');
const { loadJsonFile } = dist('libs/config');
const { PostgresEventStore } = dist('libs/event-store');
const { inConsumerTransaction, parseCloudEvent, toKafkaMessage } = dist('libs/messaging');
const { WorkOrderCommands } = dist('libs/work-order-application');
const domain = dist('libs/work-order-domain');
const { WorkOrderProjectionKafkaController } = require(
  join(root, 'apps/query/dist/projection/work-order-projection.kafka.controller'),
);

const ORDERS = Number(process.env.ORDERS ?? 50);
const BATCH = Number(process.env.BATCH ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 2);

/** Each order from report to resolution, as the services record it: six events. */
const recordOrders = async (store) => {
  const rules = loadJsonFile('TRIAGE_RULES_FILE', join(root, 'config/triage-rules.json'), domain.TriageRulesSchema);
  const roster = loadJsonFile('ROSTER_FILE', join(root, 'config/roster.json'), domain.RosterSchema);
  const at = (minutes) => new Date(Date.UTC(2026, 10, 25, 2, minutes));
  const context = () => ({
    actor: { kind: 'system', id: 'bench' },
    producer: 'bench',
    correlationId: randomUUID(),
    causationId: randomUUID(),
  });
  for (let i = 0; i < ORDERS; i++) {
    const workOrderId = randomUUID();
    const report = {
      siteId: 'S1',
      building: 'B2',
      unit: '1201',
      channel: 'phone',
      reporter: { name: 'Ms Zhao', phone: '13800001111' },
      description: 'Burst pipe under the kitchen sink',
    };
    const reported = domain.workOrderDecider.decide(
      {
        type: 'ReportWorkOrder',
        workOrderId,
        number: `S1-20261125-${i}`,
        report,
        triage: domain.triage(rules, report),
        now: at(0),
      },
      domain.workOrderDecider.initialState(),
    );
    await store.append(
      domain.workOrderStream(workOrderId),
      reported.map((e) => ({
        eventId: randomUUID(),
        type: e.type,
        data: e.data,
        metadata: { ...context(), workOrderId },
      })),
      'no-stream',
    );
    const routing = domain.route(roster, { workOrderId, siteId: 'S1', building: 'B2', category: 'plumbing' }, at(1));
    const owner = { staffId: routing.owner.staffId, name: routing.owner.name };
    const commands = new WorkOrderCommands(store);
    for (const step of [
      { type: 'AssignOwner', routing, now: at(1) },
      { type: 'Acknowledge', by: owner, now: at(3) },
      { type: 'StartWork', by: owner, now: at(10) },
      { type: 'Resolve', by: owner, notes: 'Replaced the trap', photoRefs: [], now: at(40) },
    ])
      await commands.execute(workOrderId, () => step, context());
  }
};

const main = () =>
  withBenchDatabase('projection', 4, async (pool) => {
    const store = new PostgresEventStore(pool);
    await recordOrders(store);
    const events = (await store.readAll(undefined, 1_000_000)).map((recorded) => {
      const parsed = parseCloudEvent(Buffer.from(toKafkaMessage(recorded).value));
      return { event: parsed.event, topic: 'workorders.events', partition: 0, offset: '0', key: undefined };
    });
    const controller = new WorkOrderProjectionKafkaController(pool, new ResidentKeys(`bench-${randomUUID()}`));
    const orderRows = async () =>
      JSON.stringify((await pool.query('SELECT * FROM query_work_orders ORDER BY work_order_id')).rows);
    let oneByOneRows;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const mode of ['one-by-one', 'batched']) {
        await pool.query(
          'TRUNCATE query_timeline, query_work_orders, query_report_orders, query_report_facts, query_order_changes',
        );
        const started = process.hrtime.bigint();
        if (mode === 'one-by-one') for (const event of events) await controller.onEvent(event);
        else
          for (let i = 0; i < events.length; i += BATCH)
            await inConsumerTransaction(pool, async (transaction) => {
              for (const event of events.slice(i, i + BATCH)) await controller.onEvent({ ...event, transaction });
            });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const rows = await orderRows();
        oneByOneRows ??= rows;
        console.log(
          JSON.stringify({
            bench: 'projection',
            round,
            mode,
            events: events.length,
            batch: mode === 'batched' ? BATCH : 1,
            eventsPerSecond: Math.round(events.length / seconds),
            sameRowsAsOneByOne: rows === oneByOneRows,
          }),
        );
      }
    }
  });

runBench(main);
