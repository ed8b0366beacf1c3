import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Type,
} from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { TopicBaseNames, topicName } from '@closeloop/contracts';
import { BaseServiceConfig, eventStoreOf } from '@closeloop/config';
import { createPool, migrate } from '@closeloop/database';
import { EVENT_STORE, EventStore, KurrentDbEventStore, PostgresEventStore } from '@closeloop/event-store';
import {
  CloudEventsTransport,
  ConsumerTiming,
  createKafka,
  ensureTopics,
  EventRelay,
  PostgresParkedMessages,
  relayNameOf,
  RelayStateRepository,
} from '@closeloop/messaging';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { Pool } from 'pg';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { InputPolicyInterceptor } from '@closeloop/http';
import {
  IntegratorKeyChanges,
  IntegratorKeyVerifier,
  StaffTokenVerifier,
  VERIFIED_KEY_REMEMBER_MILLIS,
} from '@closeloop/auth';
import { kafkaSecurityOf, staffJwksOf } from '@closeloop/config';
import { AccessGuard, INTEGRATOR_KEYS, RATE_LIMITER, STAFF_RATE_LIMITER, STAFF_TOKENS } from './access.guard';
import { TerminusModule } from '@nestjs/terminus';
import { HealthHttpController } from './health.http.controller';
import { METRICS, rateLimitKindOf, ServiceMetrics } from './metrics';
import { consumerObserver, relayObserver } from './messaging-metrics';
import { ProbesHttpController } from './probes.http.controller';
import { stopTracing } from './tracing';
import { RateLimiter } from './rate-limiter';
import { READINESS, ServiceReadiness } from './readiness';
import { Clock, KAFKA, KAFKA_PRODUCER, PG_POOL, SERVICE_CONFIG, systemClock } from './tokens';

export interface InfrastructureOptions {
  readonly service: string;
  readonly config: BaseServiceConfig;
  /** Services that append events run the relay; a PostgreSQL lock lets one instance publish at a time. */
  readonly relay: boolean;
}

const INFRASTRUCTURE_OPTIONS = Symbol('InfrastructureOptions');

/** Prepares the shared database schema and topics before anything consumes, and tears down in order. */
@Injectable()
class InfrastructureLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('infrastructure');
  private relay: EventRelay | undefined;

  constructor(
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly options: InfrastructureOptions,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KAFKA_PRODUCER) private readonly producer: Producer,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(INTEGRATOR_KEYS) private readonly integratorKeys: IntegratorKeyVerifier,
  ) {}

  onApplicationBootstrap(): void {
    // Nest calls bootstrap hooks again when the hybrid app's microservice starts: one relay per process is enough.
    if (!this.options.relay || this.relay) return;
    this.relay = new EventRelay({
      pool: this.pool,
      store: this.store,
      producer: this.producer,
      topic: topicName(TopicBaseNames.events, this.options.config.KAFKA_TOPIC_PREFIX),
      log: (message) => this.logger.log(message),
      alert: (message) => this.logger.error(message),
      observer: relayObserver(this.metrics),
    });
    this.relay.start();
    const parked = new RelayStateRepository(
      this.pool,
      relayNameOf(topicName(TopicBaseNames.events, this.options.config.KAFKA_TOPIC_PREFIX)),
    );
    this.metrics.sample('closeloop_relay_parked_events', async () => [{ value: await parked.countUnresolved() }]);
  }

  // Runs after HTTP and the Kafka consumer have closed, so nothing still needs the producer or the pool.
  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    if (this.store instanceof KurrentDbEventStore) await this.store.close().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.integratorKeys.close();
    await this.pool.end().catch(() => undefined);
    // Last, so that the spans of the shutdown itself go out too.
    await stopTracing();
  }
}

/**
 * The access guard's per-minute limit, counted in access_rate_limits. Integrator keys count every hit as it comes:
 * intake's shedding proof reads those counts as hits made. Staff count ahead in blocks (docs/adr/0046).
 */
const accessRateLimiter = (pool: Pool, metrics: ServiceMetrics, config: BaseServiceConfig, countAhead: boolean) => {
  const refusals = metrics.counter('closeloop_rate_limit_refusals_total');
  return new RateLimiter(pool, {
    limit: config.RATE_LIMIT_PER_MINUTE,
    windowSeconds: 60,
    onRefusal: (bucket) => refusals.inc({ kind: rateLimitKindOf(bucket) }),
    countAhead,
  });
};

@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    const { config, service } = options;
    const eventStore = eventStoreOf(config);
    return {
      module: InfrastructureModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthHttpController, ProbesHttpController],
      providers: [
        { provide: INFRASTRUCTURE_OPTIONS, useValue: options },
        { provide: METRICS, useFactory: () => new ServiceMetrics(service) },
        { provide: READINESS, useFactory: () => new ServiceReadiness() },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: Clock, useValue: systemClock },
        {
          provide: PG_POOL,
          useFactory: async (metrics: ServiceMetrics) => {
            const pool = createPool(config.DATABASE_URL, `closeloop-${service}`);
            await migrate(pool);
            samplePool(metrics, pool);
            return pool;
          },
          inject: [METRICS],
        },
        {
          provide: EVENT_STORE,
          useFactory: (pool: Pool): EventStore | Promise<EventStore> =>
            eventStore.kind === 'kurrentdb'
              ? KurrentDbEventStore.connect(eventStore.url)
              : new PostgresEventStore(pool),
          inject: [PG_POOL],
        },
        {
          provide: KAFKA,
          useFactory: async () => {
            const kafka = createKafka({
              brokers: config.KAFKA_BROKERS,
              clientId: `closeloop-${service}${config.KAFKA_CLIENT_ID_SUFFIX}`,
              ...kafkaSecurityOf(config),
            });
            await ensureTopics(kafka, config.KAFKA_TOPIC_PREFIX);
            return kafka;
          },
        },
        {
          provide: KAFKA_PRODUCER,
          useFactory: async (kafka: Kafka, readiness: ServiceReadiness) => {
            // One request in flight keeps each partition in send order. kafkajs' idempotent mode is left off: it
            // does not span restarts, so consumers deduplicate by event id in any case.
            const producer = kafka.producer({
              maxInFlightRequests: 1,
              createPartitioner: Partitioners.DefaultPartitioner,
            });
            let connected = false;
            producer.on(producer.events.CONNECT, () => (connected = true));
            producer.on(producer.events.DISCONNECT, () => (connected = false));
            readiness.producerConnected = () => connected;
            await producer.connect();
            return producer;
          },
          inject: [KAFKA, READINESS],
        },
        {
          provide: INTEGRATOR_KEYS,
          // Remembered for a few seconds, forgotten on every instance at a change's commit (docs/adr/0038).
          useFactory: (pool: Pool, clock: Clock) =>
            new IntegratorKeyVerifier(pool, () => clock.now(), {
              rememberMillis: VERIFIED_KEY_REMEMBER_MILLIS,
              changes: new IntegratorKeyChanges(pool),
            }),
          inject: [PG_POOL, Clock],
        },
        {
          provide: STAFF_TOKENS,
          useFactory: () =>
            new StaffTokenVerifier({
              issuer: config.STAFF_TOKEN_ISSUER,
              audience: config.STAFF_TOKEN_AUDIENCE,
              jwks: staffJwksOf(config),
              clockToleranceSeconds: config.CLOCK_TOLERANCE_SECONDS,
            }),
        },
        {
          provide: RATE_LIMITER,
          useFactory: (pool: Pool, metrics: ServiceMetrics) => accessRateLimiter(pool, metrics, config, false),
          inject: [PG_POOL, METRICS],
        },
        {
          provide: STAFF_RATE_LIMITER,
          useFactory: (pool: Pool, metrics: ServiceMetrics) => accessRateLimiter(pool, metrics, config, true),
          inject: [PG_POOL, METRICS],
        },
        // Every HTTP route passes the access guard; one without an access rule is refused to everyone.
        { provide: APP_GUARD, useClass: AccessGuard },
        // Then the input policy: no route hands PostgreSQL text it cannot store (docs/adr/0017).
        { provide: APP_INTERCEPTOR, useClass: InputPolicyInterceptor },
        InfrastructureLifecycle,
      ],
      exports: [
        Clock,
        SERVICE_CONFIG,
        PG_POOL,
        EVENT_STORE,
        KAFKA,
        KAFKA_PRODUCER,
        INTEGRATOR_KEYS,
        METRICS,
        READINESS,
      ],
    };
  }
}

/** The class name of a service's root module, as Nest's start-up log shows it: sla-timer's is SlaTimerModule. */
const moduleNameOf = (service: string): string =>
  `${service.replace(/(?:^|-)([a-z])/g, (_match, letter: string) => letter.toUpperCase())}Module`;

/** A service's root module: the infrastructure every service shares, and the service's own controllers and providers. */
export const serviceModule = (
  infrastructure: InfrastructureOptions,
  own: Pick<ModuleMetadata, 'controllers' | 'providers'>,
): Type => {
  @Module({ imports: [InfrastructureModule.forRoot(infrastructure)], ...own })
  class ServiceModule {}
  Object.defineProperty(ServiceModule, 'name', { value: moduleNameOf(infrastructure.service) });
  return ServiceModule;
};

/** The Kafka consumer of a service, as a Nest transport: one consumer group per service, scaled by partitions. */
export const cloudEventsTransport =
  (groupId: string, topics: readonly string[], unroutable: 'skip' | 'dead-letter' = 'skip', timing?: ConsumerTiming) =>
  (app: INestApplication): CloudEventsTransport => {
    const metrics = app.get<ServiceMetrics>(METRICS, { strict: false });
    const transport = new CloudEventsTransport({
      kafka: app.get<Kafka>(KAFKA),
      producer: app.get<Producer>(KAFKA_PRODUCER),
      parkedMessages: new PostgresParkedMessages(app.get<Pool>(PG_POOL)),
      pool: app.get<Pool>(PG_POOL),
      groupId,
      topics,
      unroutable,
      timing,
      log: (message) => new Logger(groupId).warn(message),
      alert: (message) => new Logger(groupId).error(message),
      observer: consumerObserver(metrics),
    });
    app.get<ServiceReadiness>(READINESS, { strict: false }).consumerJoined = () => transport.joined();
    metrics.sample('closeloop_kafka_consumer_lag', async () =>
      (await transport.lag()).map(({ topic, partition, lag }) => ({
        labels: { topic, partition, group: groupId },
        value: lag,
      })),
    );
    return transport;
  };

/** closeloop_db_pool_connections, read from the pool at scrape time. */
export const samplePool = (metrics: ServiceMetrics, pool: Pool): void =>
  metrics.sample('closeloop_db_pool_connections', () => [
    { labels: { state: 'total' }, value: pool.totalCount },
    { labels: { state: 'idle' }, value: pool.idleCount },
    { labels: { state: 'waiting' }, value: pool.waitingCount },
  ]);
