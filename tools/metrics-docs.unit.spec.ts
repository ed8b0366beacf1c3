import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_METRICS_PORTS, METRIC_CATALOG, ServiceMetrics } from '@closeloop/runtime';

/**
 * docs/operations.md's "Metrics" table is the operators' (and the dashboards' and alert rules') list of metrics: every
 * metric a service registers is in it, and it names none that no service registers.
 */
const operations = readFileSync(join(__dirname, '..', 'docs', 'operations.md'), 'utf8');

const documented = (): { name: string; type: string; labels: string[] }[] => {
  const start = operations.indexOf('\n### Metrics\n');
  expect(start).toBeGreaterThan(0);
  const section = operations.slice(start + 1).split(/\n#{2,3} /)[0] as string;
  return section
    .split('\n')
    .filter((line) => /^\| `[a-z0-9_]+` \|/.test(line))
    .map((line) => {
      const cells = line.split('|').map((cell) => cell.trim());
      return {
        name: (cells[1] as string).replace(/`/g, ''),
        type: cells[2] as string,
        labels: [...(cells[3] as string).matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string),
      };
    });
};

/** What each service's process registers, as it starts: the registry InfrastructureModule (or the console) creates. */
const registered = async (): Promise<Map<string, { type: string; labels: string[]; services: string[] }>> => {
  const metrics = new Map<string, { type: string; labels: string[]; services: string[] }>();
  for (const service of Object.keys(DEFAULT_METRICS_PORTS)) {
    const registry = new ServiceMetrics(service).registry;
    for (const metric of await registry.getMetricsAsJSON()) {
      const labels = [
        ...new Set(metric.values.flatMap((v) => Object.keys(v.labels)).filter((l) => l !== 'service' && l !== 'le')),
      ];
      const seen = metrics.get(metric.name);
      metrics.set(metric.name, {
        type: String(metric.type),
        labels: seen ? seen.labels : labels,
        services: [...(seen?.services ?? []), service],
      });
    }
    registry.clear();
  }
  return metrics;
};

describe('the metrics in docs/operations.md', () => {
  it('document every metric a service registers, and no metric none registers', async () => {
    const inCode = await registered();
    const inDocs = documented().map((m) => m.name);
    expect([...inCode.keys()].filter((name) => !inDocs.includes(name))).toEqual([]);
    expect(inDocs.filter((name) => !inCode.has(name))).toEqual([]);
    expect(new Set(inDocs).size).toBe(inDocs.length);
  });

  it('give each Closeloop metric the type and labels it is registered with', () => {
    const docs = new Map(documented().map((m) => [m.name, m]));
    for (const [name, definition] of Object.entries(METRIC_CATALOG)) {
      expect({ name, type: docs.get(name)?.type, labels: docs.get(name)?.labels }).toEqual({
        name,
        type: definition.kind,
        labels: [...definition.labels],
      });
    }
  });

  it('keep the names the dashboards and alert rules are written against', () => {
    expect(Object.keys(METRIC_CATALOG)).toEqual(
      expect.arrayContaining([
        'http_server_request_duration_seconds',
        'closeloop_kafka_consumer_lag',
        'closeloop_events_consumed_total',
        'closeloop_events_published_total',
        'closeloop_relay_lag_seconds',
        'closeloop_relay_parked_events',
        'closeloop_timers_due',
        'closeloop_timer_lateness_seconds',
        'closeloop_timers_failed_total',
        'closeloop_alert_deliveries_total',
        'closeloop_alerts_open',
        'closeloop_sla_breaches_total',
        'closeloop_escalations_total',
        'closeloop_work_orders_received_total',
        'closeloop_rate_limit_refusals_total',
        'closeloop_db_pool_connections',
      ]),
    );
  });

  it('give each service the metrics port the code defaults to, in the METRICS_PORT row', () => {
    const row = operations.split('\n').find((line) => line.startsWith('| `METRICS_PORT` |'));
    const ports = Object.fromEntries(
      [...(row ?? '').matchAll(/([a-z-]+) `(\d+)`/g)].map(([, service, port]) => [service, Number(port)]),
    );
    expect(ports).toEqual(DEFAULT_METRICS_PORTS);
  });
});
