import { Pool } from 'pg';
import {
  AppendResult,
  assertAppendsDistinct,
  categoryPrefix,
  DuplicateEventIdError,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  StreamVersionConflictError,
} from './event-store.port';
import { chainTextPrefix } from './event-chain';
import { traceAppend, traceAppends } from './trace-context';

/** Woken on every append (by es_append_one or es_append_many) so the relay need not poll hard; the payload is empty. */
export const APPEND_NOTIFICATION_CHANNEL = 'closeloop_events_appended';

// Every appending transaction holds this shared advisory lock from its first statement, before it has a transaction
// id, so readers can tell appenders from every other transaction on the server (ADR 3). Two-key form, objsubid 2.
const APPENDER_LOCK_CLASS = 1_131_179_891; // 'Clos'
const APPENDER_LOCK_OBJECT = 1;

/**
 * The first statement of an appending transaction: marks it as an appender before it is given a transaction id.
 * Only for code that writes es_events itself (the event store and its tests); a trigger refuses inserts without it.
 */
// The transaction-local setting lets the table's trigger check the mark cheaply, without reading pg_locks per insert.
export const BEGIN_APPENDING_SQL = `SELECT pg_advisory_xact_lock_shared(${APPENDER_LOCK_CLASS}, ${APPENDER_LOCK_OBJECT}), set_config('closeloop.appender', 'marked', true)`;

/** The SQLSTATE es_append_one raises a version conflict with; its detail is the stream's version. */
const VERSION_CONFLICT = 'CL409';

const XID_SPACE = 1n << 32n;

/** A 32-bit xid from pg_locks, widened to xid8 by the epoch of a nearby xid8 (in-progress xids are within 2^31 of it). */
const widen = (xid: bigint, near: bigint): bigint => {
  const ahead = (((xid - near) % XID_SPACE) + XID_SPACE) % XID_SPACE;
  return ahead < XID_SPACE / 2n ? near + ahead : near - (XID_SPACE - ahead);
};

/** An es_events row as SELECT_COLUMNS reads it; shared with the audit's reads (postgres-event-audit.ts). */
export interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
  prev_hash: string | null;
  hash: string | null;
}

export const toRecorded = (row: EventRow): RecordedEvent => ({
  eventId: row.event_id,
  type: row.event_type,
  data: row.data,
  metadata: row.metadata,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  globalPosition: row.global_position,
  checkpoint: `${row.transaction_id}:${row.global_position}`,
  recordedAt: row.recorded_at,
  ...(row.prev_hash !== null && row.hash !== null ? { prevHash: row.prev_hash, hash: row.hash } : {}),
});

const parseCheckpoint = (checkpoint: string | undefined): [string, string] => {
  if (checkpoint === undefined) return ['0', '0'];
  const match = /^(\d+):(\d+)$/.exec(checkpoint);
  if (!match) throw new Error(`not a PostgreSQL event-store checkpoint: ${checkpoint}`);
  return [match[1] as string, match[2] as string];
};

// The casts keep 64-bit values exact in JavaScript; ORDER BY clauses must name es_events' columns qualified,
// or PostgreSQL sorts by these text outputs ("10" before "9").
export const SELECT_COLUMNS =
  'global_position::text, transaction_id::text, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash';

export class PostgresEventStore implements EventStore {
  constructor(private readonly pool: Pool) {}

  /**
   * One round trip: es_append_one (migrations 0046 and 0053, ADR 34) locks the stream, reads its head from es_events,
   * checks the expected version, chains and inserts the event, in the one statement's own transaction; several
   * events go through es_append_many like a batch of one stream. What only this side can write, the canonical text
   * of each event's data, id and metadata, goes with them (chainTextPrefix). Named statements: parsed and planned
   * once a connection.
   */
  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    return traceAppend(streamId, events, (stamped) => this.appendStamped(streamId, stamped, expected));
  }

  private async appendStamped(
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    const [only] = events;
    if (events.length > 1 || !only) {
      const [outcome] = await this.appendToStreams([{ streamId, events, expected }]);
      if (!outcome) throw new Error(`es_append_many answered nothing for stream ${streamId}`);
      if ('conflict' in outcome) throw outcome.conflict;
      return outcome.appended;
    }
    try {
      const { rows } = await this.pool.query<{ next_version: number; last_position: string }>({
        name: 'es_append_one',
        text: 'SELECT next_version, last_position::text FROM es_append_one($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        values: [
          streamId,
          String(expected),
          only.eventId,
          only.type,
          JSON.stringify(only.data),
          JSON.stringify(only.metadata),
          chainTextPrefix(only),
          JSON.stringify(streamId),
          JSON.stringify(only.type),
        ],
      });
      const row = rows[0]!;
      return { nextExpectedVersion: row.next_version, lastGlobalPosition: row.last_position };
    } catch (error) {
      throw translate(error, streamId, expected);
    }
  }

  /**
   * One round trip for many streams: es_append_many (migrations 0041 and 0053, ADR 37) does what es_append_one does, stream by
   * stream, in one transaction, and answers a stream whose expectation failed with its version instead of failing.
   * Each stream is traced and stamped as its own append would be, under its own trace context (traceAppends).
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    assertAppendsDistinct(appends);
    return appends.length === 0 ? [] : traceAppends(appends, (stamped) => this.appendToStreams(stamped));
  }

  private async appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    const events = appends.flatMap((a) => a.events);
    let rows: {
      stream_index: number;
      next_version: number | null;
      last_position: string | null;
      conflict_version: number | null;
    }[];
    try {
      ({ rows } = await this.pool.query({
        name: 'es_append_many',
        text: `SELECT stream_index, next_version, last_position::text, conflict_version
         FROM es_append_many($1::text[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[], $9::text[], $10::text[])`,
        values: [
          appends.map((a) => a.streamId),
          appends.map((a) => String(a.expected)),
          appends.map((a) => JSON.stringify(a.streamId)),
          appends.map((a) => a.events.length),
          events.map((e) => e.eventId),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
          events.map(chainTextPrefix),
          events.map((e) => JSON.stringify(e.type)),
        ],
      }));
    } catch (error) {
      const [first] = appends;
      throw appends.length === 1 && first
        ? translate(error, first.streamId, first.expected)
        : translate(error, appends.map((a) => a.streamId).join(', '), 'any');
    }
    const byIndex = new Map(rows.map((row) => [row.stream_index, row]));
    return appends.map(({ streamId, expected }, i): StreamAppendOutcome => {
      const row = byIndex.get(i + 1);
      if (!row) throw new Error(`es_append_many answered nothing for stream ${streamId}`);
      if (row.conflict_version !== null) {
        const actual = row.conflict_version === 0 ? 'no-stream' : row.conflict_version;
        return { streamId, conflict: new StreamVersionConflictError(streamId, expected, actual) };
      }
      return { streamId, appended: { nextExpectedVersion: row.next_version!, lastGlobalPosition: row.last_position! } };
    });
  }

  async readStreams(streamIds: readonly string[]): Promise<Map<string, RecordedEvent[]>> {
    const read = new Map<string, RecordedEvent[]>(streamIds.map((id) => [id, []]));
    if (streamIds.length === 0) return read;
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = ANY($1::text[])
       ORDER BY es_events.stream_id, es_events.stream_version`,
      [streamIds],
    );
    for (const row of rows) read.get(row.stream_id)?.push(toRecorded(row));
    return read;
  }

  async readStream(streamId: string): Promise<RecordedEvent[]> {
    const rows = await this.pool.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = $1 ORDER BY es_events.stream_version`,
      [streamId],
    );
    return rows.rows.map(toRecorded);
  }

  async readAll(after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    return this.readLog(after, limit, undefined);
  }

  async readCategory(category: string, after: string | undefined, limit: number): Promise<RecordedEvent[]> {
    // The prefix is letters, digits and '-', so it needs no LIKE escaping.
    return this.readLog(after, limit, `${categoryPrefix(category)}%`);
  }

  private async readLog(after: string | undefined, limit: number, streamPattern: string | undefined) {
    const [transactionId, position] = parseCheckpoint(after);
    const horizon = await this.readableHorizon();
    // Every transaction below the horizon that could add events has ended, so no event can later appear below it:
    // ordering by (transaction, position) is stable and a checkpoint below the horizon never has to move back.
    const rows = await this.pool.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < $3::xid8
         AND ($5::text IS NULL OR es_events.stream_id LIKE $5::text)
       ORDER BY es_events.transaction_id, es_events.global_position
       LIMIT $4`,
      [transactionId, position, horizon.toString(), limit, streamPattern ?? null],
    );
    return rows.rows.map(toRecorded);
  }

  async readCheckpoint(subscriber: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ checkpoint: string }>(
      'SELECT checkpoint FROM es_checkpoints WHERE subscriber = $1',
      [subscriber],
    );
    return rows[0]?.checkpoint;
  }

  async storeCheckpoint(subscriber: string, checkpoint: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO es_checkpoints (subscriber, checkpoint) VALUES ($1, $2)
       ON CONFLICT (subscriber) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, updated_at = now()`,
      [subscriber, checkpoint],
    );
  }

  /**
   * The lowest transaction id that may still add events: the oldest appender still running, else the first id not
   * yet finished. Unlike pg_snapshot_xmin, a long transaction that does not append (a report, a migration, a
   * session in another database) does not hold it back. The three reads run one after another on purpose (ADR 3):
   * an appender with an id below the first read's xmax either still shows in the lock table at the second read or
   * has committed, and so is visible to the final read; an id whose own lock is not yet in the lock table (the
   * instant between being given an id and registering it) still shows in the third read's running set and counts.
   */
  private async readableHorizon(): Promise<bigint> {
    const first = await this.pool.query<{ xmax: string }>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax',
    );
    const firstUnfinished = BigInt(first.rows[0]!.xmax);
    const locks = await this.pool.query<{ xid: string; appending: boolean }>(
      `WITH locks AS MATERIALIZED (SELECT * FROM pg_locks)
       SELECT own.transactionid::text AS xid,
              EXISTS (SELECT 1 FROM locks appender
                      WHERE appender.virtualtransaction = own.virtualtransaction AND appender.locktype = 'advisory'
                        AND appender.classid = $1 AND appender.objid = $2 AND appender.objsubid = 2
                        AND appender.database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS appending
       FROM locks own
       WHERE own.locktype = 'transactionid' AND own.mode = 'ExclusiveLock' AND own.granted`,
      [APPENDER_LOCK_CLASS, APPENDER_LOCK_OBJECT],
    );
    const running = await this.pool.query<{ xid: string }>(
      'SELECT pg_snapshot_xip(pg_current_snapshot())::text AS xid',
    );
    const registered = new Set<bigint>();
    let horizon = firstUnfinished;
    for (const lock of locks.rows) {
      const xid = widen(BigInt(lock.xid), firstUnfinished);
      registered.add(xid);
      if (lock.appending && xid < horizon) horizon = xid;
    }
    for (const row of running.rows) {
      const xid = BigInt(row.xid);
      if (!registered.has(xid) && xid < horizon) horizon = xid;
    }
    return horizon;
  }
}

const translate = (error: unknown, streamId: string, expected: ExpectedVersion): unknown => {
  const pgError = error as { code?: string; constraint?: string; detail?: string };
  if (pgError.code === VERSION_CONFLICT) {
    const actual = Number(pgError.detail);
    return new StreamVersionConflictError(streamId, expected, actual === 0 ? 'no-stream' : actual);
  }
  if (pgError.code !== '23505') return error;
  if (pgError.constraint === 'es_events_event_id_key') {
    const id = /\(event_id\)=\(([^)]+)\)/.exec(pgError.detail ?? '')?.[1] ?? 'unknown';
    return new DuplicateEventIdError(id);
  }
  return new StreamVersionConflictError(streamId, expected, 'no-stream');
};
