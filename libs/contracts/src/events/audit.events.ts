import { z } from 'zod';
import { isoInstant } from './fields';
import { defineEvent, eventRegistry } from './registry';

// ── Audit anchors (the `audit-anchor-<day>` stream, written by dispatch's anchor worker or the admin tool) ──────
// Once a UTC day has ended, the Merkle root over every stream's last event before its end is recorded as an event
// of its own (docs/adr/0033-tamper-evident-event-chain.md). A stream's chain shows a changed or removed event
// inside it; the anchor shows a stream that lost its last events, or vanished. Anchors are about the store, not an
// order: the relay does not publish them on workorders.events.

export const AuditAnchorRecordedData = z
  .object({
    /** The UTC day anchored, YYYY-MM-DD. */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** The day's end: the heads are each stream's last event recorded before this instant. */
    until: isoInstant,
    /** RFC 6962 Merkle tree hash over the heads sorted by stream id, lowercase hex. */
    root: z.string().regex(/^[0-9a-f]{64}$/),
    /** How many streams (leaves) the tree has. */
    streams: z.number().int().min(0),
    recordedAt: isoInstant,
  })
  .strict();

export const auditEvents = eventRegistry({
  AuditAnchorRecorded: defineEvent('closeloop.audit.anchor-recorded.v1', AuditAnchorRecordedData),
});

export const AuditEventTypes = auditEvents.types;

/** The stream category's prefix: `audit-anchor-<day>`, one stream and one event per anchored day. */
export const AUDIT_ANCHOR_STREAM_PREFIX = 'audit-anchor-';

/** The stream of a day's anchor. */
export const auditAnchorStream = (day: string): string => `${AUDIT_ANCHOR_STREAM_PREFIX}${day}`;
