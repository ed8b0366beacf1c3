import { Writable } from 'node:stream';
import { NewEvent, RecordedEvent, traceAppend } from '@closeloop/event-store';
import { InboundCloudEvent, parseCloudEvent, toKafkaMessage, tracePublishing } from '@closeloop/messaging';
import { Attributes, SpanContext, SpanKind } from '@opentelemetry/api';
import { consumerObserver } from './messaging-metrics';
import { ServiceMetrics } from './metrics';
import { StructuredLogger } from './structured-logger';
import { startTracing, stopTracing, tracingConfigured, tracingStarted } from './tracing';

/** What a test reads of a span the SDK ended (its ReadableSpan). */
interface EndedSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly parentSpanContext?: SpanContext;
  readonly resource: { readonly attributes: Attributes };
  spanContext(): SpanContext;
}
const forceFlush = () => Promise.resolve();
const shutdown = () => Promise.resolve();

const UPSTREAM = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

const event = (): NewEvent => ({
  eventId: '5f0c7a52-1c1e-4f7c-9d7e-3c1f7e2a9b10',
  type: 'closeloop.work-order.assigned.v1',
  data: { staffId: 'tech-1' },
  metadata: {
    workOrderId: '0f8b4f8e-8b52-4a0e-9b53-7a1c8f3f2d11',
    correlationId: 'c-1',
    causationId: 'e-0',
    actor: { kind: 'system', id: 'dispatch' },
    producer: 'dispatch',
  },
});

const recorded = (stored: NewEvent, globalPosition: string): RecordedEvent => ({
  ...stored,
  streamId: 'workorder-0f8b4f8e-8b52-4a0e-9b53-7a1c8f3f2d11',
  streamVersion: 2,
  globalPosition,
  checkpoint: `9:${globalPosition}`,
  recordedAt: new Date('2026-12-05T03:00:00Z'),
});

/** A record as the relay sent it, read back as a consumer reads it. */
const inbound = (cloudEvent: Record<string, unknown>): InboundCloudEvent => {
  const parsed = parseCloudEvent(Buffer.from(JSON.stringify(cloudEvent)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { event: parsed.event, topic: 'workorders.events', partition: 0, offset: '17', key: undefined };
};

/** A logger writing JSON lines into an array. */
/** A work-order report consumed from Kafka, sent under the UPSTREAM span. */
const reportedUpstream = (): InboundCloudEvent =>
  inbound({
    specversion: '1.0',
    id: 'e-0',
    source: 'closeloop/intake',
    type: 'closeloop.work-order.reported.v1',
    traceparent: `00-${UPSTREAM.traceId}-${UPSTREAM.spanId}-01`,
  });

const capturedLogs = () => {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new StructuredLogger({ service: 'dispatch', level: 'log', destination }), lines };
};

describe('traces are off unless a collector is configured', () => {
  it('reads OTEL_EXPORTER_OTLP_ENDPOINT (or its traces-only form), and OTEL_SDK_DISABLED', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(
      false,
    );
  });

  it('leaves events, consumers and log lines as they were when off', async () => {
    expect(startTracing('dispatch')).toBe(false);
    const { logger, lines } = capturedLogs();
    const handled = reportedUpstream();
    const stamped = await consumerObserver(new ServiceMetrics('dispatch')).handling!(handled, () =>
      traceAppend('workorder-x', [event()], async (events) => {
        logger.log('assigned');
        return events;
      }),
    );
    expect(stamped).toEqual([event()]);
    expect(lines[0]).toEqual(expect.not.objectContaining({ trace_id: expect.anything() }));
  });
});

describe('one trace from a consumed event through what its handler appends to what the relay sends', () => {
  /** The spans the SDK ended, as OpenTelemetry's SDK hands them to a span processor. */
  const ended: EndedSpan[] = [];

  beforeAll(() => {
    const collect = { onStart: () => undefined, onEnd: (span: EndedSpan) => ended.push(span), forceFlush, shutdown };
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' };
    expect(startTracing('dispatch', { env, spanProcessors: [collect] })).toBe(true);
  });

  afterAll(() => stopTracing());

  it('continues the CloudEvent traceparent, stamps the append, sends under it, and logs the span', async () => {
    expect(tracingStarted()).toBe(true);
    const { logger, lines } = capturedLogs();
    const consumed = reportedUpstream();
    const [stored] = await consumerObserver(new ServiceMetrics('dispatch')).handling!(consumed, () =>
      traceAppend('workorder-0f8b4f8e-8b52-4a0e-9b53-7a1c8f3f2d11', [event()], async (events) => {
        logger.log('assigned');
        return events;
      }),
    );
    const traced = recorded(stored!, '43');
    const untraced = recorded(event(), '44');
    await tracePublishing('workorders.events', [traced, untraced], async () => undefined);
    const record = toKafkaMessage(traced);

    const named = (name: string): EndedSpan => {
      const found = ended.filter((s) => s.name === name);
      expect({ name, count: found.length }).toEqual({ name, count: 1 });
      return found[0] as EndedSpan;
    };
    const processing = named('process workorders.events');
    const append = named('append workorder');
    const send = named('send workorders.events');
    expect(ended).toHaveLength(3);
    for (const span of ended) {
      expect(span.resource.attributes['service.name']).toBe('dispatch');
      expect(span.spanContext().traceId).toBe(UPSTREAM.traceId);
    }
    const spanIdOf = (span: EndedSpan) => span.spanContext().spanId;
    expect(processing.parentSpanContext?.spanId).toBe(UPSTREAM.spanId);
    expect(append.parentSpanContext?.spanId).toBe(spanIdOf(processing));
    expect(send.parentSpanContext?.spanId).toBe(spanIdOf(append));
    expect([processing.kind, append.kind, send.kind]).toEqual([SpanKind.CONSUMER, SpanKind.CLIENT, SpanKind.PRODUCER]);
    expect(processing.attributes).toMatchObject({ 'messaging.message.id': 'e-0', 'messaging.kafka.offset': 17 });
    expect(send.attributes).toMatchObject({ 'messaging.message.id': traced.eventId });

    // The stored metadata names the append span; the record carries it as the CloudEvents attribute and header.
    const traceparent = `00-${UPSTREAM.traceId}-${spanIdOf(append)}-01`;
    expect(stored!.metadata).toEqual({ ...event().metadata, traceparent });
    expect(JSON.parse(String(record.value))).toMatchObject({ traceparent });
    expect(record.headers).toMatchObject({ ce_traceparent: traceparent });
    expect(toKafkaMessage(untraced).headers).not.toHaveProperty('ce_traceparent');
    expect(inbound(JSON.parse(String(record.value))).event['traceparent']).toBe(traceparent);

    expect(lines).toEqual([
      expect.objectContaining({ correlationId: 'e-0', trace_id: UPSTREAM.traceId, span_id: spanIdOf(append) }),
    ]);
  });
});
