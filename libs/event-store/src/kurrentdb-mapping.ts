import type {
  AppendStreamState,
  CurrentStreamState,
  Position,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { ExpectedVersion, RecordedEvent, StreamVersionConflictError } from './event-store.port';

/**
 * Where KurrentDB keeps an event's link in the hash chain (docs/adr/0033-tamper-evident-event-chain.md): a member of
 * its metadata, which the hash does not cover; the rest of the metadata is what the hash covers and what a read
 * gives back. `time` is the instant the hash covers, chosen by the appender: KurrentDB's own `created` is known only
 * after the write.
 */
export const CHAIN_METADATA_KEY = '$closeloopChain';

export interface ChainMetadata {
  readonly prevHash: string;
  readonly hash: string;
  readonly time: string;
}

const isChainMetadata = (value: unknown): value is ChainMetadata =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as ChainMetadata).prevHash === 'string' &&
  typeof (value as ChainMetadata).hash === 'string' &&
  typeof (value as ChainMetadata).time === 'string';

/** The metadata a caller wrote, and the chain link stored beside it, if any. */
export const splitChainMetadata = (
  stored: Record<string, unknown>,
): { metadata: Record<string, unknown>; chain?: ChainMetadata } => {
  const { [CHAIN_METADATA_KEY]: chain, ...metadata } = stored;
  return isChainMetadata(chain) ? { metadata, chain } : { metadata };
};

// How the port's terms map onto KurrentDB's (docs/adr/0002-postgresql-event-store.md). Our stream versions count
// events (1 for the first, 0 for none); KurrentDB numbers revisions from 0 and calls "no events" no_stream.

/** The append's stream state for an expectation: version n is revision n - 1, version 0 is no stream. */
export const toStreamState = (expected: ExpectedVersion): AppendStreamState => {
  switch (expected) {
    case 'any':
      return 'any';
    case 'no-stream':
      return 'no_stream';
    case 'stream-exists':
      return 'stream_exists';
    default:
      if (!Number.isSafeInteger(expected) || expected < 0)
        throw new Error(`an expected version is a whole number of events, not ${expected}`);
      return expected === 0 ? 'no_stream' : BigInt(expected - 1);
  }
};

/** A stream's version (its number of events) from KurrentDB's revision of its last event. */
export const versionOfRevision = (revision: bigint): number => Number(revision) + 1;

/** KurrentDB's refusal of a stale expectation as the port's typed conflict, with the stream's actual version. */
export const toConflict = (
  streamId: string,
  expected: ExpectedVersion,
  actual: CurrentStreamState,
): StreamVersionConflictError =>
  new StreamVersionConflictError(streamId, expected, actual === 'no_stream' ? 'no-stream' : versionOfRevision(actual));

/** True for the client's WrongExpectedVersionError; told by its `type`, so this module needs no runtime import of the client. */
export const isWrongExpectedVersion = (error: unknown): error is { readonly actualState: CurrentStreamState } =>
  typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'wrong-expected-version';

/** True for the client's StreamNotFoundError: reading a stream that has no events. */
export const isStreamNotFound = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'stream-not-found';

// A checkpoint is a position in $all, written as KurrentDB itself prints positions. The form differs from the
// PostgreSQL store's "transaction:position" on purpose: a relay checkpoint saved by one store is refused by the other
// instead of being read as a place in a log it never came from.
const CHECKPOINT = /^C:(\d+)\/P:(\d+)$/;

export const encodeCheckpoint = (position: Position): string => `C:${position.commit}/P:${position.prepare}`;

export const decodeCheckpoint = (checkpoint: string): Position => {
  const match = CHECKPOINT.exec(checkpoint);
  if (!match) throw new Error(`not a KurrentDB event-store checkpoint: ${checkpoint}`);
  return { commit: BigInt(match[1] as string), prepare: BigInt(match[2] as string) };
};

/** The stream whose metadata holds a reader's checkpoint; it never holds an event of its own. */
export const checkpointStreamOf = (subscriber: string): string => `closeloop-checkpoint-${subscriber}`;

/** $all is ordered by commit position, then prepare position. */
export const isAfter = (position: Position, checkpoint: Position): boolean =>
  position.commit > checkpoint.commit ||
  (position.commit === checkpoint.commit && position.prepare > checkpoint.prepare);

/** KurrentDB's own records ($stats, $settings, stream metadata, links) are not domain events: their types start with $. */
export const isSystemEvent = (event: Pick<KurrentRecordedEvent, 'type' | 'streamId'>): boolean =>
  event.type.startsWith('$') || event.streamId.startsWith('$');

/**
 * A stored event as the port's RecordedEvent, field for field as the PostgreSQL store gives it: the global position is
 * the event's own place in the transaction log (its prepare position, unique per event and rising in $all order), the
 * checkpoint its full $all position, recordedAt the time its chain link covers (else the server's time of writing).
 */
export const toRecorded = (event: KurrentRecordedEvent): RecordedEvent => {
  if (!event.isJson)
    throw new Error(`event ${event.id} in ${event.streamId} is not JSON: this store writes only JSON events`);
  if (!event.position)
    throw new Error(
      `event ${event.id} in ${event.streamId} came without its log position: KurrentDB 22.6 or later is needed`,
    );
  const metadata = event.metadata ?? {};
  if (metadata instanceof Uint8Array || typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw new Error(`event ${event.id} in ${event.streamId} has metadata that is not a JSON object`);
  }
  const { metadata: written, chain } = splitChainMetadata(metadata as Record<string, unknown>);
  return {
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: written,
    streamId: event.streamId,
    streamVersion: versionOfRevision(event.revision),
    globalPosition: event.position.prepare.toString(),
    checkpoint: encodeCheckpoint(event.position),
    // A chained event's recorded time is the one its hash covers, taken by the appender just before the write.
    recordedAt: chain ? new Date(chain.time) : event.created,
    ...(chain ? { prevHash: chain.prevHash, hash: chain.hash } : {}),
  };
};
