import type {
  Filter,
  JSONEventData,
  JSONType,
  KurrentDBClient,
  Position,
  RegexFilter,
} from '@kurrent/kurrentdb-client';
import { chainEvents, chainTime, GENESIS_HASH } from './event-chain';
import {
  AppendResult,
  assertAppendsDistinct,
  categoryPrefix,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  StreamVersionConflictError,
} from './event-store.port';
import {
  CHAIN_METADATA_KEY,
  ChainMetadata,
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
import { inTraceContext, traceAppend } from './trace-context';

/** Server-side: only events whose type does not start with $, so KurrentDB's own records never fill a page. */
const DOMAIN_EVENTS_ONLY: RegexFilter = { filterOn: 'eventType', regex: '^[^$].*', checkpointInterval: 1 };

const toEventData = (event: NewEvent, chain: ChainMetadata | undefined): JSONEventData => ({
  id: event.eventId,
  contentType: 'application/json',
  type: event.type,
  data: event.data as JSONType,
  metadata: (chain ? { ...event.metadata, [CHAIN_METADATA_KEY]: chain } : event.metadata) as JSONType,
});

/** How often an append expecting "any" or "stream-exists" reads the head again after another writer got there first. */
const CHAIN_APPEND_ATTEMPTS = 5;

interface StreamHead {
  readonly revision: bigint;
  readonly eventId: string;
  readonly hash?: string;
  readonly position?: Position;
}

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

  /**
   * Appends with each event's link in the hash chain in its metadata (docs/adr/0033-tamper-evident-event-chain.md).
   * The link needs the hash of the event the new ones follow, so the write always names the exact revision it
   * read: an exact expectation is passed as it is, and "any" or "stream-exists" become the head just read, read
   * again if another writer moved it meanwhile.
   */
  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    return traceAppend(streamId, events, (stamped) => this.appendStamped(streamId, stamped, expected), 'kurrentdb');
  }

  private async appendStamped(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    const symbolic = expected === 'any' || expected === 'stream-exists';
    for (let attempt = 1; ; attempt++) {
      const head = await this.headFor(streamId, expected);
      if (expected === 'stream-exists' && !head) throw new StreamVersionConflictError(streamId, expected, 'no-stream');
      // A repeated "any" append after a lost reply finds its own last event at the head: the same write, done.
      if (expected === 'any' && head && head.eventId === events[events.length - 1]?.eventId && head.position)
        return {
          nextExpectedVersion: versionOfRevision(head.revision),
          lastGlobalPosition: head.position.prepare.toString(),
        };
      const streamState = symbolic ? (head ? head.revision : 'no_stream') : toStreamState(expected);
      const firstVersion =
        typeof expected === 'number' ? expected + 1 : head ? versionOfRevision(head.revision) + 1 : 1;
      // A stream written before the chain stays unchained, as on PostgreSQL, rather than chaining from the middle.
      const prevHash = firstVersion === 1 ? GENESIS_HASH : head?.hash;
      const time = chainTime(new Date());
      const links = prevHash ? chainEvents(streamId, firstVersion, events, time, prevHash) : undefined;
      let nextExpectedRevision: bigint;
      try {
        ({ nextExpectedRevision } = await this.client.appendToStream(
          streamId,
          events.map((event, i) => toEventData(event, links ? { ...(links[i] as ChainMetadata), time } : undefined)),
          { streamState },
        ));
      } catch (error) {
        if (isWrongExpectedVersion(error)) {
          if (symbolic && attempt < CHAIN_APPEND_ATTEMPTS) continue;
          throw toConflict(streamId, expected, error.actualState);
        }
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
  }

  /** The event new ones would follow: the one before an exact expected version, else the stream's last. */
  private async headFor(streamId: string, expected: ExpectedVersion): Promise<StreamHead | undefined> {
    if (expected === 'no-stream' || expected === 0) return undefined;
    const options =
      typeof expected === 'number'
        ? { fromRevision: BigInt(expected - 1), maxCount: 1 }
        : { fromRevision: 'end' as const, direction: 'backwards' as const, maxCount: 1 };
    try {
      for await (const { event } of this.client.readStream(streamId, options)) {
        if (!event) continue;
        const recorded = toRecorded(event);
        return {
          revision: event.revision,
          eventId: event.id,
          ...(recorded.hash ? { hash: recorded.hash } : {}),
          ...(event.position ? { position: event.position } : {}),
        };
      }
    } catch (error) {
      if (isStreamNotFound(error)) return undefined;
      throw error;
    }
    return undefined;
  }

  /**
   * KurrentDB writes one stream per append, so the streams go one after another (see the port), each traced and
   * stamped by its own append under its own trace context.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    assertAppendsDistinct(appends);
    const outcomes: StreamAppendOutcome[] = [];
    for (const { streamId, events, expected, traceContext } of appends) {
      try {
        const appended = await inTraceContext(traceContext, () => this.append(streamId, events, expected));
        outcomes.push({ streamId, appended });
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError)) throw error;
        outcomes.push({ streamId, conflict: error });
      }
    }
    return outcomes;
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    return new Map(await Promise.all(streamIds.map(async (id) => [id, await this.readStream(id)] as const)));
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
