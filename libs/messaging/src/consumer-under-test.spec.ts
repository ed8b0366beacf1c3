import { randomUUID } from 'node:crypto';
import { TopicBaseNames, topicName } from '@closeloop/contracts';
import { deleteTopicsWithPrefix, uniqueTopicPrefix } from '@closeloop/testing';
import { Kafka, Producer } from 'kafkajs';
import { CloudEventConsumer, EventConsumerOptions } from './event-consumer';
import { ensureTopics } from './kafka';

export interface IntakeConsumerUnderTest {
  /** Sends the spec's records; the consumer dead-letters with it too. */
  readonly producer: Producer;
  readonly consumer: CloudEventConsumer;
  /** Stops the consumer, disconnects the producer and deletes the spec's topics. */
  close(): Promise<void>;
}

/** A spec's own topic prefix, and the intake topic under it that its consumer reads. */
export const intakeTopicUnderTest = (name: string): { readonly prefix: string; readonly topic: string } => {
  const prefix = uniqueTopicPrefix(name);
  return { prefix, topic: topicName(TopicBaseNames.intake, prefix) };
};

/**
 * The consumer specs' broker side: the topics under the spec's prefix (beside any the spec created first), a producer,
 * and a started consumer of the intake topic in the group `<prefix>intake`, as the intake service sets its own up.
 * The options say how it handles, retries and parks.
 */
export const intakeConsumerUnderTest = async (
  kafka: Kafka,
  prefix: string,
  options: Omit<EventConsumerOptions, 'kafka' | 'producer' | 'groupId' | 'topics'>,
): Promise<IntakeConsumerUnderTest> => {
  await ensureTopics(kafka, prefix);
  const producer = kafka.producer();
  await producer.connect();
  const consumer = new CloudEventConsumer({
    ...options,
    kafka,
    producer,
    groupId: `${prefix}intake`,
    topics: [topicName(TopicBaseNames.intake, prefix)],
  });
  await consumer.start();
  return {
    producer,
    consumer,
    close: async () => {
      await consumer.stop();
      await producer.disconnect();
      await deleteTopicsWithPrefix(kafka, prefix);
    },
  };
};

/** A structured CloudEvent for the intake topic; the consumer specs' handlers choose what to do by its subject. */
export const intakeCloudEvent = (subject: string) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'urn:test:hotline',
  type: 'closeloop.intake.report-submitted.v1',
  subject,
  data: {},
});
