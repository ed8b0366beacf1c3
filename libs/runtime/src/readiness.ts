/** The injection token of the process's ServiceReadiness. */
export const READINESS = Symbol('Readiness');

/**
 * What readiness asks of the parts that connect to Kafka: each registers a check when it exists (a service without
 * a consumer, or the console without Kafka at all, has fewer checks). PostgreSQL and the migrations are asked directly.
 */
export class ServiceReadiness {
  /** Whether the producer is connected; unset where the process has no producer. */
  producerConnected?: () => boolean;
  /** Whether the Kafka consumer is a member of its group; unset where the process consumes nothing. */
  consumerJoined?: () => boolean;
}
