import { randomUUID } from 'node:crypto';
import { Context, context, trace } from '@opentelemetry/api';
import {
  DuplicateEventIdError,
  InMemoryEventStore,
  NewEvent,
  StreamVersionConflictError,
  traceContextFrom,
} from '@closeloop/event-store';
import { startTracing, stopTracing } from '@closeloop/runtime';
import { GroupedAppends } from './grouped-appends';

const event = (eventId: string = randomUUID()): NewEvent => ({
  eventId,
  type: 'closeloop.test.happened.v1',
  data: {},
  metadata: {},
});

describe('GroupedAppends', () => {
  let store: InMemoryEventStore;
  let appendCalls: number;
  let appendManySizes: number[];
  let grouped: GroupedAppends;

  beforeEach(() => {
    store = new InMemoryEventStore();
    appendCalls = 0;
    appendManySizes = [];
    const append = store.append.bind(store);
    const appendMany = store.appendMany.bind(store);
    jest.spyOn(store, 'append').mockImplementation((...args) => {
      appendCalls += 1;
      return append(...args);
    });
    jest.spyOn(store, 'appendMany').mockImplementation((appends) => {
      appendManySizes.push(appends.length);
      return appendMany(appends);
    });
    grouped = new GroupedAppends(store);
  });

  /** Appends one event to each stream, all at once; what each came to, in order: its result, or its error's class. */
  const appendTogether = async (...appends: [streamId: string, eventId?: string][]) =>
    (
      await Promise.allSettled(
        appends.map(([streamId, eventId]) => grouped.append(streamId, [event(eventId)], 'no-stream')),
      )
    ).map((o) => (o.status === 'fulfilled' ? o.value.nextExpectedVersion : (o.reason as Error).constructor));

  describe('given one report alone', () => {
    it('appends it at once, on its own', async () => {
      const result = await grouped.append('workorder-a', [event(), event()], 'no-stream');
      expect(result.nextExpectedVersion).toBe(2);
      expect(appendCalls).toBe(1);
      expect(appendManySizes).toEqual([]);
    });
  });

  describe('given reports that arrive while an append is on its way', () => {
    it('commits the waiting ones together in one multi-stream append, each with its own result', async () => {
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((id) => grouped.append(`workorder-${id}`, [event()], 'no-stream')),
      );
      expect(results.map((r) => r.nextExpectedVersion)).toEqual([1, 1, 1, 1]);
      // The first goes alone; the three that came while it was on its way go together.
      expect(appendCalls).toBe(1);
      expect(appendManySizes).toEqual([3]);
      for (const id of ['a', 'b', 'c', 'd']) expect(await store.readStream(`workorder-${id}`)).toHaveLength(1);
    });

    it('gives a stream that exists already its conflict and appends the others all the same', async () => {
      await store.append('workorder-taken', [event()], 'no-stream');
      expect(await appendTogether(['workorder-first'], ['workorder-taken'], ['workorder-free'])).toEqual([
        1,
        StreamVersionConflictError,
        1,
      ]);
      expect(await store.readStream('workorder-taken')).toHaveLength(1);
      expect(await store.readStream('workorder-free')).toHaveLength(1);
    });

    it('puts two appends to one stream in different groups, in the order they came', async () => {
      expect(await appendTogether(['workorder-first'], ['workorder-same'], ['workorder-same'])).toEqual([
        1,
        1,
        StreamVersionConflictError,
      ]);
      expect(await store.readStream('workorder-same')).toHaveLength(1);
    });

    it('tries a group that fails as a whole again one append at a time, so only the bad one fails', async () => {
      const repeated = randomUUID();
      await store.append('workorder-old', [event(repeated)], 'no-stream');
      expect(await appendTogether(['workorder-first'], ['workorder-good'], ['workorder-bad', repeated])).toEqual([
        1,
        1,
        DuplicateEventIdError,
      ]);
      expect(await store.readStream('workorder-good')).toHaveLength(1);
      expect(await store.readStream('workorder-bad')).toHaveLength(0);
    });
  });

  describe('given reports traced by their requests', () => {
    // Traces on, as with a collector configured: each request's context follows its own async work.
    beforeAll(() =>
      startTracing('intake', {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector.invalid:4318' },
        spanProcessors: [],
      }),
    );
    afterAll(() => stopTracing());

    const traceIdOf = (of: Context | undefined) => (of === undefined ? undefined : trace.getSpanContext(of)?.traceId);

    it("appends each under its own request's trace context, not that of the report that started the sending", async () => {
      const traces = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(32));
      const appendedIn: (string | undefined)[] = [];
      const appendManyWith: (string | undefined)[][] = [];
      const traced = new InMemoryEventStore();
      const append = traced.append.bind(traced);
      jest.spyOn(traced, 'append').mockImplementation((...args) => {
        appendedIn.push(traceIdOf(context.active()));
        return append(...args);
      });
      jest.spyOn(traced, 'appendMany').mockImplementation(async (appends) => {
        appendManyWith.push(appends.map((a) => traceIdOf(a.traceContext)));
        // The group fails as a whole: each report is then appended alone, still in its own context.
        throw new Error('connection reset');
      });
      const tracedGroups = new GroupedAppends(traced);
      await Promise.all(
        traces.map((traceId, i) =>
          context.with(traceContextFrom({ traceparent: `00-${traceId}-00f067aa0ba902b7-01` }), () =>
            tracedGroups.append(`workorder-${i}`, [event()], 'no-stream'),
          ),
        ),
      );
      // The first alone; the four that waited, as a group and then one by one.
      expect(appendManyWith).toEqual([traces.slice(1)]);
      expect(appendedIn).toEqual(traces);
    });
  });
});
