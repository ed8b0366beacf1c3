import { Pool, PoolClient } from 'pg';
import {
  AppendResult,
  assertExpectedVersion,
  DuplicateEventIdError,
  EventStore,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  StreamVersionConflictError,
} from './event-store.port';

/** Woken on every append so the relay need not poll hard; the payload is empty on purpose. */
export const APPEND_NOTIFICATION_CHANNEL = 'closeloop_events_appended';

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
  'global_position::text, transaction_id::text, stream_id, stream_version, event_id, event_type, data, metadata, recorded_at';

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

  private async appendWithin(client: PoolClient, streamId: string, events: readonly NewEvent[], expected: ExpectedVersion): Promise<AppendResult> {
    // Taken before the transaction writes anything, so before it is given a transaction id: appends to one
    // stream therefore get increasing transaction ids, and commit-order reading keeps each stream in order.
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    const current = await client.query<{ version: number }>('SELECT version FROM es_streams WHERE stream_id = $1', [streamId]);
    const currentVersion = current.rows[0]?.version ?? 0;
    assertExpectedVersion(streamId, expected, currentVersion);
    const nextVersion = currentVersion + events.length;
    await client.query(
      `INSERT INTO es_streams (stream_id, version) VALUES ($1, $2)
       ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()`,
      [streamId, nextVersion],
    );
    const inserted = await client.query<{ global_position: string }>(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata)
       SELECT $1, $2::int + ordinality::int, e.event_id, e.event_type, e.data, e.metadata
       FROM unnest($3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[]) WITH ORDINALITY AS e(event_id, event_type, data, metadata, ordinality)
       ORDER BY ordinality
       RETURNING global_position::text`,
      [
        streamId,
        currentVersion,
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
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
    const [transactionId, position] = parseCheckpoint(after);
    // Only transactions older than every one still running are read: their events can no longer be joined by
    // an earlier-positioned event committing late. Ordering by (transaction, position) is then stable.
    const rows = await this.pool.query<EventRow>(
      `SELECT ${SELECT_COLUMNS} FROM es_events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY es_events.transaction_id, es_events.global_position
       LIMIT $3`,
      [transactionId, position, limit],
    );
    return rows.rows.map(toRecorded);
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
