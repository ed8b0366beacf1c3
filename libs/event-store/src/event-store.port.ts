import type { Context } from '@opentelemetry/api';
import { CloseloopError } from '@closeloop/contracts';

/**
 * What an append expects of the stream: that it does not exist yet, that it exists at exactly this version
 * (the number of events in it), that it exists at all, or nothing ("any").
 */
export type ExpectedVersion = number | 'no-stream' | 'stream-exists' | 'any';

export interface NewEvent {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface RecordedEvent extends NewEvent {
  readonly streamId: string;
  /** 1 for the first event of a stream. */
  readonly streamVersion: number;
  /** Position in the store's whole log; increases with the order appends were assigned positions. */
  readonly globalPosition: string;
  /**
   * Opaque, totally ordered marker for reading the whole log in commit-safe order: pass the last one seen to
   * readAll to continue after it.
   */
  readonly checkpoint: string;
  readonly recordedAt: Date;
  /**
   * The hash chain (docs/adr/0033-tamper-evident-event-chain.md): the hash of the stream's event before this one
   * (GENESIS_HASH for the first) and this event's own hash. Absent on events stored before the chain and not yet
   * backfilled, and on stores that keep no chain.
   */
  readonly prevHash?: string;
  readonly hash?: string;
}

export interface AppendResult {
  /** The stream's version after the append: the expected version of the next one. */
  readonly nextExpectedVersion: number;
  readonly lastGlobalPosition: string;
}

/** One stream's share of a multi-stream append. */
export interface StreamAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedVersion;
  /**
   * The trace context of the command these events answer (docs/adr/0035-opentelemetry-traces.md): the stream's
   * append is traced and its events stamped under it, as a single append is under the active context, which is the
   * default. For appends gathered from many callers, each of whose trace the active context is not.
   */
  readonly traceContext?: Context | undefined;
}

/** What a multi-stream append did to one stream: appended, or refused by its expectation (nothing written to it). */
export type StreamAppendOutcome =
  | { readonly streamId: string; readonly appended: AppendResult }
  | { readonly streamId: string; readonly conflict: StreamVersionConflictError };

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  /**
   * Appends to several distinct streams at once (docs/adr/0037-timer-batches.md), each under its own expected
   * version: a stream whose expectation fails gets its typed conflict in the outcome, in the order asked, and the
   * others are appended all the same, so a caller decides again only on the streams another writer moved. Any other
   * failure (a repeated event id) throws; on PostgreSQL it then appends nothing, while a store that writes one stream
   * per call (KurrentDB) may have appended the streams before the failing one, so a caller's retry must be idempotent.
   * A store that traces its appends traces each stream as its own append, under the stream's `traceContext`.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;
  readStream(streamId: string): Promise<RecordedEvent[]>;
  /** Several streams read at once, each as readStream reads it; a stream with no events maps to an empty list. */
  readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>>;
  /**
   * Events of every stream after a checkpoint, oldest first, never returning an event before one that an
   * earlier call already passed (see docs/adr/0003-relay-commit-order.md).
   */
  readAll(after: string | undefined, limit: number): Promise<RecordedEvent[]>;
  /**
   * readAll narrowed to one stream category (`<category>-<id>` streams, e.g. `workorder`): the same order, the same
   * commit-safe rule, and checkpoints interchangeable with readAll's. For a reader that follows one category from any
   * position (the integrators' feed, docs/adr/0030) without paging through every other category itself.
   */
  readCategory(category: string, after: string | undefined, limit: number): Promise<RecordedEvent[]>;
  /**
   * Where a reader of the whole log (a relay) stored that it got to, under its own name; undefined before it
   * stored anything. The checkpoint lives in the store it is a place in, so a reader works on every backend.
   */
  readCheckpoint(subscriber: string): Promise<string | undefined>;
  /** Stores a reader's checkpoint, replacing the one before. */
  storeCheckpoint(subscriber: string, checkpoint: string): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

/** A category name as stream ids start with it: lower-case letters and digits, so it never needs escaping. */
const CATEGORY = /^[a-z][a-z0-9]{0,63}$/;

/** The prefix of a category's stream ids, `<category>-`; throws for a name that is not a plain category. */
export const categoryPrefix = (category: string): string => {
  if (!CATEGORY.test(category)) throw new Error(`not a stream category: ${JSON.stringify(category)}`);
  return `${category}-`;
};

export class StreamVersionConflictError extends CloseloopError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number | 'no-stream',
  ) {
    super(
      'concurrency',
      'STREAM_VERSION_CONFLICT',
      `stream ${streamId} was expected at ${String(expected)} but is at ${String(actual)}`,
      {
        streamId,
        expected,
        actual,
      },
    );
  }
}

export class DuplicateEventIdError extends CloseloopError {
  constructor(readonly eventId: string) {
    super('conflict', 'DUPLICATE_EVENT_ID', `an event with id ${eventId} is already stored`, { eventId });
  }
}

/** Refuses a multi-stream append that is empty, names a stream twice or gives a stream no events. */
export const assertAppendsDistinct = (appends: readonly StreamAppend[]): void => {
  const seen = new Set<string>();
  for (const { streamId, events } of appends) {
    if (events.length === 0) throw new Error(`append to ${streamId} needs at least one event`);
    if (seen.has(streamId)) throw new Error(`stream ${streamId} is named twice in one multi-stream append`);
    seen.add(streamId);
  }
};

/** Checks an expectation against a stream's current version (0 meaning "no stream"). */
export const assertExpectedVersion = (streamId: string, expected: ExpectedVersion, current: number): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && current === 0) ||
    (expected === 'stream-exists' && current > 0) ||
    (typeof expected === 'number' && expected === current);
  if (!ok) throw new StreamVersionConflictError(streamId, expected, current === 0 ? 'no-stream' : current);
};
