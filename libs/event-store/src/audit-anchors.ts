import { randomUUID } from 'node:crypto';
import {
  AUDIT_ANCHOR_STREAM_PREFIX,
  AuditAnchorRecordedData,
  AuditEventTypes,
  auditAnchorStream,
} from '@closeloop/contracts';
import { merkleRoot } from './event-chain';
import { EventStore, StreamVersionConflictError } from './event-store.port';
import { PostgresEventAudit } from './postgres-event-audit';

// The daily anchor (docs/adr/0033-tamper-evident-event-chain.md): once a UTC day has ended, the Merkle root over each
// stream's last event recorded before its end, recorded as the one event of `audit-anchor-<day>`. Verification
// recomputes the root from the store as it is now: a stream that lost events from its tail, or vanished, changes it.

const DAY = 86_400_000;

/** How long after a day's end its anchor waits, so appends that took their time just before midnight have committed. */
export const ANCHOR_GRACE_MS = 5 * 60_000;

/** The end of a UTC day, YYYY-MM-DD: the next day's first instant. */
export const dayEnd = (day: string): Date => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00.000Z`)))
    throw new Error(`not a day (YYYY-MM-DD): ${day}`);
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + DAY);
};

/** The last UTC day whose anchor may be recorded at `now`: ended, and the grace since passed. */
export const lastAnchorableDay = (now: Date): string =>
  new Date(now.getTime() - ANCHOR_GRACE_MS - DAY).toISOString().slice(0, 10);

export interface AnchorCheck {
  readonly day: string;
  readonly streamId: string;
  readonly verifies: boolean;
  readonly recordedRoot: string;
  readonly recomputedRoot: string;
  readonly recordedStreams: number;
  readonly recomputedStreams: number;
}

export type AnchorOutcome =
  | { readonly outcome: 'recorded'; readonly day: string; readonly root: string; readonly streams: number }
  | { readonly outcome: 'already-recorded'; readonly day: string };

/** Records and checks anchors on the PostgreSQL store; the appends go through the event-store port. */
export class AuditAnchors {
  constructor(
    private readonly store: EventStore,
    private readonly audit: PostgresEventAudit,
    private readonly producer: string,
  ) {}

  /** Records a day's anchor once; a second writer (another instance, the admin tool) finds it there and stops. */
  async record(day: string, now: Date): Promise<AnchorOutcome> {
    const until = dayEnd(day);
    if (now.getTime() < until.getTime() + ANCHOR_GRACE_MS)
      throw new Error(`the anchor of ${day} waits until ${new Date(until.getTime() + ANCHOR_GRACE_MS).toISOString()}`);
    const heads = await this.headsOf(day, until);
    const data = AuditAnchorRecordedData.parse({
      day,
      until: until.toISOString(),
      root: merkleRoot(heads),
      streams: heads.length,
      recordedAt: now.toISOString(),
    });
    try {
      await this.store.append(
        auditAnchorStream(day),
        [
          {
            eventId: randomUUID(),
            type: AuditEventTypes.AuditAnchorRecorded,
            data,
            metadata: { producer: this.producer, actor: { kind: 'system', id: 'audit-anchor' } },
          },
        ],
        'no-stream',
      );
    } catch (error) {
      if (error instanceof StreamVersionConflictError) return { outcome: 'already-recorded', day };
      throw error;
    }
    return { outcome: 'recorded', day, root: data.root, streams: data.streams };
  }

  /** The leaves of a day's anchor: every stream's head before the day's end, but for the anchor's own stream. */
  private async headsOf(day: string, until: Date) {
    const own = auditAnchorStream(day);
    return (await this.audit.headsBefore(until)).filter((head) => head.streamId !== own);
  }

  /** Recomputes every recorded anchor (with `since`, those of that day and later) from the store as it is now. */
  async verify(since?: Date): Promise<AnchorCheck[]> {
    const checks: AnchorCheck[] = [];
    const sinceDay = since?.toISOString().slice(0, 10);
    for (const streamId of await this.audit.streamIdsStartingWith(AUDIT_ANCHOR_STREAM_PREFIX)) {
      const [event] = await this.store.readStream(streamId);
      const parsed = AuditAnchorRecordedData.safeParse(event?.data);
      if (!parsed.success) {
        checks.push({
          day: streamId.slice(AUDIT_ANCHOR_STREAM_PREFIX.length),
          streamId,
          verifies: false,
          recordedRoot: '(unreadable)',
          recomputedRoot: '',
          recordedStreams: 0,
          recomputedStreams: 0,
        });
        continue;
      }
      const anchor = parsed.data;
      if (sinceDay !== undefined && anchor.day < sinceDay) continue;
      const heads = await this.headsOf(anchor.day, new Date(anchor.until));
      const root = merkleRoot(heads);
      checks.push({
        day: anchor.day,
        streamId,
        verifies: root === anchor.root,
        recordedRoot: anchor.root,
        recomputedRoot: root,
        recordedStreams: anchor.streams,
        recomputedStreams: heads.length,
      });
    }
    return checks;
  }
}
