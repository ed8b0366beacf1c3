import { randomUUID } from 'node:crypto';
import { EventTypes, TopicBaseNames, topicName } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { deleteTopicsWithPrefix, freshDatabase, TestDatabase, testKafka, uniqueTopicPrefix } from '@closeloop/testing';
import { Kafka, Producer } from 'kafkajs';
import { ensureTopics } from './kafka';
import { EventRelay, RelayOptions } from './relay';

/** A record as the observer saw it on the events topic. */
export interface Received {
  readonly eventId: string;
  readonly key: string;
  readonly sequence: string;
  readonly partition: number;
}

/**
 * What the relay specs run against: a fresh database and its event store, topics of their own on the real broker,
 * the producer a relay sends with, and an observer that reads the events topic from the beginning into `received`.
 */
export interface RelayUnderTest {
  readonly db: TestDatabase;
  readonly store: PostgresEventStore;
  readonly kafka: Kafka;
  readonly producer: Producer;
  readonly prefix: string;
  readonly topic: string;
  readonly received: Received[];
  /** What a relay of the store to the topic needs, on the test database's pool. */
  readonly relayOptions: Pick<RelayOptions, 'pool' | 'store' | 'producer' | 'topic'>;
  /** Starts a relay with these options (a relay of the store to the topic unless they say otherwise). */
  startRelay(options?: Partial<RelayOptions>): EventRelay;
  /** Stops every relay startRelay started. */
  stopRelays(): Promise<void>;
  /** Stops the relays, the observer and the producer, deletes the topics and drops the database. */
  close(): Promise<void>;
}

/** `label` names the database, the topics and the Kafka client, so a leftover is easy to trace to its spec. */
export const relayUnderTest = async (label: string): Promise<RelayUnderTest> => {
  const db = await freshDatabase(label.replace(/-/g, '_'));
  const prefix = uniqueTopicPrefix(label);
  const topic = topicName(TopicBaseNames.events, prefix);
  const kafka = testKafka(`${label}-test`);
  await ensureTopics(kafka, prefix);
  const producer = kafka.producer({ maxInFlightRequests: 1 });
  await producer.connect();
  // Room for the records over the broker's default max.message.bytes that the parking spec lets through.
  const observer = kafka.consumer({ groupId: `${prefix}observer`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await observer.connect();
  await observer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  await observer.run({
    eachMessage: async ({ message, partition }) => {
      const cloudEvent = JSON.parse(message.value?.toString() ?? '{}') as { id: string; sequence: string };
      received.push({
        eventId: cloudEvent.id,
        key: message.key?.toString() ?? '',
        sequence: cloudEvent.sequence,
        partition,
      });
    },
  });
  const store = new PostgresEventStore(db.pool);
  const relayOptions = { pool: db.pool, store, producer, topic };
  const relays: EventRelay[] = [];
  const stopRelays = async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
  };
  return {
    db,
    store,
    kafka,
    producer,
    prefix,
    topic,
    received,
    relayOptions,
    startRelay: (options = {}) => {
      const relay = new EventRelay({ ...relayOptions, ...options });
      relays.push(relay);
      relay.start();
      return relay;
    },
    stopRelays,
    close: async () => {
      await stopRelays();
      await observer.disconnect();
      await producer.disconnect();
      await deleteTopicsWithPrefix(kafka, prefix);
      await db.drop();
    },
  };
};

/** The metadata a relay needs to make a record of a work order's event. */
export const workOrderMetadata = (workOrderId: string) => ({
  workOrderId,
  correlationId: 'c',
  causationId: 'c',
  actor: { kind: 'system', id: 'test' },
  producer: 'test',
});

/** A new event of the work order, to append to its stream. */
export const workOrderEvent = (
  workOrderId: string,
  data: unknown = { note: 'fine' },
  metadata: Record<string, unknown> = workOrderMetadata(workOrderId),
) => ({
  eventId: randomUUID(),
  type: EventTypes.WorkOrderTriaged,
  data,
  metadata,
});
