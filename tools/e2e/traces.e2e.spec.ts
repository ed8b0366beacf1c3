import { randomBytes, randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { eventually, OtlpReceiver, ReceivedSpan, startOtlpReceiver } from '@closeloop/testing';
import { post, testStackAround, timelineWith, urls } from './test-stack';

/** The collector stand-in's port: OTLP/HTTP's 4318, moved like the stack's own ports. */
const OTLP_PORT = 14318;
// intake consumes only integrators' events (workorders.intake): in a report's trace it serves the request and appends.
const CONSUMERS = ['dispatch', 'sla-timer', 'notification', 'query'] as const;
// OTLP's span kinds.
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

describe('one report is one trace across the five services (OpenTelemetry, OTLP/HTTP)', () => {
  let receiver: OtlpReceiver;
  // Registered before the stack's, so the receiver listens before the services start exporting.
  beforeAll(async () => {
    receiver = await startOtlpReceiver(OTLP_PORT);
  });
  testStackAround('e2e-traces', {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${OTLP_PORT}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
  });
  afterAll(() => receiver?.close());

  it("continues the caller's traceparent from intake's request through the store, the relay and every consumer", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const reported = await post(
      `${urls.intake}/v1/reports`,
      { siteId: 'S1', unit: randomUUID().slice(0, 8), building: 'B3', channel: 'phone', description: 'Burst pipe' },
      { traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(reported.status).toBe(202);
    expect(reported.headers.get('x-trace-id')).toBe(traceId);
    const workOrderId = reported.body['workOrderId'] as string;
    await timelineWith(workOrderId, [
      EventTypes.WorkOrderReported,
      EventTypes.SlaTargetsSet,
      EventTypes.WorkOrderAssigned,
    ]);

    const ofTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const where = (service: string, kind: number, name?: RegExp) =>
      ofTrace().filter((s) => s.service === service && s.kind === kind && (name === undefined || name.test(s.name)));
    // Every consumer's handling, and what dispatch and sla-timer appended in it, exported (every 200 ms).
    const missing = () => [
      ...CONSUMERS.filter((service) => where(service, CONSUMER).length === 0).map((s) => `${s} process`),
      ...(['dispatch', 'sla-timer'] as const).filter((s) => where(s, CLIENT).length === 0).map((s) => `${s} append`),
      // A span is exported when it ends, so a child may arrive before its parent: wait for the parents too.
      ...ofTrace()
        .filter((s) => s.parentSpanId !== callerSpanId && !ofTrace().some((p) => p.spanId === s.parentSpanId))
        .map((s) => `the parent of ${s.service} ${s.name}`),
    ];
    await eventually('spans of all five services', async () => {
      if (missing().length === 0) return true;
      const seen = receiver.spans.map((s) => `${s.service} ${s.name} ${s.traceId === traceId ? 'ours' : s.traceId}`);
      throw new Error(`missing ${missing().join(', ')}; received ${[...new Set(seen)].join('; ')}`);
    });
    const spans = ofTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const startsAfter = (later: ReceivedSpan, earlier: ReceivedSpan) =>
      expect(later.startTimeUnixNano).toBeGreaterThanOrEqual(earlier.startTimeUnixNano);

    // intake: the request, named by its route, under the caller's span; the report appended within it.
    const [request] = where('intake', SERVER, /^POST \/v1\/reports$/);
    expect(request).toMatchObject({
      parentSpanId: callerSpanId,
      attributes: expect.objectContaining({ 'http.route': '/v1/reports', 'http.response.status_code': 202 }),
    });
    const reportAppends = spans.filter((s) => s.kind === CLIENT && s.parentSpanId === request!.spanId);
    expect(reportAppends.map((s) => s.name)).toEqual(['append workorder']);
    const reportAppend = reportAppends[0] as ReceivedSpan;
    startsAfter(reportAppend, request!);

    // The relay (in whichever service leads it) sends each event under the append that stored it.
    const sends = spans.filter((s) => s.kind === PRODUCER && s.parentSpanId === reportAppend.spanId);
    expect(sends.length).toBeGreaterThanOrEqual(1);
    for (const send of sends) startsAfter(send, reportAppend);

    // Each consumer handles the report's events under the same append: dispatch, sla-timer, notification, query.
    for (const service of CONSUMERS) {
      const handled = where(service, CONSUMER).filter((s) => s.parentSpanId === reportAppend.spanId);
      expect({ service, handled: handled.length > 0 }).toEqual({ service, handled: true });
      for (const span of handled) startsAfter(span, sends[0] as ReceivedSpan);
    }

    // What dispatch and sla-timer appended while handling carries the trace on: each append under a consume span.
    for (const service of ['dispatch', 'sla-timer'] as const) {
      for (const append of where(service, CLIENT)) {
        const handling = parentOf(append);
        expect({ service, parent: handling?.kind, in: handling?.service }).toEqual({
          service,
          parent: CONSUMER,
          in: service,
        });
        startsAfter(append, handling as ReceivedSpan);
      }
    }
    // Every span of the trace but the request hangs off another span of it: one tree, not pieces.
    for (const span of spans.filter((s) => s !== request))
      expect({ span: span.name, parent: parentOf(span) !== undefined }).toEqual({ span: span.name, parent: true });
  });
});
