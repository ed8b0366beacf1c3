import { randomUUID } from 'node:crypto';
import type {
  AllStreamResolvedEvent,
  AppendResult as KurrentAppendResult,
  AppendStreamState,
  JSONEventData,
  KurrentDBClient,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { KurrentDbEventStore } from './kurrentdb-event-store';
import { eventStoreContract } from './testing';

/**
 * A stand-in for the server with the behaviour the adapter relies on, as the client documents it: revisions from 0,
 * a forward read of $all that includes the event at its starting position, a type filter applied by the server,
 * KurrentDB's own $ records in the log, and errors told apart by `type`. It checks the adapter's mapping and paging,
 * not KurrentDB itself: that is the integration suite's work, where a server is available.
 */
class SimulatedKurrentDb {
  private readonly log: (KurrentRecordedEvent & { position: Position })[] = [];
  private nextPosition = 1_000n;

  constructor() {
    this.write('$settings', '$settings', {});
  }

  /** A record KurrentDB writes for itself, between the application's events. */
  writeSystemRecord(): void {
    this.write(`$stats-${randomUUID()}`, '$statsCollected', {});
    this.write(`$$work-order-${randomUUID()}`, '$metadata', {});
  }

  async appendToStream(streamName: string, events: JSONEventData[], { streamState }: { streamState: AppendStreamState }): Promise<KurrentAppendResult> {
    const length = this.log.filter((e) => e.streamId === streamName).length;
    const current = length === 0 ? 'no_stream' : BigInt(length - 1);
    const ok =
      streamState === 'any' ||
      (streamState === 'no_stream' && current === 'no_stream') ||
      (streamState === 'stream_exists' && current !== 'no_stream') ||
      streamState === current;
    if (!ok) throw Object.assign(new Error('wrong expected version'), { type: 'wrong-expected-version', expectedState: streamState, actualState: current });
    const first = this.nextPosition;
    for (const event of events) this.write(streamName, event.type, event.data, event.metadata, event.id);
    // One position for the write as a whole, as the append's reply gives it: not the last event's.
    return { success: true, nextExpectedRevision: BigInt(length + events.length - 1), position: { commit: first, prepare: first } };
  }

  async *readStream(streamName: string, { fromRevision = 'start', maxCount = Number.MAX_SAFE_INTEGER }: ReadStreamOptions = {}): AsyncIterableIterator<{ event: KurrentRecordedEvent }> {
    const stream = this.log.filter((e) => e.streamId === streamName);
    if (stream.length === 0) throw Object.assign(new Error(`${streamName} not found`), { type: 'stream-not-found' });
    const from = fromRevision === 'start' ? 0n : fromRevision === 'end' ? BigInt(stream.length) : fromRevision;
    for (const event of stream.filter((e) => e.revision >= from).slice(0, Number(maxCount))) yield { event: this.copy(event) };
  }

  async *readAll({ fromPosition = 'start', maxCount = Number.MAX_SAFE_INTEGER, filter }: ReadAllOptions = {}): AsyncIterableIterator<AllStreamResolvedEvent> {
    const regex = filter && 'regex' in filter ? new RegExp(filter.regex) : undefined;
    const startsAt = (e: { position: Position }) =>
      fromPosition === 'start' ||
      (fromPosition !== 'end' &&
        (e.position.commit > fromPosition.commit || (e.position.commit === fromPosition.commit && e.position.prepare >= fromPosition.prepare)));
    const matching = this.log.filter((e) => startsAt(e) && (!regex || regex.test(e.type)));
    for (const event of matching.slice(0, Number(maxCount))) yield { event: this.copy(event) } as AllStreamResolvedEvent;
  }

  private write(streamId: string, type: string, data: unknown, metadata: unknown = {}, id: string = randomUUID()): void {
    const revision = BigInt(this.log.filter((e) => e.streamId === streamId).length);
    this.nextPosition += 100n;
    const position = { commit: this.nextPosition, prepare: this.nextPosition };
    const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as never;
    this.log.push({ streamId, id, isJson: true, revision, type, created: new Date(), data: json(data), metadata: json(metadata), position } as never);
  }

  private copy<T>(event: T): T {
    return structuredClone(event);
  }
}

const overSimulatedServer = (server = new SimulatedKurrentDb()) => new KurrentDbEventStore(server as unknown as KurrentDBClient);

eventStoreContract('KurrentDB adapter over a simulated server', async () => overSimulatedServer(), undefined, { refusesEventIdsOfOtherStreams: false });

const event = (type: string) => ({ eventId: randomUUID(), type, data: { type }, metadata: {} });

describe('KurrentDB adapter paging through $all', () => {
  it('never returns the event at the checkpoint again, nor a system record, however the pages fall', async () => {
    const server = new SimulatedKurrentDb();
    const store = overSimulatedServer(server);
    for (let i = 0; i < 5; i += 1) {
      server.writeSystemRecord();
      await store.append(`work-order-${i}`, [event(`test.e${i}a.v1`), event(`test.e${i}b.v1`)], 'no-stream');
    }
    const seen: string[] = [];
    let checkpoint: string | undefined;
    // Ten events in pages of three take four pages; a store that repeated its checkpoint's event would never finish.
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await store.readAll(checkpoint, 3);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((e) => e.type));
      checkpoint = page[page.length - 1]?.checkpoint;
    }
    expect(seen).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`test.e${i}a.v1`, `test.e${i}b.v1`]));
  });

  it('reports the position of the last appended event, as a read of it shows', async () => {
    const store = overSimulatedServer();
    const appended = await store.append('work-order-1', [event('test.a.v1'), event('test.b.v1')], 'no-stream');
    const [, last] = await store.readStream('work-order-1');
    expect(appended).toEqual({ nextExpectedVersion: 2, lastGlobalPosition: last?.globalPosition });
  });
});
