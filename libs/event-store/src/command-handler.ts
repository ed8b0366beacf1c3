import { randomUUID } from 'node:crypto';
import {
  Decider,
  DomainEvent,
  foldEvents,
  IdempotencyKeyReusedError,
  PublishedEventMetadata,
  toDomainEvents,
} from '@closeloop/contracts';
import { EventStore, RecordedEvent, StreamVersionConflictError } from './event-store.port';

/** How often a command is decided again after another writer appended first, before the conflict is the caller's. */
const MAX_CONFLICT_RETRIES = 5;

export interface AggregatedStream<State, Event> {
  readonly state: State;
  /** The stream's version: how many events it holds, 0 when it does not exist. */
  readonly version: number;
  readonly recorded: readonly RecordedEvent[];
  /** The recorded events as domain events, one for one. */
  readonly events: readonly Event[];
}

/** An event as a decider emits it and the store keeps it. */
type StorableEvent = { readonly type: string; readonly data: unknown };

/** Turns a stream's records into its events; streams outside DomainEvent (inquiries) bring their own parser. */
export type RecordedEventParser<Event> = (recorded: readonly RecordedEvent[]) => Event[];

/** Reads a stream and folds it with a decider: the state a command is decided on. */
export const aggregateStream = async <State, Event extends StorableEvent = DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  parse: RecordedEventParser<Event> = (recorded) => toDomainEvents(recorded) as Event[],
): Promise<AggregatedStream<State, Event>> => {
  const recorded = await store.readStream(streamId);
  const events = parse(recorded);
  return { state: foldEvents(decider, events), version: recorded.length, recorded, events };
};

export interface CommandRequest<State, Command, Event = DomainEvent> {
  readonly streamId: string;
  /** Builds the command from the current state; undefined when, in this state, there is nothing to do. */
  readonly command: (state: State) => Command | undefined;
  /** Recorded with every event the command causes. */
  readonly metadata: PublishedEventMetadata;
  /**
   * A caller's retry key for this stream, and the fingerprint of what it asked under it: a command already carried
   * out under the key is answered with the events it recorded; the same key with another fingerprint is refused.
   */
  readonly idempotency?: { readonly key: string; readonly requestFingerprint?: string | undefined } | undefined;
  /** A cause acts on the stream once: when an event on it already names this causation id, nothing is decided again. */
  readonly oncePerCause?: boolean | undefined;
  /** The version the caller decided on. A stale caller gets the conflict instead of a decision on newer state. */
  readonly expectedVersion?: number | undefined;
  /**
   * Whether the caller may touch this stream at all, asked of the current state before anything else (a replay, a
   * version check), so a stream the caller may not see answers the same whatever its history.
   */
  readonly authorize?: ((state: State) => void) | undefined;
  /** How the stream's records become events, when they are not DomainEvents. */
  readonly parse?: RecordedEventParser<Event> | undefined;
}

export interface CommandResult<State, Event> {
  readonly state: State;
  /** The stream's version after the command: what a caller passes to act on exactly this state. */
  readonly version: number;
  readonly events: readonly Event[];
  /** The command was carried out before (same retry key or cause); `events` are what it recorded then. */
  readonly replayed: boolean;
}

/**
 * Runs one command against one stream: read and fold it, decide, append at the version read. When another writer
 * got in first, it decides again on what that writer left, so a command is never lost: it either applies to the
 * new state or is rejected by it (of two concurrent "start"s one wins, the other gets an illegal transition). An
 * expected version from the caller turns that retry off.
 */
export const handleCommand = async <State, Command, Event extends StorableEvent = DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  request: CommandRequest<State, Command, Event>,
): Promise<CommandResult<State, Event>> => {
  const { streamId, expectedVersion, idempotency } = request;
  const metadata = {
    ...request.metadata,
    ...(idempotency !== undefined ? { idempotencyKey: idempotency.key } : {}),
    ...(idempotency?.requestFingerprint !== undefined ? { requestFingerprint: idempotency.requestFingerprint } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    const {
      state,
      version,
      recorded,
      events: history,
    } = await aggregateStream(store, streamId, decider, request.parse);
    request.authorize?.(state);
    const earlier = answeredBefore(recorded, history, request);
    if (earlier) return { state, version, events: earlier, replayed: true };
    if (expectedVersion !== undefined && expectedVersion !== version)
      throw new StreamVersionConflictError(streamId, expectedVersion, version);
    const command = request.command(state);
    const events = command === undefined ? [] : decider.decide(command, state);
    if (events.length === 0) return { state, version, events, replayed: false };
    try {
      const appended = await store.append(
        streamId,
        events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })),
        version === 0 ? 'no-stream' : version,
      );
      return {
        state: foldEvents(decider, events, state),
        version: appended.nextExpectedVersion,
        events,
        replayed: false,
      };
    } catch (error) {
      if (
        !(error instanceof StreamVersionConflictError) ||
        expectedVersion !== undefined ||
        attempt >= MAX_CONFLICT_RETRIES
      )
        throw error;
    }
  }
};

/**
 * The events an earlier command under this retry key (or from this cause) recorded, to answer a retry with. A
 * different request under the same key is refused. Events recorded without a fingerprint (before fingerprints
 * were kept) match any request, so a retry of a command sent before then is still answered as the first time.
 */
const answeredBefore = <Event>(
  recorded: readonly RecordedEvent[],
  history: readonly Event[],
  request: Pick<CommandRequest<unknown, unknown, unknown>, 'idempotency' | 'oncePerCause' | 'metadata'>,
): Event[] | undefined => {
  const recordedWith = (field: string, value: string): number[] =>
    recorded.flatMap((event, i) => (event.metadata[field] === value ? [i] : []));
  const { idempotency } = request;
  if (idempotency !== undefined) {
    const answered = recordedWith('idempotencyKey', idempotency.key);
    if (answered.length > 0) {
      const recordedFingerprint = recorded[answered[0] as number]?.metadata['requestFingerprint'];
      if (
        idempotency.requestFingerprint !== undefined &&
        recordedFingerprint !== undefined &&
        recordedFingerprint !== idempotency.requestFingerprint
      ) {
        throw new IdempotencyKeyReusedError(idempotency.key);
      }
      return answered.map((i) => history[i] as Event);
    }
  }
  if (request.oncePerCause) {
    const caused = recordedWith('causationId', request.metadata.causationId);
    if (caused.length > 0) return caused.map((i) => history[i] as Event);
  }
  return undefined;
};
