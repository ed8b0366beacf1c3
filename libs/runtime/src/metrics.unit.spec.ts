import { metricsPortOf, rateLimitKindOf, serveMetrics, ServiceMetrics } from './metrics';

describe('ServiceMetrics', () => {
  it("labels every series with the service's name, prom-client's process metrics included", async () => {
    const metrics = new ServiceMetrics('dispatch');
    metrics
      .counter('closeloop_events_consumed_total')
      .inc({ topic: 'workorders.events', type: 't', outcome: 'handled' });
    const { body } = await metrics.exposition();
    expect(body).toContain(
      'closeloop_events_consumed_total{topic="workorders.events",type="t",outcome="handled",service="dispatch"} 1',
    );
    expect(body).toMatch(/^process_resident_memory_bytes\{service="dispatch"\} \d+/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds\{service="dispatch"\} /m);
  });

  it("registers only its own service's metrics from the start, and the others when first used", async () => {
    const intake = new ServiceMetrics('intake');
    const names = (await intake.registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toContain('closeloop_work_orders_received_total');
    expect(names).not.toContain('closeloop_timers_due');
    intake.counter('closeloop_timers_failed_total').inc();
    expect((await intake.exposition()).body).toContain('closeloop_timers_failed_total{service="intake"} 1');
  });

  it('reads a sampled gauge at each scrape, replacing its earlier values', async () => {
    const metrics = new ServiceMetrics('notification');
    let open: { level: string; count: number }[] = [
      { level: '1', count: 3 },
      { level: '2', count: 1 },
    ];
    metrics.sample('closeloop_alerts_open', () => open.map((o) => ({ labels: { level: o.level }, value: o.count })));
    const first = (await metrics.exposition()).body;
    expect(first).toContain('closeloop_alerts_open{level="1",service="notification"} 3');
    expect(first).toContain('closeloop_alerts_open{level="2",service="notification"} 1');
    open = [{ level: '1', count: 2 }];
    const second = (await metrics.exposition()).body;
    expect(second).toContain('closeloop_alerts_open{level="1",service="notification"} 2');
    expect(second).not.toContain('level="2"');
  });

  it('keeps the values of a gauge whose sampler fails, and the rest of the scrape whole', async () => {
    const metrics = new ServiceMetrics('sla-timer');
    let due: () => Promise<number> = () => Promise.resolve(7);
    metrics.sample('closeloop_timers_due', async () => [{ value: await due() }]);
    expect((await metrics.exposition()).body).toContain('closeloop_timers_due{service="sla-timer"} 7');
    due = () => Promise.reject(new Error('database unreachable'));
    metrics.counter('closeloop_timers_failed_total').inc();
    const { body } = await metrics.exposition();
    expect(body).toContain('closeloop_timers_due{service="sla-timer"} 7');
    expect(body).toContain('closeloop_timers_failed_total{service="sla-timer"} 1');
  });
});

describe('serveMetrics', () => {
  it('serves GET /metrics as Prometheus text on a port of its own, and nothing else', async () => {
    const metrics = new ServiceMetrics('query');
    const server = await serveMetrics(metrics, '127.0.0.1', 0);
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await response.text()).toContain('# TYPE http_server_request_duration_seconds histogram');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});

describe('the metrics settings', () => {
  it.each([
    ['intake', undefined, 9101],
    ['console', undefined, 9106],
    ['query', 0, 0],
    ['query', 19105, 19105],
    ['query', 'off', undefined],
  ] as const)('%s with METRICS_PORT=%s listens on %s', (service, setting, port) => {
    expect(metricsPortOf(service, setting)).toBe(port);
  });

  it.each([
    ['key:0a1b2c3d4e5f', 'integrator'],
    ['key:malformed', 'integrator'],
    ['staff:sup-1', 'staff'],
    ['ip:10.0.0.1', 'address'],
  ])('counts a refusal of bucket %s as %s', (bucket, kind) => {
    expect(rateLimitKindOf(bucket)).toBe(kind);
  });
});
