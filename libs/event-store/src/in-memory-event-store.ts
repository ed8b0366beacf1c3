import {
  AppendResult,
  assertAppendsDistinct,
  assertExpectedVersion,
  DuplicateEventIdError,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  categoryPrefix,
  StreamAppend,
  StreamAppendOutcome,
  StreamVersionConflictError,
} from './event-store.port';
import { chainEvents, chainTime, GENESIS_HASH } from './event-chain';

/** For unit tests of application logic: one process, appends applied synchronously, so log order is commit order. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly checkpoints = new Map<string, string>();

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    assertExpectedVersion(streamId, expected, this.streams.get(streamId)?.length ?? 0);
    this.assertNewIds(events);
    return this.write(streamId, events);
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    assertAppendsDistinct(appends);
    this.assertNewIds(appends.flatMap((a) => a.events));
    return appends.map(({ streamId, events, expected }) => {
      try {
        assertExpectedVersion(streamId, expected, this.streams.get(streamId)?.length ?? 0);
      } catch (error) {
        if (error instanceof StreamVersionConflictError) return { streamId, conflict: error };
        throw error;
      }
      return { streamId, appended: this.write(streamId, events) };
    });
  }

  private assertNewIds(events: readonly NewEvent[]): void {
    const known = new Set(this.log.map((e) => e.eventId));
    const duplicate = events.find(
      (e, i) => known.has(e.eventId) || events.findIndex((o) => o.eventId === e.eventId) !== i,
    );
    if (duplicate) throw new DuplicateEventIdError(duplicate.eventId);
  }

  private write(streamId: string, events: readonly NewEvent[]): AppendResult {
    const stream = this.streams.get(streamId) ?? [];
    const recordedAt = new Date();
    const links = chainEvents(
      streamId,
      stream.length + 1,
      events,
      chainTime(recordedAt),
      stream.at(-1)?.hash ?? GENESIS_HASH,
    );
    const recorded = events.map((event, index): RecordedEvent => {
      const position = String(this.log.length + index + 1);
      return {
        ...event,
        ...links[index],
        streamId,
        streamVersion: stream.length + index + 1,
        globalPosition: position,
        checkpoint: position,
        recordedAt,
      };
    });
    this.log.push(...recorded);
    this.streams.set(streamId, [...stream, ...recorded]);
    return { nextExpectedVersion: stream.length + events.length, lastGlobalPosition: String(this.log.length) };
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    return [...(this.streams.get(streamId) ?? [])];
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    return new Map(streamIds.map((id) => [id, [...(this.streams.get(id) ?? [])]]));
  }

  async readAll(after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    const start = after === undefined ? 0 : Number(after);
    return this.log.slice(start, start + limit);
  }

  async readCategory(category: string, after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    const prefix = categoryPrefix(category);
    const start = after === undefined ? 0 : Number(after);
    return this.log
      .slice(start)
      .filter((e) => e.streamId.startsWith(prefix))
      .slice(0, limit);
  }

  async readCheckpoint(subscriber: string): Promise<string | undefined> {
    return this.checkpoints.get(subscriber);
  }

  async storeCheckpoint(subscriber: string, checkpoint: string): Promise<void> {
    this.checkpoints.set(subscriber, checkpoint);
  }
}
