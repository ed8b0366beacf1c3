import { randomUUID } from 'node:crypto';
import { Attributes, Context, context, SpanContext, SpanStatusCode, trace } from '@opentelemetry/api';
import { PostgresEventAudit, PostgresEventStore, traceContextFrom, verifyStream } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { startTracing, stopTracing } from './tracing';

let db: TestDatabase;
const ended: {
  spanContext(): SpanContext;
  readonly name: string;
  readonly attributes: Attributes;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly status: { readonly code: SpanStatusCode };
}[] = [];

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

describe('a multi-stream append made with traces on, in PostgreSQL', () => {
  const event = (n: number) => ({ eventId: randomUUID(), type: 'test.traced.v1', data: { n }, metadata: { n } });
  const caller = (traceId: string) => traceContextFrom({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
  let endedBefore = 0;
  /** The one span the multi-stream append under test opened for a stream. */
  const appendSpanOf = (streamId: string) => {
    const spans = ended
      .slice(endedBefore)
      .filter((s) => s.name === 'append workorder' && s.attributes['closeloop.stream.id'] === streamId);
    expect(spans).toHaveLength(1);
    return spans[0]!;
  };
  const traceparentOf = (span: (typeof ended)[number]) =>
    `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;

  it("traces each stream as its own append, under its own caller's context, and stamps its events with that span", async () => {
    const store = new PostgresEventStore(db.pool);
    const [first, second, taken, untold] = [1, 2, 3, 4].map(() => `workorder-${randomUUID()}`) as [
      string,
      string,
      string,
      string,
    ];
    await store.append(taken, [event(0)], 'no-stream');
    const [firstCaller, secondCaller, activeCaller] = [
      '4bf92f3577b34da6a3ce929d0e0e4736',
      '0af7651916cd43dd8448eb211c80319c',
      'a3ce929d0e0e47364bf92f3577b34da6',
    ].map(caller) as [Context, Context, Context];

    // In a context of its own (a batch's end), appending what three callers and one unnamed asked for.
    endedBefore = ended.length;
    const outcomes = await context.with(activeCaller, () =>
      store.appendMany([
        { streamId: first, events: [event(1), event(2)], expected: 'no-stream', traceContext: firstCaller },
        { streamId: second, events: [event(3)], expected: 'no-stream', traceContext: secondCaller },
        { streamId: taken, events: [event(4)], expected: 'no-stream', traceContext: secondCaller },
        { streamId: untold, events: [event(5)], expected: 'no-stream' },
      ]),
    );
    expect(outcomes.map((o) => ('appended' in o ? 'appended' : o.conflict.code))).toEqual([
      'appended',
      'appended',
      'STREAM_VERSION_CONFLICT',
      'appended',
    ]);

    // Each stream's span is a child of the context it was asked in; the one that named none, of the active one.
    for (const [streamId, asked] of [
      [first, firstCaller],
      [second, secondCaller],
      [taken, secondCaller],
      [untold, activeCaller],
    ] as const) {
      const span = appendSpanOf(streamId);
      expect({ streamId, parent: span.parentSpanContext?.spanId, trace: span.spanContext().traceId }).toEqual({
        streamId,
        parent: trace.getSpanContext(asked)?.spanId,
        trace: trace.getSpanContext(asked)?.traceId,
      });
    }
    // The stream another writer had taken: its span failed as a single append's would, and nothing was stamped.
    expect(appendSpanOf(taken).status.code).toBe(SpanStatusCode.ERROR);
    expect(appendSpanOf(first).status.code).not.toBe(SpanStatusCode.ERROR);
    expect((await store.readStream(taken)).map((e) => e.metadata['n'])).toEqual([0]);

    // Every stream's events carry its own span's context, as a single append stamps them.
    const metadataOf = async (streamId: string) => (await store.readStream(streamId)).map((e) => e.metadata);
    expect(await metadataOf(first)).toEqual([
      { n: 1, traceparent: traceparentOf(appendSpanOf(first)) },
      { n: 2, traceparent: traceparentOf(appendSpanOf(first)) },
    ]);
    expect(await metadataOf(second)).toEqual([{ n: 3, traceparent: traceparentOf(appendSpanOf(second)) }]);
    expect(await metadataOf(untold)).toEqual([{ n: 5, traceparent: traceparentOf(appendSpanOf(untold)) }]);

    // The stamps are chained like any other metadata.
    const audited = [];
    for await (const stream of new PostgresEventAudit(db.pool).streams())
      if ([first, second, untold].includes(stream.streamId)) audited.push(verifyStream(stream.streamId, stream.events));
    expect(audited.map((a) => a.verifies)).toEqual([true, true, true]);
  });
});
