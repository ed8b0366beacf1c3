import { topicSpecs } from '@closeloop/contracts';
import { Kafka, logLevel } from 'kafkajs';

export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

export const createKafka = ({ brokers, clientId }: KafkaConnection): Kafka =>
  new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 8 },
  });

/**
 * Creates the contract's topics when missing (auto-creation is off on our brokers, so partition counts are
 * always the documented ones). Safe to call from every instance at start-up.
 */
export const ensureTopics = async (kafka: Kafka, prefix: string): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicSpecs(prefix).filter((t) => !existing.has(t.name));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    } catch (error) {
      // Instances starting together race to create the same topics; losing that race is fine.
      const now = new Set(await admin.listTopics());
      const stillMissing = missing.filter((t) => !now.has(t.name));
      if (stillMissing.length > 0) throw error;
    }
  } finally {
    await admin.disconnect();
  }
};
