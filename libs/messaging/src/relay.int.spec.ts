import { randomUUID } from 'node:crypto';
import { EventTypes, TopicBaseNames, topicName } from '@closeloop/contracts';
import { BEGIN_APPENDING_SQL, PostgresEventStore } from '@closeloop/event-store';
import { deleteTopicsWithPrefix, eventually, freshDatabase, TestDatabase, testKafka, uniqueTopicPrefix } from '@closeloop/testing';
import { Consumer, Kafka, Producer } from 'kafkajs';
import { ensureTopics } from './kafka';
import { EventRelay } from './relay';

interface Received {
  eventId: string;
  key: string;
  sequence: string;
  partition: number;
}

describe('EventRelay through a real broker', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let producer: Producer;
  let consumer: Consumer;
  const prefix = uniqueTopicPrefix('relay');
  const topic = topicName(TopicBaseNames.events, prefix);
  const received: Received[] = [];
  const relays: EventRelay[] = [];

  beforeAll(async () => {
    db = await freshDatabase('relay');
    store = new PostgresEventStore(db.pool);
    kafka = testKafka('relay-test');
    await ensureTopics(kafka, prefix);
    producer = kafka.producer({ maxInFlightRequests: 1 });
    await producer.connect();
    consumer = kafka.consumer({ groupId: `${prefix}observer` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const cloudEvent = JSON.parse(message.value?.toString() ?? '{}') as { id: string; sequence: string };
        received.push({ eventId: cloudEvent.id, key: message.key?.toString() ?? '', sequence: cloudEvent.sequence, partition });
      },
    });
  }, 60_000);

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await deleteTopicsWithPrefix(kafka, prefix);
    await db.drop();
  });

  const startRelay = () => {
    const relay = new EventRelay({ pool: db.pool, store, producer, topic, idleMillis: 50 });
    relays.push(relay);
    relay.start();
    return relay;
  };

  const orderEvent = (workOrderId: string, n: number) => ({
    eventId: randomUUID(),
    type: EventTypes.WorkOrderTriaged,
    data: { n },
    metadata: { workOrderId, correlationId: 'c', causationId: 'c', actor: { kind: 'system', id: 'test' }, producer: 'test' },
  });

  const receivedOf = (ids: readonly string[]) => received.filter((r) => ids.includes(r.eventId));

  it('publishes every committed event once, keyed by work order, each order in version order, despite a slow transaction', async () => {
    startRelay();
    startRelay(); // a second instance must stay a standby, or events would arrive twice
    const orders = Array.from({ length: 12 }, () => randomUUID());
    const appended: string[] = [];

    // A writer that takes a position early and commits last: the classic cause of skipped events.
    const slowOrder = randomUUID();
    const slowEvent = orderEvent(slowOrder, 1);
    const slow = await db.pool.connect();
    await slow.query('BEGIN');
    await slow.query(BEGIN_APPENDING_SQL);
    await slow.query(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, 1, $2, $3, $4, $5)`,
      [`workorder-${slowOrder}`, slowEvent.eventId, slowEvent.type, JSON.stringify(slowEvent.data), JSON.stringify(slowEvent.metadata)],
    );

    await Promise.all(
      orders.map(async (order) => {
        for (let n = 1; n <= 5; n++) {
          const e = orderEvent(order, n);
          await store.append(`workorder-${order}`, [e], n - 1);
          appended.push(e.eventId);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500)); // the relay keeps polling while the slow transaction is open
    await slow.query('COMMIT');
    slow.release();
    appended.push(slowEvent.eventId);

    const all = await eventually('every appended event on the topic', async () => {
      const got = receivedOf(appended);
      return new Set(got.map((r) => r.eventId)).size === appended.length ? got : undefined;
    });
    await new Promise((r) => setTimeout(r, 500)); // give a duplicate the chance to show
    expect(receivedOf(appended)).toHaveLength(appended.length);

    for (const order of orders) {
      const mine = all.filter((r) => r.key === order);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const versions = await store.readStream(`workorder-${order}`);
      expect(mine.map((r) => r.eventId)).toEqual(versions.map((v) => v.eventId));
    }
  }, 60_000);

  it('resumes from its durable checkpoint after a restart, losing nothing', async () => {
    const order = randomUUID();
    const first = startRelay();
    const before = orderEvent(order, 1);
    await store.append(`workorder-${order}`, [before], 'no-stream');
    await eventually('the first event', async () => (receivedOf([before.eventId]).length > 0 ? true : undefined));
    await first.stop();

    const whileDown = orderEvent(order, 2);
    await store.append(`workorder-${order}`, [whileDown], 1);
    startRelay();
    await eventually('the event appended while no relay ran', async () => (receivedOf([whileDown.eventId]).length > 0 ? true : undefined));
    expect(receivedOf([before.eventId])).toHaveLength(1);
  }, 60_000);
});
