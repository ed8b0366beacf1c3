/** Injection tokens of the shared infrastructure, apart so that controllers and the module can both import them. */
/** The time source; domain code receives `now` from it and never reads the clock itself. */
export interface Clock {
  now(): Date;
}
export const CLOCK = Symbol('Clock');
export const systemClock: Clock = { now: () => new Date() };

export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const PG_POOL = Symbol('PgPool');
export const KAFKA = Symbol('Kafka');
export const KAFKA_PRODUCER = Symbol('KafkaProducer');
