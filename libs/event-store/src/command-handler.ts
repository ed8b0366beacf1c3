import { randomUUID } from 'node:crypto';
import {
  Decider,
  DomainEvent,
  foldEvents,
  IdempotencyKeyReusedError,
  PublishedEventMetadata,
  toDomainEvents,
} from '@closeloop/contracts';
import {
  EventStore,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  StreamVersionConflictError,
} from './event-store.port';
import { inTraceContext, TraceContext } from './trace-context';

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

const parseDomainEvents = <Event>(recorded: readonly RecordedEvent[]): Event[] => toDomainEvents(recorded) as Event[];

/** Reads a stream and folds it with a decider: the state a command is decided on. */
export const aggregateStream = async <State, Event extends StorableEvent = DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  parse: RecordedEventParser<Event> = parseDomainEvents,
): Promise<AggregatedStream<State, Event>> => {
  return foldRecorded(await store.readStream(streamId), decider, parse);
};

/** aggregateStream for several streams, read in one call (readStreams, ADR 37); a missing stream folds to the start. */
export const aggregateStreams = async <State, Event extends StorableEvent = DomainEvent>(
  store: EventStore,
  streamIds: readonly string[],
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  parse: RecordedEventParser<Event> = parseDomainEvents,
): Promise<Map<string, AggregatedStream<State, Event>>> => {
  const streams = await store.readStreams(streamIds);
  return new Map(streamIds.map((id) => [id, foldRecorded(streams.get(id) ?? [], decider, parse)]));
};

const foldRecorded = <State, Event extends StorableEvent>(
  recorded: readonly RecordedEvent[],
  decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>,
  parse: RecordedEventParser<Event> = parseDomainEvents,
): AggregatedStream<State, Event> => {
  const events = parse(recorded);
  return { state: foldEvents(decider, events), version: recorded.length, recorded, events };
};

/** `Event` is what `parse` yields; a request without a parser (never) fits a decider of any event type. */
export interface CommandRequest<State, Command, Event = never> {
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
  /**
   * The trace context the command was asked in, for a command carried out outside it (gathered from a consumer's
   * batch and handled at its end): its append continues that trace. Absent, the active context's.
   */
  readonly traceContext?: TraceContext | undefined;
  /**
   * The command most likely starts the stream (an order's first triage starts its clocks): handleCommand first
   * decides on the initial state without reading, and appends expecting no stream. A stream that exists (a
   * redelivered cause, a second start) fails that expectation, and the command is decided again on the stream as
   * read, as after any other writer. Saves the read, a round trip, where the guess holds. handleCommands reads its
   * streams in one call anyway and does not guess.
   */
  readonly startsStream?: boolean | undefined;
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
  request: CommandRequest<State, Command, NoInfer<Event>>,
): Promise<CommandResult<State, Event>> => {
  for (let attempt = 1; ; attempt++) {
    const decision =
      (attempt === 1 && request.startsStream ? decisionOnNewStream(decider, request) : undefined) ??
      decideOn(decider, request, await aggregateStream(store, request.streamId, decider, request.parse));
    if ('result' in decision) return decision.result;
    try {
      const { events, expected } = decision.append;
      const appended = await inTraceContext(request.traceContext, () =>
        store.append(request.streamId, events, expected),
      );
      return decision.resultAt(appended.nextExpectedVersion);
    } catch (error) {
      if (
        !(error instanceof StreamVersionConflictError) ||
        request.expectedVersion !== undefined ||
        attempt >= MAX_CONFLICT_RETRIES
      )
        throw error;
    }
  }
};

/** A command's result, or why it failed: one request of a batch failing leaves the others' results standing. */
export type CommandOutcome<State, Event> =
  { readonly result: CommandResult<State, Event> } | { readonly error: unknown };

/**
 * handleCommand for many streams at once (docs/adr/0037-timer-batches.md): the streams are read in one call, each
 * command is decided on its own stream, and every stream's events go in one multi-stream append. A stream another
 * writer moved meanwhile is handled again on its own by handleCommand, with its retries; a caller's expected version
 * turns that off as there. The requests must name distinct streams; outcomes come in the order asked.
 *
 * `read`: streams the caller read and folded already (a batch of sends reads its alerts before sending, under their
 * locks), decided on as they are instead of being read a second time. Nothing is trusted that the append does not
 * check: each is appended at the version it was read at, so one another writer moved since is decided again on its
 * own, as above. Streams not in `read` are read here.
 */
export const handleCommands = async <State, Command, Event extends StorableEvent = DomainEvent>(
  store: EventStore,
  decider: Decider<State, Command, Event>,
  requests: readonly CommandRequest<State, Command, NoInfer<Event>>[],
  read: ReadonlyMap<string, AggregatedStream<State, Event>> = new Map(),
): Promise<CommandOutcome<State, Event>[]> => {
  const unread = requests.filter((r) => !read.has(r.streamId));
  const streams = unread.length > 0 ? await store.readStreams(unread.map((r) => r.streamId)) : new Map();
  const decisions = requests.map((request): Decision<State, Event> | { readonly error: unknown } => {
    try {
      const stream =
        read.get(request.streamId) ?? foldRecorded(streams.get(request.streamId) ?? [], decider, request.parse);
      return decideOn(decider, request, stream);
    } catch (error) {
      return { error };
    }
  });
  const appending = decisions.flatMap((d) => ('append' in d ? [d.append] : []));
  const appended = new Map<string, StreamAppendOutcome>();
  let appendError: { readonly error: unknown } | undefined;
  try {
    for (const outcome of await store.appendMany(appending)) appended.set(outcome.streamId, outcome);
  } catch (error) {
    appendError = { error };
  }
  return Promise.all(
    requests.map(async (request, i): Promise<CommandOutcome<State, Event>> => {
      const decision = decisions[i]!;
      if (!('append' in decision)) return decision;
      if (appendError) return appendError;
      const outcome = appended.get(request.streamId)!;
      if ('appended' in outcome) return { result: decision.resultAt(outcome.appended.nextExpectedVersion) };
      if (request.expectedVersion !== undefined) return { error: outcome.conflict };
      try {
        return { result: await handleCommand(store, decider, request) };
      } catch (error) {
        return { error };
      }
    }),
  );
};

/** What a command comes to on a stream as read: an answer at once, or events to append at the version read. */
type Decision<State, Event> =
  | { readonly result: CommandResult<State, Event> }
  | { readonly append: StreamAppend; readonly resultAt: (version: number) => CommandResult<State, Event> };

const decideOn = <State, Command, Event extends StorableEvent>(
  decider: Decider<State, Command, Event>,
  request: CommandRequest<State, Command, NoInfer<Event>>,
  { state, version, recorded, events: history }: AggregatedStream<State, Event>,
): Decision<State, Event> => {
  const { streamId, expectedVersion, idempotency } = request;
  request.authorize?.(state);
  const earlier = answeredBefore(recorded, history, request);
  if (earlier) return { result: { state, version, events: earlier, replayed: true } };
  if (expectedVersion !== undefined && expectedVersion !== version)
    throw new StreamVersionConflictError(streamId, expectedVersion, version);
  const command = request.command(state);
  const events = command === undefined ? [] : decider.decide(command, state);
  if (events.length === 0) return { result: { state, version, events, replayed: false } };
  const metadata = {
    ...request.metadata,
    ...(idempotency !== undefined ? { idempotencyKey: idempotency.key } : {}),
    ...(idempotency?.requestFingerprint !== undefined ? { requestFingerprint: idempotency.requestFingerprint } : {}),
  };
  return {
    append: {
      streamId,
      events: events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })),
      expected: version === 0 ? 'no-stream' : version,
      traceContext: request.traceContext,
    },
    resultAt: (nextVersion) => ({
      state: foldEvents(decider, events, state),
      version: nextVersion,
      events,
      replayed: false,
    }),
  };
};

/**
 * The decision on the stream as it is before its first event, when it comes to an append: the append expects no
 * stream, so the store checks the guess. Anything else (nothing to do, a refusal, a replay) would be an answer about
 * a stream not read, so it is left to the decision on the stream as read (undefined).
 */
const decisionOnNewStream = <State, Command, Event extends StorableEvent>(
  decider: Decider<State, Command, Event>,
  request: CommandRequest<State, Command, NoInfer<Event>>,
): Decision<State, Event> | undefined => {
  try {
    const decision = decideOn(decider, request, foldRecorded([], decider, request.parse));
    return 'append' in decision ? decision : undefined;
  } catch {
    return undefined;
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
