import { Pool, PoolClient } from 'pg';
import {
  AppendResult,
  assertExpectedVersion,
  categoryPrefix,
  DuplicateEventIdError,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  StreamVersionConflictError,
} from './event-store.port';
import { chainEvents, chainTime, GENESIS_HASH } from './event-chain';

/** Woken on every append so the relay need not poll hard; the payload is empty on purpose. */
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

const XID_SPACE = 1n << 32n;

/** A 32-bit xid from pg_locks, widened to xid8 by the epoch of a nearby xid8 (in-progress xids are within 2^31 of it). */
const widen = (xid: bigint, near: bigint): bigint => {
  const ahead = (((xid - near) % XID_SPACE) + XID_SPACE) % XID_SPACE;
  return ahead < XID_SPACE / 2n ? near + ahead : near - (XID_SPACE - ahead);
};

interface EventRow {
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

const toRecorded = (row: EventRow): RecordedEvent => ({
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
const SELECT_COLUMNS =
  'global_position::text, transaction_id::text, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash';

export class PostgresEventStore implements EventStore {
  constructor(private readonly pool: Pool) {}

  async append(streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await this.appendWithin(client, streamId, events, expected);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw translate(error, streamId, expected);
    } finally {
      client.release();
    }
  }

  private async appendWithin(
    client: PoolClient,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedVersion,
  ): Promise<AppendResult> {
    // Both taken before the transaction writes anything, so before it is given a transaction id: readers see it as
    // an appender for as long as it may write (ADR 3), and appends to one stream get increasing transaction ids, so
    // commit-order reading keeps each stream in order.
    await client.query(BEGIN_APPENDING_SQL);
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    // The head's hash and the time come with the version: the chain (ADR 33) needs both before the insert, and the
    // time is taken here, under the stream's lock, to the millisecond, so the stored recorded_at is what was hashed.
    const current = await client.query<{ version: number | null; head_hash: string | null; now: Date }>(
      `SELECT s.version, e.hash AS head_hash, date_trunc('milliseconds', clock_timestamp()) AS now
       FROM (SELECT $1::text AS stream_id) wanted
       LEFT JOIN es_streams s ON s.stream_id = wanted.stream_id
       LEFT JOIN es_events e ON e.stream_id = s.stream_id AND e.stream_version = s.version`,
      [streamId],
    );
    const head = current.rows[0];
    const currentVersion = head?.version ?? 0;
    assertExpectedVersion(streamId, expected, currentVersion);
    const nextVersion = currentVersion + events.length;
    const recordedAt = head?.now ?? new Date();
    // A stream written before the chain has a head without a hash: it stays unchained until `admin audit backfill`
    // chains it from its first event (docs/operations.md), rather than starting a chain halfway that verifies nothing.
    const prevHash = currentVersion === 0 ? GENESIS_HASH : head?.head_hash;
    const links = prevHash
      ? chainEvents(streamId, currentVersion + 1, events, chainTime(recordedAt), prevHash)
      : events.map(() => ({ prevHash: null, hash: null }));
    await client.query(
      `INSERT INTO es_streams (stream_id, version) VALUES ($1, $2)
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
      [streamId, nextVersion],
    );
    const inserted = await client.query<{ global_position: string }>(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, prev_hash, hash)
       SELECT $1, $2::int + ordinality::int, e.event_id, e.event_type, e.data, e.metadata, $7::timestamptz, e.prev_hash, e.hash
       FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[], $8::text[], $9::text[])
         WITH ORDINALITY AS e(event_id, event_type, data, metadata, prev_hash, hash, ordinality)
       ORDER BY ordinality
       RETURNING global_position::text`,
      [
        streamId,
        currentVersion,
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
        recordedAt,
        links.map((l) => l.prevHash),
        links.map((l) => l.hash),
      ],
    );
    await client.query(`SELECT pg_notify('${APPEND_NOTIFICATION_CHANNEL}', '')`);
    const positions = inserted.rows.map((r) => BigInt(r.global_position));
    const last = positions.reduce((a, b) => (a > b ? a : b));
    return { nextExpectedVersion: nextVersion, lastGlobalPosition: last.toString() };
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
  if (pgError.code !== '23505') return error;
  if (pgError.constraint === 'es_events_event_id_key') {
    const id = /\(event_id\)=\(([^)]+)\)/.exec(pgError.detail ?? '')?.[1] ?? 'unknown';
    return new DuplicateEventIdError(id);
  }
  return new StreamVersionConflictError(streamId, expected, 'no-stream');
};
