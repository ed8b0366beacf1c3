import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Attributes, SpanContext, trace } from '@opentelemetry/api';
import { resolve } from 'node:path';
import { EventTypes, ReportDetails } from '@closeloop/contracts';
import { ReloadingJsonFile } from '@closeloop/config';
import { PostgresEventStore, RecordedEvent, traceContextFrom } from '@closeloop/event-store';
import {
  inConsumerTransaction,
  InboundCloudEvent,
  parseCloudEvent,
  toKafkaMessage,
  traceConsuming,
} from '@closeloop/messaging';
import { startTracing, stopTracing } from '@closeloop/runtime';
import { freshDatabase, repositoryRoot, TestDatabase } from '@closeloop/testing';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { RosterSchema, workOrderStream } from '@closeloop/work-order-domain';
import { recordReportAsIntake } from '../reports-under-test.spec';
import { AssignOwnerHandler } from './assign-owner.handler';
import { AssignOwnerOnTriageKafkaController } from './assign-owner-on-triage.kafka.controller';

/**
 * Delivery is at least once (a relay that crashes before its checkpoint publishes again; a rebalance hands a
 * partition over mid-message), so dispatch must absorb a "triaged" event delivered twice, at once, or after the
 * order moved on: against a real database, through the same controller the Kafka transport calls.
 */
describe('dispatch redelivered a triaged event', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let controller: AssignOwnerOnTriageKafkaController;
  // A Wednesday at 10:00 in Shanghai: the roster's day shift of every team is on.
  const now = new Date('2026-11-25T02:00:00Z');
  let numbered = 0;

  // Traces on, as in a service with a collector: a batch's one append must continue each record's own trace.
  const ended: {
    spanContext(): SpanContext;
    readonly name: string;
    readonly attributes: Attributes;
    readonly parentSpanContext?: SpanContext | undefined;
  }[] = [];

  beforeAll(async () => {
    startTracing('dispatch', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' },
      spanProcessors: [
        {
          onStart: () => undefined,
          onEnd: (span: (typeof ended)[number]) => ended.push(span),
          forceFlush: () => Promise.resolve(),
          shutdown: () => Promise.resolve(),
        },
      ],
    });
    db = await freshDatabase('dispatch_redelivery');
    store = new PostgresEventStore(db.pool);
    const commands = new WorkOrderCommands(store);
    const roster = new ReloadingJsonFile(
      'ROSTER_FILE',
      resolve(repositoryRoot, 'config/roster.json'),
      RosterSchema,
      (problem) => {
        throw new Error(problem);
      },
    );
    controller = new AssignOwnerOnTriageKafkaController(new AssignOwnerHandler(commands, { now: () => now }, roster));
  });

  afterAll(async () => {
    await stopTracing();
    await db?.drop();
  });

  /** A report as intake records it; answers its recorded "triaged" event as the consumer receives it from Kafka. */
  const reported = async (
    report: Partial<ReportDetails> = {},
  ): Promise<{ workOrderId: string; triaged: InboundCloudEvent }> => {
    const workOrderId = randomUUID();
    const details: ReportDetails = {
      siteId: 'S1',
      building: 'B2',
      channel: 'phone',
      reporter: {},
      description: 'Burst pipe under the kitchen sink, water everywhere',
      ...report,
    };
    await recordReportAsIntake(
      store,
      details,
      `${details.siteId}-20261125-${String(++numbered).padStart(4, '0')}`,
      now,
      workOrderId,
    );
    const recorded = (await store.readStream(workOrderStream(workOrderId))).find(
      (e) => e.type === EventTypes.WorkOrderTriaged,
    ) as RecordedEvent;
    return { workOrderId, triaged: delivered(recorded) };
  };

  const delivered = (recorded: RecordedEvent): InboundCloudEvent => {
    const message = toKafkaMessage(recorded);
    const parsed = parseCloudEvent(Buffer.from(message.value as string));
    if (!parsed.ok) throw new Error(parsed.reason);
    return { event: parsed.event, topic: 'workorders.events', partition: 0, offset: '0', key: message.key as string };
  };

  const history = (workOrderId: string) => store.readStream(workOrderStream(workOrderId));
  const typesOf = (events: readonly RecordedEvent[]) => events.map((e) => e.type);

  it.each([
    { outcome: 'names one owner', order: {}, decided: EventTypes.WorkOrderAssigned },
    {
      outcome: 'queues an order no team takes once',
      order: { siteId: 'S2', category: 'parking', description: 'Someone parks in the fire lane every night' },
      decided: EventTypes.WorkOrderQueuedForDispatch,
    },
  ])('$outcome, and the second delivery writes nothing', async ({ order, decided }) => {
    const { workOrderId, triaged } = await reported(order);
    await controller.onTriaged(triaged);
    const afterFirst = await history(workOrderId);
    expect(typesOf(afterFirst)).toEqual([EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged, decided]);

    await controller.onTriaged(triaged);
    expect(await history(workOrderId)).toEqual(afterFirst);
  });

  it('names one owner when two consumers handle the same delivery at once', async () => {
    const { workOrderId, triaged } = await reported();
    await Promise.all([controller.onTriaged(triaged), controller.onTriaged(triaged), controller.onTriaged(triaged)]);
    expect(typesOf(await history(workOrderId))).toEqual([
      EventTypes.WorkOrderReported,
      EventTypes.WorkOrderTriaged,
      EventTypes.WorkOrderAssigned,
    ]);
  });

  it('leaves an order that moved on alone when its triaged event arrives late', async () => {
    const { workOrderId, triaged } = await reported();
    await new WorkOrderCommands(store).execute(
      workOrderId,
      () => ({ type: 'Acknowledge', by: { staffId: 's1-li-na', name: 'Li Na' }, now }),
      {
        actor: { kind: 'staff', id: 's1-li-na' },
        correlationId: randomUUID(),
        causationId: randomUUID(),
        producer: 'dispatch',
      },
    );
    const beforeLate = await history(workOrderId);
    await controller.onTriaged(triaged);
    expect(await history(workOrderId)).toEqual(beforeLate);
    expect(typesOf(beforeLate)).not.toContain(EventTypes.WorkOrderAssigned);
  });

  it('assigns the orders of a batch together at its end, each once, a triaged event twice in the batch included', async () => {
    const orders = await Promise.all([reported(), reported(), reported({ siteId: 'S2', category: 'parking' })]);
    const [first] = orders;
    // As the consumer runs a batch: every record's handler in one transaction, then what they gathered.
    await inConsumerTransaction(db.pool, async (transaction) => {
      for (const { triaged } of [...orders, first!]) await controller.onTriaged({ ...triaged, transaction });
      for (const { workOrderId } of orders)
        expect(typesOf(await history(workOrderId))).not.toContain(EventTypes.WorkOrderAssigned);
    });
    for (const { workOrderId } of orders) {
      const types = typesOf(await history(workOrderId));
      expect(types.slice(0, 2)).toEqual([EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged]);
      expect(types).toHaveLength(3);
      expect([EventTypes.WorkOrderAssigned, EventTypes.WorkOrderQueuedForDispatch]).toContain(types[2]);
    }
    // The batch handled again one by one (it failed after the appends): the orders get nothing more.
    const afterBatch = await Promise.all(orders.map(({ workOrderId }) => history(workOrderId)));
    for (const { triaged } of orders) await controller.onTriaged(triaged);
    expect(await Promise.all(orders.map(({ workOrderId }) => history(workOrderId)))).toEqual(afterBatch);
  });

  it("continues each record's own trace in the batch's one append: every assignment under its record's process span", async () => {
    const orders = await Promise.all([reported(), reported(), reported({ siteId: 'S2', category: 'parking' })]);
    await inConsumerTransaction(db.pool, async (transaction) => {
      for (const { triaged } of orders)
        await traceConsuming(triaged, () => controller.onTriaged({ ...triaged, transaction }));
    });
    for (const { workOrderId, triaged } of orders) {
      const [, triagedStored, decided] = await history(workOrderId);
      const recordTrace = trace.getSpanContext(traceContextFrom(triagedStored!.metadata))!.traceId;
      const stamped = trace.getSpanContext(traceContextFrom(decided!.metadata))!;
      const append = ended.find((s) => s.spanContext().spanId === stamped.spanId)!;
      const processing = ended.find(
        (s) => s.name === 'process workorders.events' && s.attributes['messaging.message.id'] === triaged.event.id,
      )!;
      expect({
        workOrderId,
        append: append.name,
        trace: stamped.traceId,
        parent: append.parentSpanContext?.spanId,
      }).toEqual({
        workOrderId,
        append: 'append workorder',
        trace: recordTrace,
        parent: processing.spanContext().spanId,
      });
    }
  });

  it('assigns nothing when a batch fails half-way, and its records handled again one by one assign each order once', async () => {
    const orders = await Promise.all([reported(), reported(), reported()]);
    // The third record's handling fails (the database went away): the batch ends before its gathered assignments.
    await expect(
      inConsumerTransaction(db.pool, async (transaction) => {
        for (const [i, { triaged }] of orders.entries()) {
          if (i === 2) throw new Error('Connection terminated unexpectedly');
          await controller.onTriaged({ ...triaged, transaction });
        }
      }),
    ).rejects.toThrow('Connection terminated');
    for (const { workOrderId } of orders)
      expect(typesOf(await history(workOrderId))).toEqual([EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged]);

    for (const { triaged } of orders) await controller.onTriaged(triaged);
    for (const { workOrderId } of orders)
      expect(typesOf(await history(workOrderId))).toEqual([
        EventTypes.WorkOrderReported,
        EventTypes.WorkOrderTriaged,
        EventTypes.WorkOrderAssigned,
      ]);
  });

  it("fails a batch whose assignments fail for one order, the others' standing, and handled again adds nothing to them", async () => {
    const orders = await Promise.all([reported(), reported()]);
    const { triaged } = orders[0]!;
    // A triaged event of an order this store never heard of: its assignment is refused as not found.
    const unknown: InboundCloudEvent = {
      ...triaged,
      event: {
        ...triaged.event,
        id: randomUUID(),
        data: { ...(triaged.event.data as object), workOrderId: randomUUID() },
      },
    };
    const records = [orders[0]!.triaged, unknown, orders[1]!.triaged];
    await expect(
      inConsumerTransaction(db.pool, async (transaction) => {
        for (const record of records) await controller.onTriaged({ ...record, transaction });
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const afterBatch = await Promise.all(orders.map(({ workOrderId }) => history(workOrderId)));
    for (const events of afterBatch) expect(typesOf(events).at(-1)).toBe(EventTypes.WorkOrderAssigned);

    // As the consumer goes on: record by record, the unknown order refused again (a dead letter), the others untouched.
    for (const record of records)
      await (record === unknown
        ? expect(controller.onTriaged(record)).rejects.toMatchObject({ code: 'NOT_FOUND' })
        : controller.onTriaged(record));
    expect(await Promise.all(orders.map(({ workOrderId }) => history(workOrderId)))).toEqual(afterBatch);
  });
});
