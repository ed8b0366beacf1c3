/**
 * Kafka topic names. A deployment may share one cluster between environments, so every name can carry
 * a prefix (KAFKA_TOPIC_PREFIX); the base names below are the contract.
 */
export const TopicBaseNames = {
  /** Integrators' inbound CloudEvents (hotline, IVR, CRM, app). Keyed by the integrator's event id. */
  intake: 'workorders.intake',
  /** Every committed domain event, keyed by work-order id so one order's events stay in order. */
  events: 'workorders.events',
  /** Commands to the owner of the work-order streams (dispatch), keyed by work-order id (docs/adr/0020). */
  commands: 'workorders.commands',
} as const;

export type TopicBaseName = (typeof TopicBaseNames)[keyof typeof TopicBaseNames];

export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/** Partition counts bound how many instances of one consumer group can share the work. */
export const topicSpecs = (prefix = ''): TopicSpec[] => {
  const intake = `${prefix}${TopicBaseNames.intake}`;
  const events = `${prefix}${TopicBaseNames.events}`;
  const commands = `${prefix}${TopicBaseNames.commands}`;
  return [
    { name: intake, partitions: 6 },
    { name: deadLetterTopicOf(intake), partitions: 1 },
    { name: events, partitions: 6 },
    { name: deadLetterTopicOf(events), partitions: 1 },
    { name: commands, partitions: 6 },
    { name: deadLetterTopicOf(commands), partitions: 1 },
  ];
};

export const topicName = (base: TopicBaseName, prefix = ''): string => `${prefix}${base}`;

/** Headers a dead-letter record carries, so an operator can see why and replay it. */
export const DeadLetterHeaders = {
  reason: 'dlq-reason',
  errorCode: 'dlq-error-code',
  attempts: 'dlq-attempts',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;
