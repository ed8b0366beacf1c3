import { deadLetterTopicOf } from '@closeloop/contracts';
import { Kafka } from 'kafkajs';
import { eventually } from './infrastructure';
import { useSuiteResource } from './suite-resource';

/** A dead letter as a spec reads it: the bytes that failed, as text, and the headers that say why, as text. */
export interface DeadLetterSeen {
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface DeadLetterWatcher {
  /** Every dead letter read so far, in the order the dead-letter topic holds them. */
  readonly seen: readonly DeadLetterSeen[];
  /** Waits for the dead letter whose bytes contain `needle` (an event id, a marker the spec sent). */
  letterContaining(needle: string): Promise<DeadLetterSeen>;
  stop(): Promise<void>;
}

/** Where a watcher reads: `topic`'s dead-letter topic on `kafka`, in the group `<prefix>dlq-watcher`. */
export interface DeadLetterSource {
  readonly kafka: Kafka;
  readonly topic: string;
  readonly prefix: string;
}

/** Reads the dead letters of a topic from its beginning, in a consumer group of its own, for a spec to wait on. */
export const watchDeadLetters = async ({ kafka, topic, prefix }: DeadLetterSource): Promise<DeadLetterWatcher> => {
  const seen: DeadLetterSeen[] = [];
  const consumer = kafka.consumer({ groupId: `${prefix}dlq-watcher` });
  await consumer.connect();
  await consumer.subscribe({ topic: deadLetterTopicOf(topic), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
      seen.push({ value: message.value?.toString() ?? '', headers });
    },
  });
  return {
    seen,
    letterContaining: (needle) =>
      eventually(`a dead letter containing ${needle}`, async () => seen.find((d) => d.value.includes(needle))),
    stop: () => consumer.disconnect(),
  };
};

/**
 * A dead-letter watcher for the tests of the enclosing describe block: started after the block's earlier before-hooks
 * (so `source` may read what they set up) and stopped ahead of its later after-hooks. Read it in tests and hooks.
 */
export const useDeadLetters = (source: () => DeadLetterSource): DeadLetterWatcher =>
  useSuiteResource(
    'the dead-letter watcher',
    () => watchDeadLetters(source()),
    (watcher) => watcher.stop(),
  );
