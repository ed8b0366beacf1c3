import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The injection token of the process's ServiceMetrics. */
export const METRICS = Symbol('Metrics');

type Kind = 'counter' | 'gauge' | 'histogram';
type ServiceName = 'intake' | 'dispatch' | 'sla-timer' | 'notification' | 'query' | 'console';

interface MetricDefinition {
  readonly kind: Kind;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
  /** The services that expose it from their start, even before anything happened (an empty labelled counter). */
  readonly services: readonly ServiceName[];
}

const ALL: readonly ServiceName[] = ['intake', 'dispatch', 'sla-timer', 'notification', 'query', 'console'];
const BACKEND: readonly ServiceName[] = ['intake', 'dispatch', 'sla-timer', 'notification', 'query'];
/** The services that append events and so run the relay (InfrastructureModule's `relay: true`). */
const APPENDING: readonly ServiceName[] = ['intake', 'dispatch', 'sla-timer', 'notification'];
/** Seconds, from a millisecond to a few minutes: request durations, relay lag, timer lateness. */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * Every metric Closeloop defines, by name: the names are a contract with the dashboards and alert rules
 * (deploy/, docs/operations.md "Metrics"), so they are never renamed. prom-client's default process metrics come on top.
 */
export const METRIC_CATALOG = {
  http_server_request_duration_seconds: {
    kind: 'histogram',
    help: 'Duration of HTTP requests served, by method, route template and status code',
    labels: ['http_request_method', 'http_route', 'http_response_status_code'],
    buckets: SECONDS,
    services: ALL,
  },
  closeloop_kafka_consumer_lag: {
    kind: 'gauge',
    help: "Records not yet consumed by this instance's consumer group, per assigned partition (high watermark minus committed offset)",
    labels: ['topic', 'partition', 'group'],
    services: BACKEND,
  },
  closeloop_events_consumed_total: {
    kind: 'counter',
    help: 'Kafka records consumed, by event type and outcome (handled, skipped, dead-lettered, failed attempt)',
    labels: ['topic', 'type', 'outcome'],
    services: BACKEND,
  },
  closeloop_events_published_total: {
    kind: 'counter',
    help: 'Events the relay published to Kafka',
    labels: ['topic'],
    services: APPENDING,
  },
  closeloop_relay_lag_seconds: {
    kind: 'histogram',
    help: 'Seconds from an event being committed to the event store to the broker acknowledging it',
    labels: [],
    buckets: SECONDS,
    services: APPENDING,
  },
  closeloop_relay_parked_events: {
    kind: 'gauge',
    help: 'Events the relay set aside (unpublishable or held behind one), waiting for an operator',
    labels: [],
    services: APPENDING,
  },
  closeloop_timers_due: {
    kind: 'gauge',
    help: 'Timers whose time has come and that have not fired yet',
    labels: [],
    services: ['sla-timer'],
  },
  closeloop_timer_lateness_seconds: {
    kind: 'histogram',
    help: 'Seconds from a timer being due to it firing',
    labels: [],
    buckets: SECONDS,
    services: ['sla-timer'],
  },
  closeloop_timers_failed_total: {
    kind: 'counter',
    help: 'Timers given up on after their last attempt (an operator retries them)',
    labels: [],
    services: ['sla-timer'],
  },
  closeloop_alert_deliveries_total: {
    kind: 'counter',
    help: 'Alert deliveries finished, by channel and outcome (delivered, failed to process, dead after its retries)',
    labels: ['channel', 'outcome'],
    services: ['notification'],
  },
  closeloop_alerts_open: {
    kind: 'gauge',
    help: 'Alerts open (neither acknowledged nor closed), by escalation level (0 for warnings and other unlevelled alerts)',
    labels: ['level'],
    services: ['notification'],
  },
  closeloop_sla_breaches_total: {
    kind: 'counter',
    help: 'SLA targets breached, by clock (response or resolution) and tier',
    labels: ['clock', 'tier'],
    services: ['sla-timer'],
  },
  closeloop_escalations_total: {
    kind: 'counter',
    help: 'Escalations recorded on breached orders, by level',
    labels: ['level'],
    services: ['sla-timer'],
  },
  closeloop_work_orders_received_total: {
    kind: 'counter',
    help: 'Work orders received at intake, by tier and channel',
    labels: ['tier', 'channel'],
    services: ['intake'],
  },
  closeloop_rate_limit_refusals_total: {
    kind: 'counter',
    help: 'Requests refused by a rate limit, by the kind of caller counted (integrator key, staff member, address)',
    labels: ['kind'],
    services: BACKEND,
  },
  closeloop_db_pool_connections: {
    kind: 'gauge',
    help: "The PostgreSQL pool's connections: total, idle, and requests waiting for one",
    labels: ['state'],
    services: ALL,
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRIC_CATALOG;
type NamesOf<K extends Kind> = {
  [N in MetricName]: (typeof METRIC_CATALOG)[N]['kind'] extends K ? N : never;
}[MetricName];
type LabelsOf<N extends MetricName> = (typeof METRIC_CATALOG)[N]['labels'][number];
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;

/** One value of a gauge read at scrape time. */
export interface GaugeSample<L extends string = string> {
  readonly labels?: Partial<Record<L, string | number>>;
  readonly value: number;
}
export type GaugeSampler<L extends string = string> = () =>
  Promise<readonly GaugeSample<L>[]> | readonly GaugeSample<L>[];

/** A sampler that has not answered by then (a broker or database that hangs) keeps its last values, not the scrape. */
const SAMPLE_TIMEOUT_MILLIS = 5_000;

const withinSampleTimeout = <T>(work: Promise<T> | T): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(work),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('sampler timed out')), SAMPLE_TIMEOUT_MILLIS);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
};

/** The outcome label of closeloop_rate_limit_refusals_total for a rate-limit bucket (key:…, staff:…, anything else). */
export const rateLimitKindOf = (bucket: string): 'integrator' | 'staff' | 'address' =>
  bucket.startsWith('key:') ? 'integrator' : bucket.startsWith('staff:') ? 'staff' : 'address';

/**
 * The metrics of one service process: one prom-client registry, every metric labelled with the service's name,
 * prom-client's process metrics, and the Closeloop metrics of METRIC_CATALOG. The code where a fact happens counts it
 * (`counter(name).inc(...)`); a gauge whose value lives elsewhere (a table, a pool) is read at scrape time from the
 * sampler its owner gives (`sample(name, ...)`).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<MetricName, Counter | Gauge | Histogram>();
  private readonly samplers = new Map<GaugeName, GaugeSampler>();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    for (const [name, definition] of Object.entries(METRIC_CATALOG) as [MetricName, MetricDefinition][]) {
      if ((definition.services as readonly string[]).includes(service)) this.metric(name);
    }
  }

  counter<N extends CounterName>(name: N): Counter<LabelsOf<N>> {
    return this.metric(name) as Counter<LabelsOf<N>>;
  }

  histogram<N extends HistogramName>(name: N): Histogram<LabelsOf<N>> {
    return this.metric(name) as Histogram<LabelsOf<N>>;
  }

  gauge<N extends GaugeName>(name: N): Gauge<LabelsOf<N>> {
    return this.metric(name) as Gauge<LabelsOf<N>>;
  }

  /**
   * Reads a gauge at scrape time with `sampler`: its values replace the previous ones. A sampler that fails keeps
   * the previous values for that scrape rather than failing the whole scrape.
   */
  sample<N extends GaugeName>(name: N, sampler: GaugeSampler<LabelsOf<N>>): void {
    this.metric(name);
    this.samplers.set(name, sampler as GaugeSampler);
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private metric(name: MetricName): Counter | Gauge | Histogram {
    const existing = this.metrics.get(name);
    if (existing) return existing;
    const definition: MetricDefinition = METRIC_CATALOG[name];
    const common = { name, help: definition.help, labelNames: [...definition.labels], registers: [this.registry] };
    const samplers = this.samplers;
    const created =
      definition.kind === 'counter'
        ? new Counter(common)
        : definition.kind === 'histogram'
          ? new Histogram({ ...common, buckets: [...(definition.buckets ?? SECONDS)] })
          : new Gauge({
              ...common,
              async collect() {
                const sampler = samplers.get(name as GaugeName);
                if (!sampler) return;
                let samples: readonly GaugeSample[];
                try {
                  samples = await withinSampleTimeout(sampler());
                } catch {
                  // The values of the last scrape stay: a database that does not answer is not zero timers due.
                  return;
                }
                this.reset();
                for (const { labels, value } of samples) {
                  if (labels) this.set(labels as Record<string, string | number>, value);
                  else this.set(value);
                }
              },
            });
    this.metrics.set(name, created);
    return created;
  }
}

export interface MetricsServer {
  /** The port it listens on (the one given, or the free one chosen for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text) on a port of its own, apart from the API: it needs no credentials, and a
 * NetworkPolicy or firewall can leave it to the scraper alone. Nothing else is answered there.
 */
export const serveMetrics = async (metrics: ServiceMetrics, host: string, port: number): Promise<MetricsServer> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    metrics.exposition().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** The local stack's and the default metrics ports, per service (METRICS_PORT overrides). */
export const DEFAULT_METRICS_PORTS: Readonly<Record<ServiceName, number>> = {
  intake: 9101,
  dispatch: 9102,
  'sla-timer': 9103,
  notification: 9104,
  query: 9105,
  console: 9106,
};

/** The port METRICS_PORT names for a service: its default when unset, undefined when 'off'. */
export const metricsPortOf = (service: string, setting: number | 'off' | undefined): number | undefined => {
  if (setting === 'off') return undefined;
  if (setting !== undefined) return setting;
  return DEFAULT_METRICS_PORTS[service as ServiceName];
};
