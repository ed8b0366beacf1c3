import { scrubSecrets, topicSpecs } from '@closeloop/contracts';
import { Admin, Kafka, KafkaConfig, KafkaJSProtocolError, logCreator, logLevel } from 'kafkajs';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** The client's SCRAM identity and TLS (deploy/kafka-production); absent for the local PLAINTEXT broker. */
  readonly sasl?: KafkaConfig['sasl'];
  readonly ssl?: KafkaConfig['ssl'];
  /** kafkajs' own log lines from this level up; WARN unless a test wants quiet while it breaks the broker. */
  readonly logLevel?: logLevel;
}

/**
 * kafkajs writes its own log lines (a broker that went away, a rebalance), bypassing Nest's logger; they go through
 * the same scrubbing, as one JSON line each, so a SASL error or a quoted record never carries a secret to the logs.
 */
export const scrubbingKafkaLog: logCreator =
  () =>
  ({ namespace, level, label, log }) => {
    const { message, timestamp: _timestamp, ...extra } = log;
    const line = scrubSecrets(JSON.stringify({ level: label, namespace, message, ...extra }));
    if (level <= logLevel.ERROR) console.error(line);
    else console.log(line);
  };

export const createKafka = ({
  brokers,
  clientId,
  sasl,
  ssl,
  logLevel: level = logLevel.WARN,
}: KafkaConnection): Kafka =>
  new Kafka({
    clientId,
    brokers: [...brokers],
    ...(sasl ? { sasl } : {}),
    ...(ssl ? { ssl } : {}),
    logLevel: level,
    logCreator: scrubbingKafkaLog,
    // Backoff steps capped at 5 s (kafkajs' default cap is 30 s): once a restarted broker answers, the producer and
    // the consumer are back within one step instead of sleeping through half a minute.
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 5_000 },
  });

/**
 * Creates the contract's topics when missing (auto-creation is off on our brokers, so partition counts are
 * always the documented ones) and returns once every partition has a leader. Safe to call from every instance
 * at start-up.
 */
export const ensureTopics = async (kafka: Kafka, prefix: string, timeoutMillis = 30_000): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted = topicSpecs(prefix);
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: false,
          topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
        });
      } catch (error) {
        // Instances starting together race to create the same topics; losing that race is fine.
        if (!(error instanceof KafkaJSProtocolError && error.type === 'TOPIC_ALREADY_EXISTS')) throw error;
      }
    }
    await waitForLeaders(
      admin,
      wanted.map((t) => t.name),
      timeoutMillis,
    );
  } finally {
    await admin.disconnect();
  }
};

/**
 * kafkajs' own `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker answers for a
 * moment after creating a topic while its metadata cache catches up; so poll until every partition has a leader.
 */
const waitForLeaders = async (admin: Admin, topics: readonly string[], timeoutMillis: number): Promise<void> => {
  const deadline = Date.now() + timeoutMillis;
  let lastProblem: unknown;
  while (Date.now() < deadline) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = metadata.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      if (leaderless.length === 0) return;
      lastProblem = `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`;
    } catch (error) {
      lastProblem = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Kafka topics not ready after ${timeoutMillis} ms: ${String(lastProblem)}`);
};
