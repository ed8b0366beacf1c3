import { randomUUID } from 'node:crypto';
import { EventTypes, TopicBaseNames, topicName } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import {
  eventually,
  freshDatabase,
  PrivateBroker,
  privateBrokerUnavailable,
  startPrivateBroker,
  TestDatabase,
  uniqueTopicPrefix,
} from '@closeloop/testing';
import { logLevel, Partitioners, Producer } from 'kafkajs';
import { CloudEventConsumer } from './event-consumer';
import { createKafka, ensureTopics } from './kafka';
import { PostgresParkedMessages } from './parked-messages.repository';
import { EventRelay } from './relay';

// Restarting the shared broker would break every other test running on it, so this suite runs a broker of its own
// (libs/testing's private broker: kafka.sh's jars and settings on free ports). Where the jars or java are missing it
// is reported as skipped, with the reason.
const unavailable = privateBrokerUnavailable();

const suite = () => {
  let broker: PrivateBroker;
  let db: TestDatabase;
  let producer: Producer;
  let consumer: CloudEventConsumer;
  let relay: EventRelay;
  const handled = new Map<string, number>();
  const prefix = uniqueTopicPrefix('broker-restart');
  const topic = topicName(TopicBaseNames.events, prefix);

  beforeAll(async () => {
    broker = await startPrivateBroker();
    db = await freshDatabase('broker_restart');
    // The services' own client settings (retry and backoff), against the private broker.
    const kafka = createKafka({ brokers: broker.brokers, clientId: 'broker-restart-test', logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, prefix, 60_000);
    producer = kafka.producer({ maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    relay = new EventRelay({ pool: db.pool, store: new PostgresEventStore(db.pool), producer, topic, idleMillis: 50 });
    relay.start();
    consumer = new CloudEventConsumer({
      kafka,
      producer,
      parkedMessages: new PostgresParkedMessages(db.pool),
      groupId: `${prefix}dispatch`,
      topics: [topic],
      handle: async ({ event }) => void handled.set(event.id, Date.now()),
    });
    await consumer.start();
  }, 180_000);

  afterAll(async () => {
    await relay?.stop();
    await consumer?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await broker?.dispose();
    await db?.drop();
  }, 60_000);

  const append = async () => {
    const order = randomUUID();
    const eventId = randomUUID();
    await new PostgresEventStore(db.pool).append(
      `workorder-${order}`,
      [
        {
          eventId,
          type: EventTypes.WorkOrderTriaged,
          data: {},
          metadata: {
            workOrderId: order,
            correlationId: 'c',
            causationId: 'c',
            actor: { kind: 'system', id: 'test' },
            producer: 'test',
          },
        },
      ],
      'no-stream',
    );
    return eventId;
  };

  it('publishes and consumes again, in the same process, once a killed broker is back', async () => {
    const before = await append();
    await eventually(
      'the event before the crash consumed',
      async () => (handled.has(before) ? true : undefined),
      60_000,
    );

    await broker.kill();
    const duringOutage = await append(); // the relay keeps trying while nothing answers
    await new Promise((r) => setTimeout(r, 5_000));
    expect(handled.has(duringOutage)).toBe(false);

    const restartedAt = Date.now();
    await broker.start();
    const readyAt = Date.now();
    const after = await append();
    await eventually(
      'the events of the outage and after it consumed',
      async () => (handled.has(duringOutage) && handled.has(after) ? true : undefined),
      90_000,
      100,
    );
    const recovered = Math.max(handled.get(duringOutage) as number, handled.get(after) as number);
    console.log(
      `broker restart: broker back in ${readyAt - restartedAt} ms; the outage's event and a new one published and consumed ${recovered - readyAt} ms after it answered, without restarting the client`,
    );
  }, 240_000);
};

if (unavailable) {
  process.stderr.write(`broker-restart suite skipped: ${unavailable}\n`);
  describe.skip(`the relay and a consumer across a broker restart (skipped: ${unavailable})`, suite);
} else {
  describe('the relay and a consumer across a broker restart, on a private broker', suite);
}
