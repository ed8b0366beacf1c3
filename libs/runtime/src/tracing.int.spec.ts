import { randomUUID } from 'node:crypto';
import { context, SpanContext, trace } from '@opentelemetry/api';
import { PostgresEventAudit, PostgresEventStore, traceContextFrom, verifyStream } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { startTracing, stopTracing } from './tracing';

let db: TestDatabase;
const ended: { spanContext(): SpanContext; readonly name: string }[] = [];

beforeAll(async () => {
  db = await freshDatabase('traced_appends');
  const collect = {
    onStart: () => undefined,
    onEnd: (span: (typeof ended)[number]) => ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  startTracing('intake', {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' },
    spanProcessors: [collect],
  });
});

afterAll(async () => {
  await stopTracing();
  await db.drop();
});

describe('an append made with traces on, in PostgreSQL', () => {
  it("stores the append span's traceparent in the metadata, and the stream's hash chain verifies", async () => {
    const store = new PostgresEventStore(db.pool);
    const streamId = `workorder-${randomUUID()}`;
    const caller = traceContextFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const event = (n: number) => ({ eventId: randomUUID(), type: 'test.traced.v1', data: { n }, metadata: { n } });
    await context.with(caller, () => store.append(streamId, [event(1), event(2)], 'no-stream'));
    await store.append(streamId, [event(3)], 2);

    const [append] = ended.filter((s) => s.name === 'append workorder');
    const stored = await store.readStream(streamId);
    expect(stored.map((e) => e.metadata)).toEqual([
      { n: 1, traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${append!.spanContext().spanId}-01` },
      { n: 2, traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${append!.spanContext().spanId}-01` },
      // Outside any span the append is a trace of its own, stamped all the same.
      {
        n: 3,
        traceparent: expect.stringMatching(/^00-(?!4bf92f3577b34da6a3ce929d0e0e4736)[0-9a-f]{32}-[0-9a-f]{16}-01$/),
      },
    ]);
    expect(trace.getSpanContext(traceContextFrom(stored[2]!.metadata))?.traceId).not.toBe(
      append!.spanContext().traceId,
    );

    const audited = [];
    for await (const stream of new PostgresEventAudit(db.pool).streams())
      if (stream.streamId === streamId) audited.push(verifyStream(stream.streamId, stream.events));
    expect(audited).toEqual([expect.objectContaining({ streamId, verifies: true })]);
  });
});
