import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { chainEvents, verifyStream } from './event-chain';
import { traceContextFrom, traceHeadersOf } from './trace-context';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('the W3C trace context in event metadata and headers', () => {
  it('reads a traceparent as the remote parent of what follows, and writes it back the same', () => {
    const parent = trace.getSpanContext(traceContextFrom({ traceparent: TRACEPARENT, correlationId: 'c-1' }));
    expect(parent).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(traceHeadersOf(traceContextFrom({ traceparent: TRACEPARENT }))).toEqual({ traceparent: TRACEPARENT });
  });

  it('carries tracestate with it, as header-like carriers (HTTP, Kafka) give it', () => {
    const headers = { traceparent: TRACEPARENT, tracestate: 'vendor=a1b2' };
    expect(traceHeadersOf(traceContextFrom(headers))).toEqual(headers);
  });

  it('keeps a decision not to sample: the flags travel too', () => {
    const unsampled = TRACEPARENT.replace(/01$/, '00');
    expect(traceHeadersOf(traceContextFrom({ traceparent: unsampled }))).toEqual({ traceparent: unsampled });
  });

  it.each([
    ['no traceparent at all', {}],
    ['a traceparent that is not a string', { traceparent: 42 }],
    ['a malformed one', { traceparent: '00-xyz-00f067aa0ba902b7-01' }],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }],
    ['version ff, which W3C forbids', { traceparent: TRACEPARENT.replace(/^00/, 'ff') }],
  ])('ignores %s: the context stays as it was', (_case, carrier) => {
    expect(traceContextFrom(carrier)).toBe(ROOT_CONTEXT);
    expect(traceHeadersOf(traceContextFrom(carrier))).toEqual({});
  });

  it('writes nothing for a context without a span: with traces off, metadata is left as it was', () => {
    expect(traceHeadersOf(ROOT_CONTEXT)).toEqual({});
  });

  it('is covered by the hash chain like any other member of the metadata', () => {
    const event = (traceparent: string) => ({
      eventId: '5f0c7a52-1c1e-4f7c-9d7e-3c1f7e2a9b10',
      type: 'test.traced.v1',
      data: { n: 1 },
      metadata: { correlationId: 'c-1', traceparent },
    });
    const streamId = `workorder-${randomUUID()}`;
    const time = '2026-12-05T03:00:00.000Z';
    const [link] = chainEvents(streamId, 1, [event(TRACEPARENT)], time, '0'.repeat(64));
    const stored = { ...event(TRACEPARENT), streamId, streamVersion: 1, recordedAt: new Date(time), ...link };
    expect(verifyStream(streamId, [stored]).verifies).toBe(true);
    const rewritten = { ...stored, metadata: { ...stored.metadata, traceparent: TRACEPARENT.replace('b7-', 'b8-') } };
    expect(verifyStream(streamId, [rewritten]).firstBreak?.reason).toBe('hash-mismatch');
  });
});
