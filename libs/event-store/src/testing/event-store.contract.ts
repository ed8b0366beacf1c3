import { randomUUID } from 'node:crypto';
import {
  DuplicateEventIdError,
  EventStore,
  NewEvent,
  RecordedEvent,
  StreamAppendOutcome,
  StreamVersionConflictError,
} from '../event-store.port';
import { GENESIS_HASH, verifyStream } from '../event-chain';

/** Where stores may differ and the contract says so, with the reason in docs/adr/0002-postgresql-event-store.md. */
export interface EventStoreDifferences {
  /**
   * PostgreSQL refuses an event id already stored in any stream; KurrentDB keeps ids unique only as far as it takes a
   * repeated append for a retry of the same write, so an id from another stream is stored again.
   */
  readonly refusesEventIdsOfOtherStreams: boolean;
}

/**
 * The behaviour every EventStore adapter must show, run against each backend by its own spec file.
 * `makeStore` returns a store over an empty log.
 */
export const eventStoreContract = (
  name: string,
  makeStore: () => Promise<EventStore>,
  dispose: () => Promise<void> = async () => undefined,
  differences: EventStoreDifferences = { refusesEventIdsOfOtherStreams: true },
) => {
  const event = (type = 'test.happened.v1', data: unknown = { n: 1 }): NewEvent => ({
    eventId: randomUUID(),
    type,
    data,
    metadata: { correlationId: 'c-1' },
  });
  const stream = () => `test-${randomUUID()}`;

  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterAll(dispose);

    describe('given no stream', () => {
      it('appends with "no-stream" and numbers events from 1', async () => {
        const id = stream();
        const result = await store.append(id, [event(), event()], 'no-stream');
        expect(result.nextExpectedVersion).toBe(2);
        const read = await store.readStream(id);
        expect(read.map((e) => e.streamVersion)).toEqual([1, 2]);
      });

      it('rejects an exact version and "stream-exists" with a typed conflict', async () => {
        const id = stream();
        await expect(store.append(id, [event()], 0)).resolves.toMatchObject({ nextExpectedVersion: 1 });
        const other = stream();
        await expect(store.append(other, [event()], 3)).rejects.toBeInstanceOf(StreamVersionConflictError);
        await expect(store.append(other, [event()], 'stream-exists')).rejects.toBeInstanceOf(
          StreamVersionConflictError,
        );
        expect(await store.readStream(other)).toEqual([]);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });
    });

    describe('given a stream with two events', () => {
      let id: string;
      beforeEach(async () => {
        id = stream();
        await store.append(id, [event('test.first.v1', { n: 1 }), event('test.second.v1', { n: 2 })], 'no-stream');
      });

      it('appends at the exact version and keeps order, data and metadata', async () => {
        await store.append(id, [event('test.third.v1', { n: 3, text: "O'Brien <b>; DROP TABLE es_events;--" })], 2);
        const read = await store.readStream(id);
        expect(read.map((e) => e.type)).toEqual(['test.first.v1', 'test.second.v1', 'test.third.v1']);
        expect(read[2]?.data).toEqual({ n: 3, text: "O'Brien <b>; DROP TABLE es_events;--" });
        expect(read[2]?.metadata).toEqual({ correlationId: 'c-1' });
      });

      it('rejects a stale expected version and writes nothing', async () => {
        await expect(store.append(id, [event()], 1)).rejects.toMatchObject({
          code: 'STREAM_VERSION_CONFLICT',
          actual: 2,
        });
        await expect(store.append(id, [event()], 'no-stream')).rejects.toBeInstanceOf(StreamVersionConflictError);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('accepts "any" and "stream-exists"', async () => {
        await store.append(id, [event()], 'any');
        await store.append(id, [event()], 'stream-exists');
        expect(await store.readStream(id)).toHaveLength(4);
      });

      it('lets exactly one of two concurrent appends at the same version win', async () => {
        const outcomes = await Promise.allSettled([store.append(id, [event()], 2), store.append(id, [event()], 2)]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(StreamVersionConflictError);
        expect(await store.readStream(id)).toHaveLength(3);
      });

      (differences.refusesEventIdsOfOtherStreams ? it : it.skip)(
        'refuses an event id that is already stored, writing nothing of the batch',
        async () => {
          const [first] = await store.readStream(id);
          const again = { ...event(), eventId: first!.eventId };
          await expect(store.append(stream(), [event(), again], 'no-stream')).rejects.toBeInstanceOf(
            DuplicateEventIdError,
          );
        },
      );
    });

    describe('appending to many streams at once (docs/adr/0037-timer-batches.md)', () => {
      it('appends each stream under its own expectation, numbered and chained as single appends are', async () => {
        const [fresh, existing] = [stream(), stream()];
        await store.append(existing, [event('test.first.v1')], 'no-stream');
        const outcomes = await store.appendMany([
          { streamId: fresh, events: [event('test.a.v1'), event('test.b.v1')], expected: 'no-stream' },
          { streamId: existing, events: [event('test.second.v1', { text: '报修 "x"' })], expected: 1 },
        ]);
        expect(outcomes).toEqual([
          { streamId: fresh, appended: expect.objectContaining({ nextExpectedVersion: 2 }) },
          { streamId: existing, appended: expect.objectContaining({ nextExpectedVersion: 2 }) },
        ]);
        const read = await store.readStreams([fresh, existing, stream()]);
        expect([...read.values()].map((events) => events.map((e) => e.type))).toEqual([
          ['test.a.v1', 'test.b.v1'],
          ['test.first.v1', 'test.second.v1'],
          [],
        ]);
        for (const id of [fresh, existing]) {
          const events = read.get(id)!;
          expect(events.map((e) => e.streamVersion)).toEqual([1, 2]);
          expect(verifyStream(id, events).verifies).toBe(true);
        }
      });

      it('answers a stream whose expectation fails with its typed conflict, writes nothing to it, and appends the rest', async () => {
        const [moved, missing, fine] = [stream(), stream(), stream()];
        await store.append(moved, [event(), event()], 'no-stream');
        const outcomes = await store.appendMany([
          { streamId: moved, events: [event()], expected: 1 },
          { streamId: missing, events: [event()], expected: 'stream-exists' },
          { streamId: fine, events: [event()], expected: 'any' },
        ]);
        expect(outcomes.map((o) => o.streamId)).toEqual([moved, missing, fine]);
        const [movedOutcome, missingOutcome] = outcomes as [StreamAppendOutcome, StreamAppendOutcome];
        expect('conflict' in movedOutcome && movedOutcome.conflict).toBeInstanceOf(StreamVersionConflictError);
        expect('conflict' in movedOutcome && movedOutcome.conflict.actual).toBe(2);
        expect('conflict' in missingOutcome && missingOutcome.conflict.actual).toBe('no-stream');
        expect(outcomes[2]).toMatchObject({ appended: { nextExpectedVersion: 1 } });
        expect(await store.readStream(moved)).toHaveLength(2);
        expect(await store.readStream(missing)).toEqual([]);
      });

      it('refuses a stream named twice and a stream without events', async () => {
        const id = stream();
        await expect(
          store.appendMany([
            { streamId: id, events: [event()], expected: 'any' },
            { streamId: id, events: [event()], expected: 'any' },
          ]),
        ).rejects.toThrow(/named twice/);
        await expect(store.appendMany([{ streamId: id, events: [], expected: 'any' }])).rejects.toThrow(
          /at least one event/,
        );
        expect(await store.readStream(id)).toEqual([]);
        expect(await store.appendMany([])).toEqual([]);
      });

      if (differences.refusesEventIdsOfOtherStreams) {
        it('refuses an event id already stored and then appends to none of the streams', async () => {
          const stored = event();
          await store.append(stream(), [stored], 'no-stream');
          const [first, second] = [stream(), stream()];
          await expect(
            store.appendMany([
              { streamId: first, events: [event()], expected: 'no-stream' },
              { streamId: second, events: [stored], expected: 'no-stream' },
            ]),
          ).rejects.toBeInstanceOf(DuplicateEventIdError);
          expect(await store.readStream(first)).toEqual([]);
          expect(await store.readStream(second)).toEqual([]);
        });
      }
    });

    describe('reading the whole log', () => {
      it('returns every event after a checkpoint in append order, in pages', async () => {
        const start = await lastCheckpoint(store);
        const a = stream();
        const b = stream();
        await store.append(a, [event('test.a1.v1')], 'no-stream');
        await store.append(b, [event('test.b1.v1'), event('test.b2.v1')], 'no-stream');
        await store.append(a, [event('test.a2.v1')], 1);
        const mine = await readLogInPages(store, start, [a, b], 4);
        expect(mine.map((e) => e.type)).toEqual(['test.a1.v1', 'test.b1.v1', 'test.b2.v1', 'test.a2.v1']);
        const positions = mine.map((e) => BigInt(e.globalPosition));
        expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
      });
    });

    describe('reading one category', () => {
      it("returns only that category's events, in the whole log's order, from checkpoints readAll also takes", async () => {
        const start = await lastCheckpoint(store);
        const category = `cat${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        const mine = [`${category}-${randomUUID()}`, `${category}-${randomUUID()}`];
        const other = `${category}x-${randomUUID()}`;
        await store.append(mine[0]!, [event('test.c1.v1')], 'no-stream');
        await store.append(other, [event('test.not-mine.v1')], 'no-stream');
        await store.append(mine[1]!, [event('test.c2.v1'), event('test.c3.v1')], 'no-stream');
        await store.append(mine[0]!, [event('test.c4.v1')], 1);
        const inLog = await readLogInPages(store, start, mine, 4);
        // Two a page, each page from the last one's checkpoint, as a feed's reader pages through a category.
        const seen: RecordedEvent[] = [];
        let checkpoint = start;
        const deadline = Date.now() + 10_000;
        while (seen.length < 4 && Date.now() < deadline) {
          const page = await store.readCategory(category, checkpoint, 2);
          expect(page.every((e) => e.streamId.startsWith(`${category}-`))).toBe(true);
          seen.push(...page);
          checkpoint = page[page.length - 1]?.checkpoint ?? checkpoint;
        }
        expect(seen.map((e) => e.type)).toEqual(['test.c1.v1', 'test.c2.v1', 'test.c3.v1', 'test.c4.v1']);
        expect(seen.map((e) => e.checkpoint)).toEqual(inLog.map((e) => e.checkpoint));
        expect(await store.readCategory(category, seen[1]!.checkpoint, 10)).toEqual(seen.slice(2));
      });

      it('refuses a category name that is not a plain word', async () => {
        await expect(store.readCategory('work%', undefined, 1)).rejects.toThrow(/not a stream category/);
      });
    });

    describe('the hash chain (docs/adr/0033-tamper-evident-event-chain.md)', () => {
      it('chains every event to the one before it, from the genesis hash, across appends', async () => {
        const id = stream();
        await store.append(id, [event('test.first.v1', { text: '报修：厨房水管爆裂', n: 1.5 }), event()], 'no-stream');
        await store.append(id, [event('test.third.v1', { nested: { b: [1, 'x'], a: null } })], 'any');
        const read = await store.readStream(id);
        expect(read[0]?.prevHash).toBe(GENESIS_HASH);
        expect(read[1]?.prevHash).toBe(read[0]?.hash);
        expect(read[2]?.prevHash).toBe(read[1]?.hash);
        const verification = verifyStream(id, read);
        expect(verification.links.map((l) => l.verifies)).toEqual([true, true, true]);
        expect(verification.verifies).toBe(true);
      });

      it('chains data whose canonical form must escape, sort and shorten, whichever side writes it', async () => {
        // Quotes, backslashes, control characters, a surrogate pair, keys out of order, numbers JSON spells several
        // ways, and a type and stream name that need escaping themselves. (A lone surrogate or NUL is no storable
        // text: the input policy refuses it at the edge, ADR 17.)
        const id = `${stream()}-"q"\\`;
        const awkward = {
          z: 'line\nbreak\ttab "quoted" \\ back\u0001\u001f',
          a: ['😀', 'ε', '工单'],
          numbers: [1.5, -0, 1e21, 1e-7, 123456789.125, 0.1 + 0.2],
          nested: { 'b\u00e9': true, a: null, '': 'empty key' },
        };
        await store.append(id, [event('test.awkward "type".v1', awkward), event()], 'no-stream');
        const read = await store.readStream(id);
        const verification = verifyStream(id, read);
        expect(verification.links.map((l) => l.verifies)).toEqual([true, true]);
      });

      it('tells a changed event from the others', async () => {
        const id = stream();
        await store.append(id, [event(), event(), event()], 'no-stream');
        const read = await store.readStream(id);
        const changed = read.map((e, i) => (i === 1 ? { ...e, data: { n: 2 } } : e));
        const verification = verifyStream(id, changed);
        expect(verification.firstBreak).toMatchObject({ version: 2, reason: 'hash-mismatch' });
        expect(verification.links.filter((l) => !l.verifies)).toHaveLength(1);
      });
    });

    describe('checkpoints of readers of the whole log', () => {
      const subscriber = () => `relay:test-${randomUUID()}`;

      it('has none for a reader that stored none, and the last one stored for each reader', async () => {
        const first = subscriber();
        const second = subscriber();
        expect(await store.readCheckpoint(first)).toBeUndefined();
        const a = stream();
        await store.append(a, [event('test.a1.v1'), event('test.a2.v1')], 'no-stream');
        const [one, two] = await store.readStream(a);
        await store.storeCheckpoint(first, one!.checkpoint);
        await store.storeCheckpoint(first, two!.checkpoint);
        await store.storeCheckpoint(second, one!.checkpoint);
        expect(await store.readCheckpoint(first)).toBe(two!.checkpoint);
        expect(await store.readCheckpoint(second)).toBe(one!.checkpoint);
      });

      it('reads on from a stored checkpoint, and storing one adds nothing to the log', async () => {
        const reader = subscriber();
        const start = await lastCheckpoint(store);
        const a = stream();
        await store.append(a, [event('test.before.v1')], 'no-stream');
        const [before] = await readLogInPages(store, start, [a], 1);
        await store.storeCheckpoint(reader, before!.checkpoint);
        await store.append(a, [event('test.after.v1')], 1);
        const after = await readLogInPages(store, await store.readCheckpoint(reader), [a], 1);
        expect(after.map((e) => e.type)).toEqual(['test.after.v1']);
        const mentionsTheReader = (e: RecordedEvent) =>
          `${e.streamId} ${JSON.stringify(e.data)} ${JSON.stringify(e.metadata)}`.includes(reader);
        expect((await store.readAll(before!.checkpoint, 1000)).filter(mentionsTheReader)).toEqual([]);
      });
    });
  });
};

/**
 * Reads the log after `after`, two events a page, each page from the last one's checkpoint, until `count` events of
 * these streams have shown. A PostgreSQL store shows a commit once every older transaction on the server has ended
 * (other test files share the server), so the events may take a moment to appear; their order may not differ.
 */
const readLogInPages = async (
  store: EventStore,
  after: string | undefined,
  streams: readonly string[],
  count: number,
): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  let checkpoint = after;
  const deadline = Date.now() + 10_000;
  while (seen.length < count && Date.now() < deadline) {
    const page = await store.readAll(checkpoint, 2);
    if (page.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    seen.push(...page.filter((e) => streams.includes(e.streamId)));
    checkpoint = page[page.length - 1]?.checkpoint;
  }
  return seen;
};

const lastCheckpoint = async (store: EventStore): Promise<string | undefined> => {
  let checkpoint: string | undefined;
  for (;;) {
    const page = await store.readAll(checkpoint, 1000);
    if (page.length === 0) return checkpoint;
    checkpoint = page[page.length - 1]?.checkpoint;
  }
};
