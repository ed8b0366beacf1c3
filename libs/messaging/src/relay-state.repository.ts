import { CloseloopError, NotFoundError } from '@closeloop/contracts';
import { RecordedEvent } from '@closeloop/event-store';
import { Pool } from 'pg';

/**
 * `parked`: waiting for an operator (or, when held behind another event, for that one to be resolved);
 * `retry-requested`: an operator asked the relay to publish it again; `published` and `skipped` are resolved.
 */
export type ParkedEventStatus = 'parked' | 'retry-requested' | 'published' | 'skipped';

export interface ParkedEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventType: string;
  readonly globalPosition: string;
  readonly checkpoint: string;
  readonly errorCode: string;
  readonly reason: string;
  /** The earlier event of the same stream this one waits behind; absent when it failed on its own. */
  readonly heldBehind: string | null;
  readonly status: ParkedEventStatus;
  readonly attempts: number;
  readonly parkedAt: Date;
  readonly resolvedAt: Date | null;
  readonly resolvedBy: string | null;
}

/** An event the relay sets aside instead of publishing, and why. */
export interface Parking {
  readonly event: RecordedEvent;
  readonly errorCode: string;
  readonly reason: string;
  readonly heldBehind?: string;
}

export interface ParkedEventList {
  /** Unresolved events of this relay, whatever the filter: what an operator still has to look at. */
  readonly unresolved: number;
  readonly events: ParkedEvent[];
}

const UNRESOLVED = `status IN ('parked', 'retry-requested')`;

interface Row {
  event_id: string;
  stream_id: string;
  stream_version: number;
  event_type: string;
  global_position: string;
  checkpoint: string;
  error_code: string;
  reason: string;
  held_behind: string | null;
  status: ParkedEventStatus;
  attempts: number;
  parked_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
}

const COLUMNS =
  'event_id, stream_id, stream_version, event_type, global_position, checkpoint, error_code, reason, held_behind, status, attempts, parked_at, resolved_at, resolved_by';

const toParkedEvent = (r: Row): ParkedEvent => ({
  eventId: r.event_id,
  streamId: r.stream_id,
  streamVersion: r.stream_version,
  eventType: r.event_type,
  globalPosition: r.global_position,
  checkpoint: r.checkpoint,
  errorCode: r.error_code,
  reason: r.reason,
  heldBehind: r.held_behind,
  status: r.status,
  attempts: r.attempts,
  parkedAt: r.parked_at,
  resolvedAt: r.resolved_at,
  resolvedBy: r.resolved_by,
});

/** The name of a relay's checkpoint, leadership lock and parked events: one relay per topic and deployment. */
export const relayNameOf = (topic: string): string => `relay:${topic}`;

/**
 * The events a relay parked (relay_parked_events), with the operator's side of them (list, retry, skip). The relay
 * loop and the admin tool and API all go through here. Its checkpoint is kept by the event store it reads
 * (EventStore.storeCheckpoint), whichever backend that is.
 */
export class RelayStateRepository {
  constructor(
    private readonly pool: Pool,
    readonly relay: string,
  ) {}

  /**
   * Parks what of a batch was not published, before the relay moves its checkpoint past the batch: a crash in
   * between reads the batch again, and an event parked already is not parked twice.
   */
  async park(parked: readonly Parking[]): Promise<void> {
    if (parked.length === 0) return;
    await this.pool.query(
      `INSERT INTO relay_parked_events (relay, event_id, stream_id, stream_version, event_type, global_position, checkpoint, error_code, reason, held_behind)
       SELECT $1, p.event_id, p.stream_id, p.stream_version, p.event_type, p.global_position, p.checkpoint, p.error_code, p.reason, p.held_behind
       FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[])
         AS p(event_id, stream_id, stream_version, event_type, global_position, checkpoint, error_code, reason, held_behind)
       ON CONFLICT (relay, event_id) DO NOTHING`,
      [
        this.relay,
        parked.map((p) => p.event.eventId),
        parked.map((p) => p.event.streamId),
        parked.map((p) => p.event.streamVersion),
        parked.map((p) => p.event.type),
        parked.map((p) => p.event.globalPosition),
        parked.map((p) => p.event.checkpoint),
        parked.map((p) => p.errorCode),
        parked.map((p) => p.reason.slice(0, 2_000)),
        parked.map((p) => p.heldBehind ?? null),
      ],
    );
  }

  /** For each of these streams that has an unresolved parked event, the first one: its later events wait behind it. */
  async blockedStreams(streamIds: readonly string[]): Promise<Map<string, { eventId: string; streamVersion: number }>> {
    if (streamIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ stream_id: string; event_id: string; stream_version: number }>(
      `SELECT DISTINCT ON (stream_id) stream_id, event_id, stream_version FROM relay_parked_events
       WHERE relay = $1 AND ${UNRESOLVED} AND stream_id = ANY($2::text[])
       ORDER BY stream_id, stream_version`,
      [this.relay, [...new Set(streamIds)]],
    );
    return new Map(rows.map((r) => [r.stream_id, { eventId: r.event_id, streamVersion: r.stream_version }]));
  }

  /**
   * Streams whose first unresolved event may go out now: an operator asked for it to be retried, or it was only
   * held behind an earlier event that has since been resolved.
   */
  async resumableStreams(): Promise<string[]> {
    const { rows } = await this.pool.query<{ stream_id: string }>(
      `SELECT stream_id FROM (
         SELECT DISTINCT ON (stream_id) stream_id, status, held_behind FROM relay_parked_events
         WHERE relay = $1 AND ${UNRESOLVED} ORDER BY stream_id, stream_version) head
       WHERE head.status = 'retry-requested' OR head.held_behind IS NOT NULL`,
      [this.relay],
    );
    return rows.map((r) => r.stream_id);
  }

  /** A stream's unresolved parked events, in stream order. */
  async unresolvedOf(streamId: string): Promise<ParkedEvent[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM relay_parked_events WHERE relay = $1 AND stream_id = $2 AND ${UNRESOLVED} ORDER BY stream_version`,
      [this.relay, streamId],
    );
    return rows.map(toParkedEvent);
  }

  async markPublished(eventId: string): Promise<void> {
    await this.pool.query(
      `UPDATE relay_parked_events SET status = 'published', resolved_at = now(), resolved_by = COALESCE(resolved_by, 'relay')
       WHERE relay = $1 AND event_id = $2 AND ${UNRESOLVED}`,
      [this.relay, eventId],
    );
  }

  /**
   * A retried (or released) event failed for good again: it blocks its stream now, and the later events that were
   * only held name it (one that failed on its own keeps waiting for an operator).
   */
  async parkAgain(event: ParkedEvent, errorCode: string, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE relay_parked_events
          SET status = CASE WHEN event_id = $2 THEN 'parked' ELSE status END,
              held_behind = CASE WHEN event_id = $2 THEN NULL WHEN held_behind IS NOT NULL THEN $2::uuid ELSE NULL END,
              error_code = CASE WHEN event_id = $2 THEN $4 ELSE error_code END,
              reason = CASE WHEN event_id = $2 THEN $5 ELSE reason END,
              attempts = attempts + CASE WHEN event_id = $2 THEN 1 ELSE 0 END
        WHERE relay = $1 AND stream_id = $3 AND ${UNRESOLVED} AND stream_version >= $6`,
      [this.relay, event.eventId, event.streamId, errorCode, reason.slice(0, 2_000), event.streamVersion],
    );
  }

  // ── the operator's side ──────────────────────────────────────────────────────────────────────────────────

  async list(filter: { readonly include: 'unresolved' | 'all'; readonly limit: number }): Promise<ParkedEventList> {
    const { rows } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM relay_parked_events WHERE relay = $1 ${filter.include === 'unresolved' ? `AND ${UNRESOLVED}` : ''}
       ORDER BY parked_at, stream_id, stream_version LIMIT $2`,
      [this.relay, filter.limit],
    );
    return { unresolved: await this.countUnresolved(), events: rows.map(toParkedEvent) };
  }

  async countUnresolved(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM relay_parked_events WHERE relay = $1 AND ${UNRESOLVED}`,
      [this.relay],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Asks the leading relay to publish a parked event again (and, once it is out, the events held behind it). */
  retry(eventId: string, by: string): Promise<ParkedEvent> {
    return this.resolveAs(eventId, `status = 'retry-requested', resolved_by = $3`, by);
  }

  /** Gives up on a parked event for good: it is never published, and the events held behind it go out without it. */
  skip(eventId: string, by: string): Promise<ParkedEvent> {
    return this.resolveAs(eventId, `status = 'skipped', resolved_at = now(), resolved_by = $3`, by);
  }

  private async resolveAs(eventId: string, change: string, by: string): Promise<ParkedEvent> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE relay_parked_events SET ${change} WHERE relay = $1 AND event_id = $2 AND ${UNRESOLVED} RETURNING ${COLUMNS}`,
      [this.relay, eventId, by],
    );
    if (rows[0]) return toParkedEvent(rows[0]);
    const { rows: existing } = await this.pool.query<Row>(
      `SELECT ${COLUMNS} FROM relay_parked_events WHERE relay = $1 AND event_id = $2`,
      [this.relay, eventId],
    );
    if (!existing[0]) throw new NotFoundError('Parked event', eventId);
    throw new CloseloopError(
      'conflict',
      'PARKED_EVENT_RESOLVED',
      `Parked event ${eventId} is already ${existing[0].status}`,
      { status: existing[0].status },
    );
  }
}
