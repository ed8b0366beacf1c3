import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  DeadLetterHeaders,
  EventTypes,
  TopicBaseNames,
  topicName,
  WorkOrderCommandMessage,
  WorkOrderCommandTypes,
} from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { ensureTopics } from '@closeloop/messaging';
import { systemClock } from '@closeloop/runtime';
import {
  deleteTopicsWithPrefix,
  eventually,
  eventuallyWhere,
  freshDatabase,
  TestDatabase,
  testKafka,
  uniqueTopicPrefix,
} from '@closeloop/testing';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { workOrderStream } from '@closeloop/work-order-domain';
import { Consumer, Kafka, Producer } from 'kafkajs';
import { recordReportAsIntake } from '../../apps/dispatch/src/reports-under-test.spec';
import { startTimerFiring } from '../../apps/sla-timer/src/callback-timers/timer-firing-under-test.spec';
import { TimerFiringService } from '../../apps/sla-timer/src/callback-timers/timer-firing.service';
import { TimerStore, timerIdOf } from '../../apps/sla-timer/src/callback-timers/timer-store';
import { WorkOrderCommandSender } from '../../apps/sla-timer/src/callback-timers/work-order-command.sender';
import { DispatchConfig } from '../../apps/dispatch/src/dispatch.config';
import {
  LoopTimerCommandHandler,
  LoopTimerTrace,
} from '../../apps/dispatch/src/loop-timers/loop-timer-command.handler';
import { LoopTimerCommandsConsumer } from '../../apps/dispatch/src/loop-timers/loop-timer-commands.consumer';

/** The handler, counting the commands it was given, so a spec knows a duplicate has been dealt with. */
class CountingHandler extends LoopTimerCommandHandler {
  handled = 0;
  override async handle(command: WorkOrderCommandMessage, trace: LoopTimerTrace) {
    try {
      return await super.handle(command, trace);
    } finally {
      this.handled++;
    }
  }
}

/**
 * sla-timer's loop timers ask dispatch to act over `workorders.commands`, and dispatch decides on the work order it
 * owns: sla-timer's real firing loop and sender, dispatch's real consumer, real Kafka and PostgreSQL (one database
 * here, as the local stack has; neither side reads the other's tables).
 */
describe('loop timers as commands from sla-timer to dispatch', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let producer: Producer;
  let prefix: string;
  let handler: CountingHandler;
  let consumer: LoopTimerCommandsConsumer;
  let timers: TimerStore;
  let firing: TimerFiringService;
  let sender: WorkOrderCommandSender;
  let deadLetters: Consumer | undefined;
  const dispatchConfig = () =>
    ({
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_SESSION_TIMEOUT_MS: 6_000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 1_000,
      KAFKA_REBALANCE_TIMEOUT_MS: 30_000,
    }) as DispatchConfig;
  const staff = { staffId: 's1-li-na', name: 'Li Na' };
  let numbered = 0;

  beforeAll(async () => {
    db = await freshDatabase('loop_timer_commands');
    store = new PostgresEventStore(db.pool);
    kafka = testKafka('loop-timer-commands');
    prefix = uniqueTopicPrefix('loop-timers');
    await ensureTopics(kafka, prefix);
    producer = kafka.producer();
    await producer.connect();
    handler = new CountingHandler(new WorkOrderCommands(store), systemClock);
    consumer = new LoopTimerCommandsConsumer(kafka, producer, db.pool, dispatchConfig(), handler);
    await consumer.onApplicationBootstrap();

    sender = new WorkOrderCommandSender(producer, topicName(TopicBaseNames.commands, prefix));
    ({ timers, firing } = startTimerFiring(store, db.pool, sender));
  });

  afterAll(async () => {
    await firing?.onApplicationShutdown();
    await consumer?.onApplicationShutdown();
    await deadLetters?.disconnect();
    await producer?.disconnect();
    if (kafka && prefix) await deleteTopicsWithPrefix(kafka, prefix).catch(() => undefined);
    await db?.drop();
  });

  /** An order reported, acknowledged, worked on and resolved, as dispatch records it. */
  const resolvedOrder = async (): Promise<string> => {
    const workOrderId = randomUUID();
    const report = {
      siteId: 'S1',
      building: 'B2',
      channel: 'phone' as const,
      reporter: {},
      description: 'Corridor light flickering',
    };
    const now = new Date();
    await recordReportAsIntake(store, report, `S1-20261205-${String(++numbered).padStart(4, '0')}`, now, workOrderId);
    const commands = new WorkOrderCommands(store);
    const context = {
      actor: { kind: 'staff' as const, id: staff.staffId },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      producer: 'dispatch',
    };
    await commands.execute(workOrderId, () => ({ type: 'Acknowledge', by: staff, now }), context);
    await commands.execute(workOrderId, () => ({ type: 'StartWork', by: staff, now }), context);
    await commands.execute(
      workOrderId,
      () => ({ type: 'Resolve', by: staff, notes: 'Replaced the starter', photoRefs: [], now }),
      context,
    );
    return workOrderId;
  };

  const recorded = (workOrderId: string, type: string) =>
    store.readStream(workOrderStream(workOrderId)).then((events) => events.filter((e) => e.type === type));

  it('turns a fired callback timer into the callback task, and marks the timer fired once the broker has the command', async () => {
    const workOrderId = await resolvedOrder();
    await timers.schedule(workOrderId, 'callback-due', 0, new Date(Date.now() - 1_000));
    const timerId = timerIdOf(workOrderId, 'callback-due', 0);

    const [requested] = await eventuallyWhere(
      'the callback task',
      () => recorded(workOrderId, EventTypes.CallbackRequested),
      (requests) => requests.length > 0,
    );
    expect(requested).toMatchObject({ data: expect.objectContaining({ workOrderId, round: 0 }) });
    expect(requested?.metadata).toMatchObject({
      producer: 'dispatch',
      actor: { kind: 'system', id: 'sla-timer' },
      causationId: `timer:${timerId}`,
      idempotencyKey: `timer:${timerId}`,
    });
    const { rows } = await db.pool.query<{ fired_at: Date | null }>(
      'SELECT fired_at FROM sla_timer_timers WHERE timer_id = $1',
      [timerId],
    );
    expect(rows[0]?.fired_at).toBeInstanceOf(Date);
  });

  it('closes an unconfirmed order once, though the same command arrives twice', async () => {
    const workOrderId = await resolvedOrder();
    const command: WorkOrderCommandMessage = {
      type: WorkOrderCommandTypes.CloseWithoutConfirmation,
      data: { workOrderId, round: 0, timerId: randomUUID() },
    };
    const before = handler.handled;
    const trace = { correlationId: randomUUID(), causationId: `timer:${command.data.timerId}`, sentAt: new Date() };
    await sender.send(command, trace);
    await sender.send(command, trace);

    await eventually('both deliveries handled', async () => (handler.handled >= before + 2 ? true : undefined));
    const closed = await recorded(workOrderId, EventTypes.WorkOrderClosed);
    expect(closed.map((e) => e.data)).toEqual([
      expect.objectContaining({ workOrderId, outcome: 'closed-without-confirmation' }),
    ]);
  });

  it('does nothing for a timer of a round the order is not in (one set before a reopen)', async () => {
    const workOrderId = await resolvedOrder();
    const before = handler.handled;
    await sender.send(
      { type: WorkOrderCommandTypes.CloseWithoutConfirmation, data: { workOrderId, round: 1, timerId: randomUUID() } },
      { correlationId: 'c', causationId: 'c', sentAt: new Date() },
    );
    await eventually('the command handled', async () => (handler.handled > before ? true : undefined));
    expect(await recorded(workOrderId, EventTypes.WorkOrderClosed)).toEqual([]);
  });

  it('keeps a command sent while dispatch is down in Kafka, and acts on it when dispatch is back', async () => {
    await consumer.onApplicationShutdown();
    const workOrderId = await resolvedOrder();
    await timers.schedule(workOrderId, 'close-unconfirmed', 0, new Date(Date.now() - 1_000));
    const timerId = timerIdOf(workOrderId, 'close-unconfirmed', 0);
    await eventually('the timer fired', async () =>
      (await db.pool.query('SELECT 1 FROM sla_timer_timers WHERE timer_id = $1 AND fired_at IS NOT NULL', [timerId]))
        .rowCount
        ? true
        : undefined,
    );
    expect(await recorded(workOrderId, EventTypes.WorkOrderClosed)).toEqual([]);

    consumer = new LoopTimerCommandsConsumer(kafka, producer, db.pool, dispatchConfig(), handler);
    await consumer.onApplicationBootstrap();
    await eventuallyWhere(
      'the order closed',
      () => recorded(workOrderId, EventTypes.WorkOrderClosed),
      (closed) => closed.length === 1,
      60_000,
    );
  }, 90_000);

  it('dead-letters a command of a type dispatch does not know, with why in its headers', async () => {
    const seen: { errorCode?: string; key?: string }[] = [];
    deadLetters = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    await deadLetters.connect();
    await deadLetters.subscribe({ topics: [`${topicName(TopicBaseNames.commands, prefix)}.dlq`], fromBeginning: true });
    await deadLetters.run({
      eachMessage: async ({ message }) =>
        void seen.push({
          errorCode: message.headers?.[DeadLetterHeaders.errorCode]?.toString(),
          key: message.key?.toString(),
        }),
    });

    const workOrderId = randomUUID();
    const unknown = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'closeloop/sla-timer',
      type: 'closeloop.workorder.repaint-the-lobby.v1',
      workorderid: workOrderId,
      data: { workOrderId },
    };
    await producer.send({
      topic: topicName(TopicBaseNames.commands, prefix),
      messages: [{ key: workOrderId, value: JSON.stringify(unknown) }],
    });
    await eventually('the dead letter', async () => seen.find((s) => s.key === workOrderId), 30_000);
    expect(seen.find((s) => s.key === workOrderId)).toEqual({
      errorCode: 'UNSUPPORTED_COMMAND_TYPE',
      key: workOrderId,
    });
  });
});
