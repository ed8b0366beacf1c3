import { INestApplication, Logger, LogLevel, Type } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import type { CustomTransportStrategy } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, RequestHandler } from 'express';
import helmet from 'helmet';
import {
  CloseloopError,
  CloudEventContentTypes,
  MalformedRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  scrubSecrets,
} from '@closeloop/contracts';
import { acceptedContentTypes, correlationIdOf, correlationMiddleware, ProblemDetailsFilter } from '@closeloop/http';
import { BaseServiceConfig, kafkaConsumerTimingOf, loadConfig } from '@closeloop/config';
import { TopicBaseName, topicName } from '@closeloop/contracts';
import { parseIntegratorKey } from '@closeloop/auth';
import { Pool } from 'pg';
import { z } from 'zod';
import { API_KEY_HEADER } from './access.guard';
import { serveApiDocs } from './api-docs';
import { EventLoopLag } from './event-loop-lag';
import { LoadShedder, loadShedding, LoadSheddingOptions } from './load-shedder';
import { PG_POOL } from './tokens';
import { cloudEventsTransport } from './infrastructure.module';
import { httpMetrics } from './http-metrics';
import { METRICS, MetricsServer, metricsPortOf, serveMetrics, ServiceMetrics } from './metrics';
import { LogFormat, logContext, StructuredLogger } from './structured-logger';
import { httpSpans, inRequestSpan, startTracing, tracingStarted } from './tracing';

export interface ServiceOptions {
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** The service's Kafka consumer as a Nest microservice transport, built once the module is initialised. */
  readonly transport?: (app: INestApplication) => CustomTransportStrategy;
  readonly bodyLimit?: string;
  /** The service's name, to serve its part of the published API contract at /docs. */
  readonly service?: string;
  /** Bounds on the work taken at once (docs/adr/0015-load-shedding.md); without them nothing is shed. */
  readonly shedding?: LoadSheddingOptions;
  /** How long a graceful shutdown may take before the process gives up on it and exits 1. */
  readonly shutdownTimeoutMillis?: number;
  /** JSON lines (the default) or readable ones. */
  readonly logFormat?: LogFormat;
  /** Where GET /metrics is served (0: a free port); none without it. */
  readonly metricsPort?: number;
}

const metricsServers = new WeakMap<INestApplication, MetricsServer>();

/** The metrics server of an application startService started with a metrics port. */
export const metricsServerOf = (app: INestApplication): MetricsServer | undefined => metricsServers.get(app);

/**
 * Serves the process's metrics on their own port, closed with the application's HTTP server. The registry is the
 * module's (InfrastructureModule's METRICS), or one of the service's own when the module has none.
 */
export const startMetricsServer = async (
  app: INestApplication,
  metrics: ServiceMetrics,
  host: string,
  port: number,
): Promise<MetricsServer> => {
  const server = await serveMetrics(metrics, host, port);
  metricsServers.set(app, server);
  app.getHttpServer().once('close', () => void server.close());
  new Logger('metrics').log(`GET /metrics on http://${host}:${server.port}/metrics`);
  return server;
};

/** The process's metrics: the module's (InfrastructureModule provides them), else a registry of its own. */
export const metricsOf = (app: INestApplication, service: string): ServiceMetrics => {
  // Looked up in the modules rather than by app.get, which ends the process when a provider is missing.
  for (const module of app.get(ModulesContainer).values()) {
    const instance = module.providers.get(METRICS)?.instance;
    if (instance instanceof ServiceMetrics) return instance;
  }
  return new ServiceMetrics(service);
};

/** Log lines written while a request is handled carry its correlation id, and its trace when traces are on. */
const correlatedLogs: RequestHandler = (request, _response, next) =>
  logContext.run({ correlationId: correlationIdOf(request) }, () => inRequestSpan(request, next));

/**
 * Health and the API docs are never shed: an orchestrator must see the service alive precisely when it is busy.
 * Nor is the integrators' feed (docs/adr/0030): its long polls wait up to 25 s holding no connection, and a slot
 * held that long would starve the reports the slots are there for; it bounds its own waiters and reads.
 */
const NEVER_SHED = /^\/(health|docs)(\/|-json|$)|^\/v1\/feed\/?$/;
const SHED_LOG_EVERY_MILLIS = 10_000;

/**
 * Load shedding once the body has been read, before authentication and everything after it: a refused request costs
 * no key check and no rate-limit query, and a client that sends its body slowly holds a connection, never a slot.
 * Integrator requests are told apart by the key id they present (unverified, as the rate limiter counts them) for
 * the per-caller share.
 */
const installLoadShedding = (app: INestApplication, options: LoadSheddingOptions): void => {
  const pool = app.get<Pool>(PG_POOL, { strict: false });
  const lag = new EventLoopLag().start();
  const shedder = new LoadShedder(options, { poolWaiters: () => pool.waitingCount, eventLoopLag: () => lag.current() });
  app.use(
    loadShedding(shedder, {
      exempt: (path) => NEVER_SHED.test(path),
      callerOf: (request) => {
        const apiKey = request.header(API_KEY_HEADER);
        return apiKey === undefined ? undefined : `key:${parseIntegratorKey(apiKey)?.keyId ?? 'malformed'}`;
      },
    }),
  );
  // One line per interval while shedding, not one per refusal: an overload must not flood the logs as well.
  const logger = new Logger('load-shedding');
  let reported = 0;
  const report = setInterval(() => {
    const stats = shedder.stats();
    const total = Object.values(stats.shed).reduce((a, b) => a + b, 0);
    if (total === reported) return;
    const reasons = Object.entries(stats.shed)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    logger.warn(
      `shed ${total - reported} requests in the last ${SHED_LOG_EVERY_MILLIS / 1000} s (since start: ${reasons}); in flight ${stats.inFlight}, queued ${stats.queued}, service time ${stats.serviceMillis} ms`,
    );
    reported = total;
  }, SHED_LOG_EVERY_MILLIS);
  report.unref();
  app.getHttpServer().once('close', () => {
    clearInterval(report);
    lag.stop();
  });
};

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM or SIGINT Nest closes the application in order: HTTP stops taking requests and finishes those in hand,
 * the Kafka consumer finishes its message, commits and leaves its group, the polling loops finish or release what
 * they claimed, the relay gives up its leadership, then the producer and the pool close; the process then exits 0
 * (Nest's default re-raises the signal, which a supervisor reads as a crash). A shutdown stuck on an unreachable
 * broker or database exits 1 after the deadline, rather than waiting for a SIGKILL.
 */
const exitCleanlyOnSignals = (app: INestApplication, timeoutMillis: number): void => {
  app.enableShutdownHooks([...SHUTDOWN_SIGNALS], { useProcessExit: true });
  for (const signal of SHUTDOWN_SIGNALS) {
    process.once(signal, () => {
      setTimeout(() => {
        console.error(`shutdown did not finish within ${timeoutMillis} ms; exiting`);
        process.exit(1);
      }, timeoutMillis).unref();
    });
  }
};

/** JSON bodies (plain and CloudEvents), with parser failures turned into our error taxonomy before Nest sees them. */
const jsonBodies = (limit: string): RequestHandler => {
  const parse = json({
    limit,
    type: ['application/json', CloudEventContentTypes.structured, CloudEventContentTypes.batch],
  });
  return (request, response, next) =>
    parse(request, response, (error?: { type?: string; message?: string; status?: number }) => {
      if (error?.type === 'entity.parse.failed') return next(new MalformedRequestError(error.message ?? 'unreadable'));
      if (error?.type === 'entity.too.large') return next(new PayloadTooLargeError(limit));
      // A charset or content encoding the parser cannot read is the client's to fix (RFC 9110: 415), not a 500.
      if (error?.type === 'charset.unsupported')
        return next(new UnsupportedMediaTypeError(request.header('content-type'), ['application/json; charset=utf-8']));
      if (error?.type === 'encoding.unsupported') {
        return next(
          new CloseloopError(
            'unsupported-media-type',
            'UNSUPPORTED_CONTENT_ENCODING',
            `Content encoding ${request.header('content-encoding')} is not accepted here`,
            { accepted: ['identity', 'gzip', 'deflate', 'br'] },
          ),
        );
      }
      // Any other 4xx from the parser (a body that does not inflate, a broken stream) is an unreadable body.
      if (error?.status !== undefined && error.status >= 400 && error.status < 500)
        return next(new MalformedRequestError(error.message ?? 'unreadable'));
      next(error);
    });
};

/** The Nest log levels at and above `level`, the most severe first. */
export const logLevelsUpTo = (level: LogLevel): LogLevel[] => {
  const order: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];
  return order.slice(0, order.indexOf(level) + 1);
};

/**
 * Starts one Closeloop service: HTTP with security headers, problem details and correlation ids, then its Kafka
 * consumer. Logs go through the scrubbing logger, so no credential or full phone number reaches them.
 */
export const startService = async (module: Type<unknown>, options: ServiceOptions): Promise<INestApplication> => {
  const service = options.service ?? 'closeloop';
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bodyParser: false,
    logger: new StructuredLogger({ service, level: options.logLevel, format: options.logFormat }),
  });
  app.disable('x-powered-by');
  const metrics = metricsOf(app, service);
  // First, so that every request is timed (and traced), refused ones included.
  if (tracingStarted()) app.use(httpSpans);
  app.use(httpMetrics(metrics));
  // helmet's defaults: nosniff, frame and referrer policies, HSTS, and a CSP that also covers the small HTML pages
  // (the alert ack page posts its form to itself, which form-action 'self' allows).
  // upgrade-insecure-requests is left out: behind a plain-HTTP address (the local stack) it would send the ack
  // page's form to https, where nothing listens; TLS, where there is any, is the proxy's.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use(correlationMiddleware);
  // Before any parser: a body of a type nothing reads is refused, not handed to a handler as an empty body.
  app.use(acceptedContentTypes());
  app.use(jsonBodies(options.bodyLimit ?? '64kb'));
  if (options.shedding) installLoadShedding(app, options.shedding);
  // After the body parser and the shedder, whose callbacks come from elsewhere and would lose the context.
  app.use(correlatedLogs);
  app.useGlobalFilters(new ProblemDetailsFilter());
  exitCleanlyOnSignals(app, options.shutdownTimeoutMillis ?? 10_000);
  if (options.service) serveApiDocs(app, options.service);
  await app.init();
  if (options.transport) {
    app.connectMicroservice({ strategy: options.transport(app) }, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(options.port, options.host);
  if (options.metricsPort !== undefined) await startMetricsServer(app, metrics, options.host, options.metricsPort);
  return app;
};

export interface RunServiceOptions<C extends BaseServiceConfig> {
  readonly name: string;
  readonly configSchema: z.ZodType<C, z.ZodTypeDef, unknown>;
  readonly module: (config: C) => Type<unknown>;
  /** The topics the service's consumer group reads, and what it does with event types it has no handler for. */
  readonly consumes?: { readonly topics: readonly TopicBaseName[]; readonly unroutable: 'skip' | 'dead-letter' };
  /** The service's load-shedding bounds from its configuration, if it sheds load. */
  readonly shedding?: (config: C) => LoadSheddingOptions | undefined;
}

/** A service's whole main(): validated configuration, the Nest application, its consumer; exit 1 with the reason if any fails. */
export const runService = <C extends BaseServiceConfig>(options: RunServiceOptions<C>): void => {
  const start = async () => {
    const config = loadConfig(options.configSchema);
    // Checked before anything connects, like the rest of the configuration.
    const timing = kafkaConsumerTimingOf(config);
    // Before the application is built, so that everything it does can be traced.
    startTracing(options.name);
    const consumes = options.consumes;
    await startService(options.module(config), {
      service: options.name,
      host: config.HOST,
      port: config.PORT,
      logLevel: config.LOG_LEVEL,
      shedding: options.shedding?.(config),
      shutdownTimeoutMillis: config.SHUTDOWN_TIMEOUT_MS,
      logFormat: config.LOG_FORMAT,
      metricsPort: metricsPortOf(options.name, config.METRICS_PORT),
      transport: consumes
        ? cloudEventsTransport(
            // The prefix namespaces consumer groups as it does topics: two deployments sharing a cluster never
            // share a group, or each would take partitions of topics it does not read.
            `${config.KAFKA_TOPIC_PREFIX}${options.name}`,
            consumes.topics.map((t) => topicName(t, config.KAFKA_TOPIC_PREFIX)),
            consumes.unroutable,
            timing,
          )
        : undefined,
    });
  };
  start().catch((error: Error) => {
    // Start-up errors quote configuration (a database URL with its password) and server answers.
    console.error(scrubSecrets(`${options.name} failed to start: ${error.message}`));
    process.exit(1);
  });
};
