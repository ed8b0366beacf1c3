import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { get, metricsUrls, reportOrder, testStackAround, timelineWith, urls } from './test-stack';

type Service = keyof typeof metricsUrls;
/** One scrape: each series (`name{label="value",…}`) and its value. */
type Scrape = Map<string, { name: string; labels: Record<string, string>; value: number }>;

const scrape = async (service: Service): Promise<Scrape> => {
  const response = await fetch(metricsUrls[service]);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const series: Scrape = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    series.set(`${match[1]}{${match[2] ?? ''}}`, { name: match[1] as string, labels, value: Number(match[3]) });
  }
  return series;
};

/** The sum of a metric's series whose labels include `where`. */
const total = (scraped: Scrape, name: string, where: Record<string, string> = {}): number =>
  [...scraped.values()]
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

const scrapeAll = async (): Promise<Record<Service, Scrape>> =>
  Object.fromEntries(
    await Promise.all((Object.keys(metricsUrls) as Service[]).map(async (s) => [s, await scrape(s)] as const)),
  ) as Record<Service, Scrape>;

describe('every service serves Prometheus metrics on its own port, and a report moves them', () => {
  // At `log`, so that the services' JSON lines can be read too.
  const stack = testStackAround('e2e-metrics', { LOG_LEVEL: 'log' });

  it('labels every series with its service and serves prom-client process metrics', async () => {
    const scrapes = await scrapeAll();
    for (const [service, scraped] of Object.entries(scrapes)) {
      expect(scraped.size).toBeGreaterThan(20);
      expect([...scraped.values()].filter((s) => s.labels['service'] !== service)).toEqual([]);
      expect(total(scraped, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect([...scraped.values()].some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
      // Idle connections close after a while: the pool may hold none, but says so.
      expect([...scraped.values()].filter((s) => s.name === 'closeloop_db_pool_connections').length).toBe(3);
    }
  });

  it('counts a report through intake, the relay and every consumer, and the consumer lag returns to zero', async () => {
    const before = await scrapeAll();
    const reported = await reportOrder({
      building: 'B3',
      channel: 'phone',
      description: 'Burst pipe under the kitchen sink, water on the floor',
    });
    expect(reported.status).toBe(202);
    const workOrderId = reported.body['workOrderId'] as string;
    await timelineWith(workOrderId, [
      EventTypes.WorkOrderReported,
      EventTypes.SlaTargetsSet,
      EventTypes.WorkOrderAssigned,
    ]);

    const after = await eventually('every consumer to have caught up', async () => {
      const scrapes = await scrapeAll();
      const lags = (['intake', 'dispatch', 'sla-timer', 'notification', 'query'] as const).flatMap((service) =>
        [...scrapes[service].values()].filter((s) => s.name === 'closeloop_kafka_consumer_lag'),
      );
      // Every back-end service has partitions assigned, and none has a record left to consume.
      const services = new Set(lags.map((s) => s.labels['service']));
      return services.size === 5 && lags.every((s) => s.value === 0) ? scrapes : undefined;
    });

    const moved = (service: Service, name: string, where: Record<string, string> = {}) =>
      total(after[service], name, where) - total(before[service], name, where);
    expect(moved('intake', 'closeloop_work_orders_received_total', { channel: 'phone' })).toBe(1);
    expect(
      moved('intake', 'http_server_request_duration_seconds_count', {
        http_request_method: 'POST',
        http_route: '/v1/reports',
        http_response_status_code: '202',
      }),
    ).toBe(1);
    // One relay leads for the whole event store, in whichever appending service took the lock first.
    const appending = ['intake', 'dispatch', 'sla-timer', 'notification'] as const;
    const published = appending.reduce((n, s) => n + moved(s, 'closeloop_events_published_total'), 0);
    const timed = appending.reduce((n, s) => n + moved(s, 'closeloop_relay_lag_seconds_count'), 0);
    // Reported, triaged (intake), SLA targets set (sla-timer), assigned (dispatch), at least.
    expect(published).toBeGreaterThanOrEqual(4);
    expect(timed).toBe(published);
    // Each consumer group read the report's first event once, handling it or skipping a type it has no use for.
    for (const service of ['dispatch', 'sla-timer', 'notification', 'query'] as const) {
      const reportedEvent = { type: EventTypes.WorkOrderReported };
      expect({ service, consumed: moved(service, 'closeloop_events_consumed_total', reportedEvent) }).toEqual({
        service,
        consumed: 1,
      });
      expect(moved(service, 'closeloop_events_consumed_total', { outcome: 'dead-lettered' })).toBe(0);
    }
    expect(
      moved('query', 'closeloop_events_consumed_total', { type: EventTypes.WorkOrderReported, outcome: 'handled' }),
    ).toBe(1);
    for (const service of ['dispatch', 'sla-timer'] as const)
      expect(moved(service, 'closeloop_events_consumed_total', { outcome: 'handled' })).toBeGreaterThanOrEqual(1);
    // The query side reads the order by its route template, never by its id.
    await get(`${urls.query}/v1/work-orders/${workOrderId}`);
    const queried = await scrape('query');
    const routes = [...queried.values()]
      .filter((s) => s.name === 'http_server_request_duration_seconds_count')
      .map((s) => s.labels['http_route']);
    expect(routes).toContain('/v1/work-orders/:id');
    expect(routes.some((route) => route?.includes(workOrderId))).toBe(false);
    // Gauges read at scrape time: nothing parked, the timers the order set are not due yet.
    expect(total(after.intake, 'closeloop_relay_parked_events')).toBe(0);
    expect([...after['sla-timer'].values()].some((s) => s.name === 'closeloop_timers_due')).toBe(true);
  });

  it('answers the liveness and readiness probes on every service', async () => {
    for (const url of [...Object.values(urls), 'http://127.0.0.1:13003']) {
      const live = await fetch(`${url}/health/live`);
      expect({ url, status: live.status }).toEqual({ url, status: 200 });
      const ready = await fetch(`${url}/health/ready`);
      const body = (await ready.json()) as { status: string; details: Record<string, { status: string }> };
      expect({ url, status: ready.status, ok: body.status }).toEqual({ url, status: 200, ok: 'ok' });
      expect(Object.keys(body.details)).toEqual(expect.arrayContaining(['database', 'migrations']));
    }
    const ready = (await (await fetch(`${urls.dispatch}/health/ready`)).json()) as { details: Record<string, unknown> };
    expect(Object.keys(ready.details).sort()).toEqual(['database', 'kafka-consumer', 'kafka-producer', 'migrations']);
  });

  it('log JSON lines naming the service', () => {
    for (const service of ['intake', 'dispatch', 'sla-timer', 'notification', 'query', 'console']) {
      const lines = readFileSync(join(stack().logDir, `${service}.log`), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('{"level"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        // kafkajs writes its own JSON lines (libs/messaging/src/kafka.ts), scrubbed, with logger "kafkajs".
        .filter((line) => line['logger'] !== 'kafkajs');
      expect({ service, lines: lines.length > 0 }).toEqual({ service, lines: true });
      for (const line of lines) {
        expect(line).toMatchObject({ service, level: expect.any(String), time: expect.any(String) });
        expect(line).toHaveProperty('message');
      }
    }
  });
});
