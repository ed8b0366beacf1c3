/** Injection tokens of the shared infrastructure, apart so that controllers and the module can both import them. */
/**
 * The time source; domain code receives `now` from it and never reads the clock itself. An abstract class rather
 * than an interface so that the type is its own injection token: a constructor asks for a `Clock` and gets it.
 */
export abstract class Clock {
  abstract now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export const SERVICE_CONFIG = Symbol('ServiceConfig');
export const PG_POOL = Symbol('PgPool');
export const KAFKA = Symbol('Kafka');
export const KAFKA_PRODUCER = Symbol('KafkaProducer');
