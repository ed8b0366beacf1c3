import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { EventTypes, ReportDetails } from '@closeloop/contracts';
import { ReloadingJsonFile } from '@closeloop/config';
import { PostgresEventStore, RecordedEvent } from '@closeloop/event-store';
import { InboundCloudEvent, parseCloudEvent, toKafkaMessage } from '@closeloop/messaging';
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

  beforeAll(async () => {
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
});
