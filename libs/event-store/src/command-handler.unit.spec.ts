import {
  Decider,
  EventMetadata,
  EventTypes,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  SlaEvent,
} from '@closeloop/contracts';
import { aggregateStream, aggregateStreams, CommandRequest, handleCommand, handleCommands } from './command-handler';
import { EventStore, StreamVersionConflictError } from './event-store.port';
import { InMemoryEventStore } from './in-memory-event-store';

// ── A small decider over real contract events: a clock that can be paused, and stopped once ───────────────

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const at = '2026-11-23T01:00:00.000Z';

interface Clock {
  readonly pauses: number;
  readonly stopped: boolean;
}
type ClockCommand = { readonly type: 'Pause' } | { readonly type: 'Stop' };

const clock: Decider<Clock, ClockCommand, SlaEvent> = {
  decide: (command, state) => {
    if (state.stopped) throw new IllegalTransitionError(command.type, 'stopped', []);
    return command.type === 'Pause'
      ? [{ type: EventTypes.SlaClockPaused, data: { workOrderId, pausedAt: at } }]
      : [{ type: EventTypes.SlaClockStopped, data: { workOrderId, stoppedAt: at, reason: 'cancelled' } }];
  },
  evolve: (state, event) =>
    event.type === EventTypes.SlaClockPaused
      ? { ...state, pauses: state.pauses + 1 }
      : event.type === EventTypes.SlaClockStopped
        ? { ...state, stopped: true }
        : state,
  initialState: () => ({ pauses: 0, stopped: false }),
};

const stream = `sla-${workOrderId}`;
const metadata = (causationId = 'cause-1'): EventMetadata => ({
  workOrderId,
  correlationId: 'c-1',
  causationId,
  actor: { kind: 'system', id: 'test' },
  producer: 'test',
});
const pause = () => ({ type: 'Pause' }) as const;

/** A store another writer appends to, once, just before each of the next `times` appends of ours. */
const racedStore = (inner: InMemoryEventStore, times: number): EventStore & { appends: number } => {
  let racesLeft = times;
  const raced = {
    appends: 0,
    readStream: (id: string) => inner.readStream(id),
    readStreams: (ids: readonly string[]) => inner.readStreams(ids),
    appendMany: (appends: Parameters<EventStore['appendMany']>[0]) => inner.appendMany(appends),
    readAll: (after: string | undefined, limit: number) => inner.readAll(after, limit),
    readCategory: (category: string, after: string | undefined, limit: number) =>
      inner.readCategory(category, after, limit),
    readCheckpoint: (subscriber: string) => inner.readCheckpoint(subscriber),
    storeCheckpoint: (subscriber: string, checkpoint: string) => inner.storeCheckpoint(subscriber, checkpoint),
    append: async (...args: Parameters<EventStore['append']>) => {
      raced.appends++;
      if (racesLeft-- > 0)
        await handleCommand(inner, clock, {
          streamId: stream,
          command: pause,
          metadata: metadata(`rival-${racesLeft}`),
        });
      return inner.append(...args);
    },
  };
  return raced;
};

describe('aggregateStream', () => {
  it('folds a stream that does not exist to the initial state at version 0', async () => {
    expect(await aggregateStream(new InMemoryEventStore(), stream, clock)).toEqual({
      state: { pauses: 0, stopped: false },
      version: 0,
      recorded: [],
      events: [],
    });
  });
});

describe('handleCommand', () => {
  let store: InMemoryEventStore;
  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  /** Most cases pause the one clock: the request's other options on top, and the cause 'cause-1' unless named. */
  const pauseClock = (options: Partial<CommandRequest<Clock, ClockCommand>> = {}, on: EventStore = store) =>
    handleCommand(on, clock, { streamId: stream, command: pause, metadata: metadata(), ...options });

  it('decides on the folded stream, appends with the metadata, and answers the new state and version', async () => {
    await pauseClock({ metadata: metadata('first') });
    const outcome = await pauseClock({ metadata: metadata('second') });
    expect(outcome).toMatchObject({
      state: { pauses: 2 },
      version: 2,
      replayed: false,
      events: [{ type: EventTypes.SlaClockPaused }],
    });
    expect((await store.readStream(stream))[1]?.metadata).toEqual(metadata('second'));
  });

  it('appends nothing when the command builder finds nothing to do', async () => {
    expect(
      await handleCommand(store, clock, { streamId: stream, command: () => undefined, metadata: metadata() }),
    ).toEqual({ state: clock.initialState(), version: 0, events: [], replayed: false });
    expect(await store.readStream(stream)).toEqual([]);
  });

  it('decides again on what another writer left when it got in first', async () => {
    const raced = racedStore(store, 2);
    const outcome = await pauseClock({}, raced);
    expect(outcome).toMatchObject({ state: { pauses: 3 }, version: 3 });
    expect(raced.appends).toBe(3);
  });

  it('gives the conflict to the caller after five attempts', async () => {
    const raced = racedStore(store, 10);
    await expect(pauseClock({}, raced)).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect(raced.appends).toBe(5);
  });

  it('does not retry for a caller that named the version it decided on', async () => {
    await pauseClock({ metadata: metadata('first') });
    await expect(pauseClock({ expectedVersion: 0 })).rejects.toMatchObject({ expected: 0, actual: 1 });
    const raced = racedStore(store, 1);
    await expect(pauseClock({ expectedVersion: 1 }, raced)).rejects.toBeInstanceOf(StreamVersionConflictError);
    expect(raced.appends).toBe(1);
  });

  it('answers a retry key used before with the events it recorded, and refuses it for another request', async () => {
    const first = await pauseClock({ idempotency: { key: 'k-1', requestFingerprint: 'f-1' } });
    const retry = await pauseClock({ idempotency: { key: 'k-1', requestFingerprint: 'f-1' } });
    expect(retry).toEqual({ state: first.state, version: 1, events: first.events, replayed: true });
    expect((await store.readStream(stream))[0]?.metadata).toMatchObject({
      idempotencyKey: 'k-1',
      requestFingerprint: 'f-1',
    });
    await expect(pauseClock({ idempotency: { key: 'k-1', requestFingerprint: 'f-2' } })).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('answers a key recorded without a fingerprint (before fingerprints were kept) whatever the request', async () => {
    await pauseClock({ idempotency: { key: 'k-1' } });
    expect(await pauseClock({ idempotency: { key: 'k-1', requestFingerprint: 'f-2' } })).toMatchObject({
      replayed: true,
      version: 1,
    });
  });

  it('lets a cause act once when asked to: the same causation id again decides nothing', async () => {
    await pauseClock({ metadata: metadata('event-7'), oncePerCause: true });
    const again = await pauseClock({ metadata: metadata('event-7'), oncePerCause: true });
    expect(again).toMatchObject({ replayed: true, version: 1, events: [{ type: EventTypes.SlaClockPaused }] });
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('asks authorize before a replay, a version check or a decision', async () => {
    await pauseClock({ idempotency: { key: 'k-1' } });
    const refuse = () => {
      throw new Error('not yours');
    };
    await expect(pauseClock({ idempotency: { key: 'k-1' }, authorize: refuse })).rejects.toThrow('not yours');
    await expect(pauseClock({ expectedVersion: 0, authorize: refuse })).rejects.toThrow('not yours');
  });

  it('starts a stream said to be new without reading it, and decides on the stream as read when it exists', async () => {
    let reads = 0;
    const counted = Object.assign(Object.create(store) as InMemoryEventStore, {
      readStream: (id: string) => {
        reads++;
        return store.readStream(id);
      },
    });
    expect(
      await pauseClock({ metadata: metadata('event-7'), oncePerCause: true, startsStream: true }, counted),
    ).toMatchObject({
      version: 1,
      replayed: false,
    });
    expect(reads).toBe(0);

    // The same cause again: the guessed start meets the stream, and the cause, read, has acted already.
    const again = await pauseClock({ metadata: metadata('event-7'), oncePerCause: true, startsStream: true }, counted);
    expect(again).toMatchObject({ replayed: true, version: 1 });
    // Another cause: decided on the stream as read, not on the guess.
    expect(await pauseClock({ metadata: metadata('event-8'), startsStream: true }, counted)).toMatchObject({
      state: { pauses: 2 },
      version: 2,
    });
    expect(reads).toBe(2);
    expect(await store.readStream(stream)).toHaveLength(2);
  });

  it('passes a refusal by the decider on to the caller', async () => {
    await handleCommand(store, clock, {
      streamId: stream,
      command: (): ClockCommand => ({ type: 'Stop' }),
      metadata: metadata(),
    });
    await expect(pauseClock()).rejects.toBeInstanceOf(IllegalTransitionError);
  });
});

describe('handleCommands', () => {
  const otherOrder = 'f1a2b3c4-5d6e-4f70-8a9b-0c1d2e3f4a5b';
  const otherStream = `sla-${otherOrder}`;
  const third = `sla-${'0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'}`;
  const pauseOn = (streamId: string, causationId = 'batch'): CommandRequest<Clock, ClockCommand> => ({
    streamId,
    command: pause,
    metadata: metadata(causationId),
    oncePerCause: true,
  });

  /** The store, where another writer pauses `rival`'s clock between our read and our multi-stream append. */
  const movingBeforeAppend = (store: InMemoryEventStore, rival: string): EventStore =>
    Object.assign(Object.create(store) as InMemoryEventStore, {
      appendMany: async (appends: Parameters<EventStore['appendMany']>[0]) => {
        await handleCommand(store, clock, pauseOn(rival, 'rival'));
        return store.appendMany(appends);
      },
    });

  it('decides each stream on its own, appends them all in one multi-stream append, and answers in order', async () => {
    const store = new InMemoryEventStore();
    const appendMany = jest.spyOn(store, 'appendMany');
    const append = jest.spyOn(store, 'append');
    const outcomes = await handleCommands(store, clock, [pauseOn(stream), pauseOn(otherStream)]);
    expect(outcomes).toEqual([
      { result: expect.objectContaining({ state: { pauses: 1, stopped: false }, version: 1, replayed: false }) },
      { result: expect.objectContaining({ version: 1, replayed: false }) },
    ]);
    expect(appendMany).toHaveBeenCalledTimes(1);
    expect(append).not.toHaveBeenCalled();
    expect((await store.readStream(otherStream))[0]?.metadata).toMatchObject({ causationId: 'batch' });
  });

  it("answers a stream's refusal or replay on its own and appends the others", async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, clock, {
      streamId: stream,
      command: () => ({ type: 'Stop' as const }),
      metadata: metadata(),
    });
    await handleCommand(store, clock, pauseOn(third));
    const outcomes = await handleCommands(store, clock, [pauseOn(stream), pauseOn(otherStream), pauseOn(third)]);
    expect(outcomes[0]).toEqual({ error: expect.any(IllegalTransitionError) });
    expect(outcomes[1]).toEqual({ result: expect.objectContaining({ version: 1, replayed: false }) });
    expect(outcomes[2]).toEqual({ result: expect.objectContaining({ version: 1, replayed: true }) });
    expect(await store.readStream(third)).toHaveLength(1);
  });

  it('decides again, on its own, a stream another writer moved between the read and the append', async () => {
    const store = new InMemoryEventStore();
    const moving = movingBeforeAppend(store, otherStream);
    const outcomes = await handleCommands(moving, clock, [pauseOn(stream), pauseOn(otherStream)]);
    expect(outcomes[0]).toEqual({ result: expect.objectContaining({ version: 1 }) });
    expect(outcomes[1]).toEqual({
      result: expect.objectContaining({ state: { pauses: 2, stopped: false }, version: 2 }),
    });
    expect((await store.readStream(otherStream)).map((e) => e.metadata['causationId'])).toEqual(['rival', 'batch']);
  });

  it('gives the conflict to a caller that named the version it decided on', async () => {
    const store = new InMemoryEventStore();
    const moving = movingBeforeAppend(store, stream);
    const outcomes = await handleCommands(moving, clock, [{ ...pauseOn(stream), expectedVersion: 0 }]);
    expect(outcomes).toEqual([{ error: expect.any(StreamVersionConflictError) }]);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('decides on the streams the caller read already, without reading them again', async () => {
    const store = new InMemoryEventStore();
    await handleCommand(store, clock, pauseOn(stream, 'earlier'));
    const read = await aggregateStreams(store, [stream], clock);
    const readStreams = jest.spyOn(store, 'readStreams');
    const outcomes = await handleCommands(store, clock, [pauseOn(stream), pauseOn(otherStream)], read);
    expect(outcomes).toEqual([
      { result: expect.objectContaining({ state: { pauses: 2, stopped: false }, version: 2 }) },
      { result: expect.objectContaining({ state: { pauses: 1, stopped: false }, version: 1 }) },
    ]);
    expect(readStreams).toHaveBeenCalledTimes(1);
    expect(readStreams).toHaveBeenCalledWith([otherStream]);
  });

  it('decides again, on its own, a stream the caller read that another writer moved since', async () => {
    const store = new InMemoryEventStore();
    const read = await aggregateStreams(store, [stream], clock);
    await handleCommand(store, clock, pauseOn(stream, 'rival'));
    const outcomes = await handleCommands(store, clock, [pauseOn(stream)], read);
    expect(outcomes).toEqual([
      { result: expect.objectContaining({ state: { pauses: 2, stopped: false }, version: 2 }) },
    ]);
    expect((await store.readStream(stream)).map((e) => e.metadata['causationId'])).toEqual(['rival', 'batch']);
  });
});
