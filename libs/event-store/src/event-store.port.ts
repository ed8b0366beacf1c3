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

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult>;
  readStream(streamId: string): Promise<RecordedEvent[]>;
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

/** Checks an expectation against a stream's current version (0 meaning "no stream"). */
export const assertExpectedVersion = (streamId: string, expected: ExpectedVersion, current: number): void => {
  const ok =
    expected === 'any' ||
    (expected === 'no-stream' && current === 0) ||
    (expected === 'stream-exists' && current > 0) ||
    (typeof expected === 'number' && expected === current);
  if (!ok) throw new StreamVersionConflictError(streamId, expected, current === 0 ? 'no-stream' : current);
};
