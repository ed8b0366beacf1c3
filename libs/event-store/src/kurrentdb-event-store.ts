import type {
  Filter,
  JSONEventData,
  JSONType,
  KurrentDBClient,
  Position,
  RegexFilter,
} from '@kurrent/kurrentdb-client';
import { AppendResult, categoryPrefix, EventStore, ExpectedVersion, NewEvent, RecordedEvent } from './event-store.port';
import {
  checkpointStreamOf,
  decodeCheckpoint,
  isAfter,
  isStreamNotFound,
  isSystemEvent,
  isWrongExpectedVersion,
  toConflict,
  toRecorded,
  toStreamState,
  versionOfRevision,
} from './kurrentdb-mapping';

/** Server-side: only events whose type does not start with $, so KurrentDB's own records never fill a page. */
const DOMAIN_EVENTS_ONLY: RegexFilter = { filterOn: 'eventType', regex: '^[^$].*', checkpointInterval: 1 };

const toEventData = (event: NewEvent): JSONEventData => ({
  id: event.eventId,
  contentType: 'application/json',
  type: event.type,
  data: event.data as JSONType,
  metadata: event.metadata as JSONType,
});

/**
 * The event-store port over KurrentDB (docs/adr/0002-postgresql-event-store.md). Expected versions become expected
 * revisions, a stale one the same StreamVersionConflictError; $all is KurrentDB's own commit-ordered log, read from
 * a checkpoint that encodes its position.
 *
 * Event ids differ from PostgreSQL's: KurrentDB does not keep them unique across the store, so this adapter never
 * raises DuplicateEventIdError. An append repeated with the same ids and expectation (a retry after a lost reply) is
 * taken as the same write: it succeeds and writes nothing again.
 */
export class KurrentDbEventStore implements EventStore {
  /** Loads the client only when a KurrentDB store is wanted: it brings gRPC and a native module with it. */
  static async connect(connectionString: string): Promise<KurrentDbEventStore> {
    const { KurrentDBClient } = await import('@kurrent/kurrentdb-client');
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString));
  }

  constructor(private readonly client: KurrentDBClient) {}

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const streamState = toStreamState(expected);
    let nextExpectedRevision: bigint;
    try {
      ({ nextExpectedRevision } = await this.client.appendToStream(streamId, events.map(toEventData), { streamState }));
    } catch (error) {
      if (isWrongExpectedVersion(error)) throw toConflict(streamId, expected, error.actualState);
      throw error;
    }
    // The append's reply carries one position for the whole write; the last event's own position is read back so
    // lastGlobalPosition means what globalPosition means on a read.
    const last = await this.positionOf(streamId, nextExpectedRevision);
    return {
      nextExpectedVersion: versionOfRevision(nextExpectedRevision),
      lastGlobalPosition: last.prepare.toString(),
    };
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const recorded: RecordedEvent[] = [];
    try {
      for await (const { event } of this.client.readStream(streamId)) {
        if (event) recorded.push(toRecorded(event));
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw error;
    }
    return recorded;
  }

  async readAll(after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    return this.readLog(after, limit, DOMAIN_EVENTS_ONLY);
  }

  /**
   * $all filtered on the server by the category's stream-name prefix: $all's own commit order and positions, so a
   * checkpoint means the same as readAll's. ($ce-<category> would need the system projections running, and its
   * link events carry the positions of the category stream, not of $all.)
   */
  async readCategory(category: string, after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    return this.readLog(after, limit, {
      filterOn: 'streamName',
      prefixes: [categoryPrefix(category)],
      checkpointInterval: 1,
    });
  }

  private async readLog(after: string | undefined, limit: number, filter: Filter): Promise<RecordedEvent[]> {
    const from = after === undefined ? undefined : decodeCheckpoint(after);
    // A forward read of $all includes the event at the position it starts from: one more is read, and it is dropped.
    const read = this.client.readAll({
      fromPosition: from ?? 'start',
      direction: 'forwards',
      maxCount: limit + 1,
      filter,
    });
    const recorded: RecordedEvent[] = [];
    for await (const { event } of read) {
      if (!event || isSystemEvent(event) || (from && !isAfter(event.position, from))) continue;
      recorded.push(toRecorded(event));
      if (recorded.length === limit) break;
    }
    return recorded;
  }

  /**
   * A reader's checkpoint is a custom property of the metadata of a stream of its own that never holds an event
   * (docs/adr/0002-postgresql-event-store.md): KurrentDB keeps stream metadata as `$metadata` events of the `$$`
   * metastream, which keeps only the latest by default and which $all reads leave out as KurrentDB's own records,
   * so storing a checkpoint neither grows the log nor shows up to the reader as an event.
   */
  async readCheckpoint(subscriber: string): Promise<string | undefined> {
    const { metadata } = await this.client.getStreamMetadata<{ checkpoint?: unknown }>(checkpointStreamOf(subscriber));
    const checkpoint = metadata?.checkpoint;
    if (checkpoint === undefined) return undefined;
    if (typeof checkpoint !== 'string')
      throw new Error(`the checkpoint of ${subscriber} in KurrentDB is not a string: ${JSON.stringify(checkpoint)}`);
    return checkpoint;
  }

  async storeCheckpoint(subscriber: string, checkpoint: string): Promise<void> {
    await this.client.setStreamMetadata(checkpointStreamOf(subscriber), { checkpoint });
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  private async positionOf(streamId: string, revision: bigint): Promise<Position> {
    for await (const { event } of this.client.readStream(streamId, { fromRevision: revision, maxCount: 1 })) {
      if (event?.position) return event.position;
    }
    throw new Error(
      `event ${revision} of ${streamId} was appended but cannot be read back with its log position (KurrentDB 22.6 or later is needed)`,
    );
  }
}
