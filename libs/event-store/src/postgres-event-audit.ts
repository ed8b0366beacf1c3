import { withSessionLock } from '@closeloop/database';
import { Pool } from 'pg';
import { chainEvents, chainTime, GENESIS_HASH, StreamHead } from './event-chain';
import { RecordedEvent } from './event-store.port';
import { EventRow, SELECT_COLUMNS, toRecorded } from './postgres-event-store';

// The anchor writer's session lock: one writer at a time across instances and the admin tool ('Clos', 33).
const ANCHOR_LOCK_CLASS = 1_131_179_891;
const ANCHOR_LOCK_OBJECT = 33;

/**
 * The PostgreSQL store's whole log read for auditing (docs/adr/0033-tamper-evident-event-chain.md): streams in
 * pages, the heads of every stream at an instant for the daily anchor, and the backfill that chains streams written
 * before the chain. For the admin tool and the anchor worker, never for a request.
 */
export class PostgresEventAudit {
  constructor(private readonly pool: Pool) {}

  /** How many streams there are, for progress; with `since`, only those with an event recorded since then. */
  async countStreams(since?: Date): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(DISTINCT stream_id)::int AS n FROM es_events WHERE $1::timestamptz IS NULL OR recorded_at >= $1`,
      [since ?? null],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Every stream with all of its events, oldest first, in pages of `pageSize` streams ordered by stream id; with
   * `since`, only streams that have an event recorded since then, each still read whole, since its chain starts
   * at its first event.
   */
  async *streams(since?: Date, pageSize = 200): AsyncGenerator<{ streamId: string; events: RecordedEvent[] }> {
    let after = '';
    for (;;) {
      const ids = (
        await this.pool.query<{ stream_id: string }>(
          `SELECT DISTINCT stream_id FROM es_events
           WHERE stream_id > $1 AND ($2::timestamptz IS NULL OR recorded_at >= $2)
           ORDER BY stream_id LIMIT $3`,
          [after, since ?? null, pageSize],
        )
      ).rows.map((r) => r.stream_id);
      if (ids.length === 0) return;
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = ANY($1::text[])
         ORDER BY es_events.stream_id, es_events.stream_version`,
        [ids],
      );
      const byStream = new Map<string, RecordedEvent[]>(ids.map((id) => [id, []]));
      for (const row of rows) byStream.get(row.stream_id)?.push(toRecorded(row));
      for (const [streamId, events] of byStream) yield { streamId, events };
      after = ids[ids.length - 1] as string;
    }
  }

  /** Each stream's last event recorded before `until`: the leaves of that instant's anchor. */
  async headsBefore(until: Date): Promise<StreamHead[]> {
    const { rows } = await this.pool.query<{ stream_id: string; stream_version: number; hash: string | null }>(
      `SELECT DISTINCT ON (stream_id) stream_id, stream_version, hash FROM es_events
       WHERE recorded_at < $1
       ORDER BY es_events.stream_id, es_events.stream_version DESC`,
      [until],
    );
    return rows.map((r) => ({ streamId: r.stream_id, version: r.stream_version, hash: r.hash }));
  }

  /**
   * Runs `work` if no other process is writing anchors, else answers undefined at once: a session advisory lock on a
   * connection of its own, so holding it opens no transaction (ADR 3).
   */
  tryWithAnchorLock<T>(work: () => Promise<T>): Promise<T | undefined> {
    return withSessionLock(
      this.pool,
      async (client) => {
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS held', [
          ANCHOR_LOCK_CLASS,
          ANCHOR_LOCK_OBJECT,
        ]);
        return rows[0]?.held === true;
      },
      (client) => client.query('SELECT pg_advisory_unlock($1, $2)', [ANCHOR_LOCK_CLASS, ANCHOR_LOCK_OBJECT]),
      work,
    );
  }

  /** The streams whose id starts with `prefix`, in order: the anchors. */
  async streamIdsStartingWith(prefix: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM es_events WHERE starts_with(stream_id, $1) ORDER BY stream_id`,
      [prefix],
    );
    return rows.map((r) => r.stream_id);
  }

  /**
   * Chains the streams that have events without a hash (written before migration 0038), from their first unchained
   * event on, each under the stream's append lock so no append slips in between. The trigger on es_events lets an
   * update give an unhashed event its hashes and nothing else; run as the role that owns the tables.
   */
  async backfill(onStream?: (streamId: string, events: number) => void): Promise<{ streams: number; events: number }> {
    const streams = (
      await this.pool.query<{ stream_id: string }>(
        'SELECT DISTINCT stream_id FROM es_events WHERE hash IS NULL ORDER BY stream_id',
      )
    ).rows.map((r) => r.stream_id);
    let total = 0;
    for (const streamId of streams) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
        const { rows } = await client.query<EventRow>(
          `SELECT ${SELECT_COLUMNS} FROM es_events WHERE stream_id = $1 ORDER BY es_events.stream_version`,
          [streamId],
        );
        let prevHash = GENESIS_HASH;
        let filled = 0;
        for (const row of rows) {
          if (row.hash !== null) {
            prevHash = row.hash;
            continue;
          }
          const event = toRecorded(row);
          const [link] = chainEvents(streamId, row.stream_version, [event], chainTime(row.recorded_at), prevHash);
          await client.query('UPDATE es_events SET prev_hash = $2, hash = $3 WHERE event_id = $1::uuid', [
            row.event_id,
            link!.prevHash,
            link!.hash,
          ]);
          prevHash = link!.hash;
          filled++;
        }
        await client.query('COMMIT');
        total += filled;
        onStream?.(streamId, filled);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    }
    return { streams: streams.length, events: total };
  }
}
