import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { ResidentKeys } from '@closeloop/auth';
import { EventMetadata, EventTypes } from '@closeloop/contracts';
import { loadJsonFile } from '@closeloop/config';
import { PostgresEventStore, RecordedEvent } from '@closeloop/event-store';
import { inConsumerTransaction, InboundCloudEvent, parseCloudEvent, toKafkaMessage } from '@closeloop/messaging';
import { freshDatabase, repositoryRoot, TestDatabase } from '@closeloop/testing';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import {
  RosterSchema,
  route,
  triage,
  TriageRulesSchema,
  WorkOrderCommand,
  workOrderDecider,
  workOrderStream,
} from '@closeloop/work-order-domain';
import { WorkOrderProjectionKafkaController } from './work-order-projection.kafka.controller';
import { rebuildQueryReadModels } from './work-order.rebuild';

/**
 * Delivery is at least once and, across a relay restart, not always in order: the projection must give the same
 * order row and timeline whether an event arrives once, twice, or after a newer one. Against a real database,
 * through the controller the Kafka transport calls, with events recorded by the real event store.
 */
describe('the work-order projection under redelivery', () => {
  const residentSecret = 'query-projection-spec-resident-secret-0123456789';
  const linkDigestOf = (workOrderId: string) =>
    ResidentKeys.linkTokenDigest(new ResidentKeys(residentSecret).linkToken(workOrderId));
  let db: TestDatabase;
  let store: PostgresEventStore;
  let controller: WorkOrderProjectionKafkaController;
  const rules = loadJsonFile(
    'TRIAGE_RULES_FILE',
    resolve(repositoryRoot, 'config/triage-rules.json'),
    TriageRulesSchema,
  );
  const roster = loadJsonFile('ROSTER_FILE', resolve(repositoryRoot, 'config/roster.json'), RosterSchema);

  beforeAll(async () => {
    db = await freshDatabase('query_redelivery');
    store = new PostgresEventStore(db.pool);
    controller = new WorkOrderProjectionKafkaController(db.pool, new ResidentKeys(residentSecret));
  });

  afterAll(async () => {
    await db?.drop();
  });

  let numbered = 0;
  const at = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 2, minutes));

  /** A burst pipe from report to resolution, with a neighbour's repeat report, as the services record it. */
  const recordedHistory = async (): Promise<{ workOrderId: string; ownerId: string; events: RecordedEvent[] }> => {
    const workOrderId = randomUUID();
    const report = {
      siteId: 'S1',
      building: 'B2',
      unit: '1201',
      channel: 'phone' as const,
      reporter: { name: 'Ms Zhao', phone: '13800001111' },
      description: 'Burst pipe under the kitchen sink',
    };
    const metadata = (producer: string): EventMetadata => ({
      workOrderId,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actor: { kind: 'system', id: producer },
      producer,
    });
    const reported = workOrderDecider.decide(
      {
        type: 'ReportWorkOrder',
        workOrderId,
        number: `S1-20261125-${String(++numbered).padStart(4, '0')}`,
        report,
        triage: triage(rules, report),
        now: at(0),
      },
      workOrderDecider.initialState(),
    );
    await store.append(
      workOrderStream(workOrderId),
      reported.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata: metadata('intake') })),
      'no-stream',
    );
    const commands = new WorkOrderCommands(store);
    const routing = route(roster, { workOrderId, siteId: 'S1', building: 'B2', category: 'plumbing' }, at(1));
    if (routing.kind !== 'team')
      throw new Error(`the roster has nobody for a burst pipe at ${at(1).toISOString()}: ${routing.reason}`);
    const owner = { staffId: routing.owner.staffId, name: routing.owner.name };
    const steps: WorkOrderCommand[] = [
      { type: 'AssignOwner', routing, now: at(1) },
      {
        type: 'LinkDuplicateReport',
        report: {
          ...report,
          unit: '1101',
          reporter: { name: 'Mr Sun', phone: '13900002222' },
          description: 'Water coming through our ceiling',
        },
        similarity: 0.6,
        reason: 'building B2',
        now: at(2),
      },
      { type: 'Acknowledge', by: owner, now: at(3) },
      { type: 'StartWork', by: owner, now: at(10) },
      { type: 'Resolve', by: owner, notes: 'Replaced the trap and the supply hose', photoRefs: [], now: at(40) },
    ];
    for (const step of steps) {
      await commands.execute(workOrderId, () => step, {
        actor: { kind: 'system', id: 'test' },
        correlationId: randomUUID(),
        causationId: randomUUID(),
        producer: 'test',
      });
    }
    return { workOrderId, ownerId: owner.staffId, events: await store.readStream(workOrderStream(workOrderId)) };
  };

  /** A recorded event as the relay publishes it and the consumer hands it to the controller. */
  const delivered = (recorded: RecordedEvent): InboundCloudEvent => {
    const message = toKafkaMessage(recorded);
    const parsed = parseCloudEvent(Buffer.from(message.value as string));
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, topic: 'workorders.events', partition: 0, offset: '0', key: message.key as string };
  };

  const deliver = async (events: readonly RecordedEvent[]) => {
    for (const event of events) await controller.onEvent(delivered(event));
  };

  /** Delivers the events as one partition batch, in one transaction, as the consumer does (ADR 36). */
  const deliverInBatch = (events: readonly RecordedEvent[]) =>
    inConsumerTransaction(db.pool, async (transaction) => {
      for (const event of events) await controller.onEvent({ ...delivered(event), transaction });
    });

  /** The order row and its timeline, without the timeline's arrival counter (which only says when a row came). */
  const readSide = async (workOrderId: string) => ({
    view: (await db.pool.query('SELECT * FROM query_work_orders WHERE work_order_id = $1', [workOrderId])).rows,
    timeline: (
      await db.pool.query(
        `SELECT event_id, event_type, occurred_at, source, actor, correlation_id, causation_id, sequence, data
         FROM query_timeline WHERE work_order_id = $1 ORDER BY sequence`,
        [workOrderId],
      )
    ).rows,
  });

  it('changes neither the order row nor the timeline when every event is delivered again', async () => {
    const { workOrderId, ownerId, events } = await recordedHistory();
    await deliver(events);
    const once = await readSide(workOrderId);
    expect(once.view).toHaveLength(1);
    expect(once.view[0]).toMatchObject({ status: 'resolved', owner_id: ownerId });
    expect(once.timeline.map((row) => row.event_id)).toEqual(events.map((e) => e.eventId));

    await deliver(events);
    await deliver([...events].reverse());
    expect(await readSide(workOrderId)).toEqual(once);
  });

  it('gives the same order row and timeline when events arrive newest first, some twice', async () => {
    const { workOrderId, events } = await recordedHistory();
    await deliver(events);
    const inOrder = await readSide(workOrderId);

    await db.pool.query('DELETE FROM query_timeline WHERE work_order_id = $1', [workOrderId]);
    await db.pool.query('DELETE FROM query_work_orders WHERE work_order_id = $1', [workOrderId]);
    const [first, second, ...rest] = events;
    await deliver([...rest].reverse());
    await deliver([second as RecordedEvent, ...rest, first as RecordedEvent, second as RecordedEvent]);
    expect(await readSide(workOrderId)).toEqual(inOrder);
  });
  it('leaves the same rows when events come a partition batch at a time, before their report, some twice', async () => {
    const { workOrderId, events } = await recordedHistory();
    const reportSide = async () => ({
      order: (await db.pool.query('SELECT * FROM query_report_orders WHERE work_order_id = $1', [workOrderId])).rows,
      facts: (await db.pool.query('SELECT * FROM query_report_facts WHERE work_order_id = $1', [workOrderId])).rows,
    });
    const changes = async () =>
      (
        await db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM query_order_changes WHERE work_order_id = $1',
          [workOrderId],
        )
      ).rows[0]?.n;
    await deliver(events);
    const oneByOne = { ...(await readSide(workOrderId)), ...(await reportSide()) };
    expect(oneByOne.view).toHaveLength(1);
    expect(await changes()).toBe(events.length);

    for (const table of ['query_timeline', 'query_work_orders', 'query_report_orders', 'query_report_facts'])
      await db.pool.query(`DELETE FROM ${table} WHERE work_order_id = $1`, [workOrderId]);
    const [report, ...rest] = events;
    await deliverInBatch([...rest].reverse());
    expect((await readSide(workOrderId)).view).toEqual([]);
    await deliverInBatch([report as RecordedEvent, ...events]);
    expect({ ...(await readSide(workOrderId)), ...(await reportSide()) }).toEqual(oneByOne);
    // One change on the live board's feed for the batch that gave the order its row, not one per event.
    expect(await changes()).toBe(events.length + 1);
  });

  /** Both tables whole, without the timeline's arrival counter, and what their schema looks like by name. */
  const everything = async () => ({
    orders: (await db.pool.query('SELECT * FROM query_work_orders ORDER BY work_order_id')).rows,
    timeline: (
      await db.pool.query(
        'SELECT event_id, event_type, occurred_at, source, actor, correlation_id, causation_id, sequence, data FROM query_timeline ORDER BY event_id',
      )
    ).rows,
  });
  const schema = async () => ({
    indexes: (
      await db.pool.query(
        `SELECT tablename, indexname, regexp_replace(indexdef, ' ON \\S+', '') AS definition FROM pg_indexes
          WHERE tablename IN ('query_timeline', 'query_work_orders') ORDER BY indexname`,
      )
    ).rows,
    constraints: (
      await db.pool.query(
        `SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
          WHERE conrelid IN ('query_timeline'::regclass, 'query_work_orders'::regclass) ORDER BY conname`,
      )
    ).rows,
    arrivalSequence: (await db.pool.query(`SELECT pg_get_serial_sequence('query_timeline', 'arrival') AS name`))
      .rows[0],
  });

  it('swaps in rebuilt tables equal to the live ones under the same names, and the live projection carries on in them', async () => {
    const delivered = await recordedHistory();
    await deliver(delivered.events);
    const notYetDelivered = await recordedHistory();
    const live = await everything();
    const before = await schema();

    const report = await rebuildQueryReadModels({ pool: db.pool, store, swap: true, residentSecret });
    expect(report).toMatchObject({ readModel: 'query', swapped: true, unpublishable: 0 });

    // The rebuild folded the order the live side has not seen yet too; its late delivery changes nothing.
    const rebuilt = await everything();
    expect(rebuilt.orders.filter((o) => o.work_order_id !== notYetDelivered.workOrderId)).toEqual(live.orders);
    expect(rebuilt.timeline.filter((t) => !notYetDelivered.events.some((e) => e.eventId === t.event_id))).toEqual(
      live.timeline,
    );
    await deliver(notYetDelivered.events);
    expect(await everything()).toEqual(rebuilt);
    expect(await schema()).toEqual(before);
    expect(before.indexes.length).toBeGreaterThanOrEqual(8);
    expect(before.arrivalSequence).toEqual({ name: 'public.query_timeline_arrival_seq' });

    // New events go on being numbered and folded in the swapped-in tables.
    const later = await recordedHistory();
    await deliver(later.events);
    expect((await readSide(later.workOrderId)).view[0]).toMatchObject({ status: 'resolved' });
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE '%\\_\\_rebuild%'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it("keeps each order's status-link digest on its row, and a rebuild without the secret carries the live ones over", async () => {
    const { workOrderId, events } = await recordedHistory();
    await deliver(events);
    const digestOf = async (table: string) =>
      (await db.pool.query(`SELECT link_digest FROM ${table} WHERE work_order_id = $1`, [workOrderId])).rows[0]
        ?.link_digest;
    expect(await digestOf('query_work_orders')).toBe(linkDigestOf(workOrderId));

    const report = await rebuildQueryReadModels({ pool: db.pool, store, swap: false, residentSecret: '' });
    expect(report).toMatchObject({ readModel: 'query', swapped: false });
    expect(await digestOf('query_work_orders__rebuild')).toBe(linkDigestOf(workOrderId));
    await db.pool.query(
      'DROP TABLE IF EXISTS query_timeline__rebuild, query_work_orders__rebuild, query_report_orders__rebuild, query_report_facts__rebuild',
    );
  });

  it("puts an escalation chain's end on the order's timeline as notification records it on the alert, leaving the order row as it was", async () => {
    const { workOrderId, events } = await recordedHistory();
    await deliver(events);
    const before = await readSide(workOrderId);
    const alertId = randomUUID();
    const data = {
      alertId,
      workOrderId,
      siteId: 'S1',
      target: 'response',
      level: 3,
      round: 0,
      deadLettered: ['s1-ops-head:webhook'],
      fallback: { staffId: 'fallback:S1', source: 'site-fallback', channels: ['sms'] },
      exhaustedAt: at(20).toISOString(),
    };
    const metadata: EventMetadata = {
      workOrderId,
      correlationId: `alert:${alertId}`,
      causationId: randomUUID(),
      actor: { kind: 'system', id: 'notification' },
      producer: 'notification',
    };
    await store.append(
      `alert-${alertId}`,
      [{ eventId: randomUUID(), type: EventTypes.AlertChainExhausted, data, metadata }],
      'any',
    );
    const [exhausted] = await store.readStream(`alert-${alertId}`);
    await deliver([exhausted as RecordedEvent, exhausted as RecordedEvent]);

    const after = await readSide(workOrderId);
    // Nothing about the order changes but when it was last touched.
    const withoutTouch = (rows: Record<string, unknown>[]) => rows.map(({ updated_at: _updated, ...row }) => row);
    expect(withoutTouch(after.view)).toEqual(withoutTouch(before.view));
    expect(after.timeline.map((row) => row.event_type)).toEqual([
      ...before.timeline.map((row) => row.event_type),
      EventTypes.AlertChainExhausted,
    ]);
    expect(after.timeline.at(-1)).toMatchObject({ event_id: exhausted?.eventId, data });
  });
});
