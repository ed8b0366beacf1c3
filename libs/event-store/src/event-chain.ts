import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

// The hash chain (docs/adr/0033-tamper-evident-event-chain.md). Every event's hash covers what it says and the hash
// of the event before it in its stream, so changing, removing or reordering an event breaks every link after it.
// This file is the whole specification in code: an outside party re-implements eventHash and merkleRoot from the ADR.

/** The prevHash of a stream's first event: 64 zeros, the hex of 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an event's hash covers. `time` is its recorded time to the millisecond, as `Date.toISOString()` prints it. */
export interface ChainedEventFields {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly time: string;
  readonly prevHash: string;
}

const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A JSON value as a store gives it back: what JSON.stringify keeps (no undefined members, no functions), so the hash
 * taken at append equals the one taken over the row read later.
 */
export const asStored = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

/**
 * The exact bytes an event's hash is taken over: the UTF-8 of the RFC 8785 (JCS) canonical JSON of
 * {"data","id","metadata","prevHash","stream","time","type","version"}.
 */
export const canonicalEventBytes = (fields: ChainedEventFields): Buffer => {
  const text = canonicalize({
    id: fields.eventId,
    type: fields.type,
    data: asStored(fields.data),
    metadata: asStored(fields.metadata),
    stream: fields.streamId,
    version: fields.streamVersion,
    time: fields.time,
    prevHash: fields.prevHash,
  });
  if (text === undefined) throw new Error('an event has no canonical form');
  return Buffer.from(text, 'utf8');
};

/**
 * An event's hash: lowercase hex SHA-256 of its canonical bytes. The one function every store calls at append and
 * every verifier calls on read; an append that gathers what it needs in fewer round trips calls it the same way.
 */
export const eventHash = (fields: ChainedEventFields): string => sha256Hex(canonicalEventBytes(fields));

/**
 * The canonical text of an event up to where the members only its store knows begin. RFC 8785 sorts data, id and
 * metadata before prevHash, stream, time, type and version, so this is the canonical text of {data, id, metadata}
 * without its closing brace; the PostgreSQL store's append functions complete it under the stream's lock and hash it
 * there (es_chain_hash, migration 0046), so an append needs one round trip.
 */
export const chainTextPrefix = (event: { eventId: string; data: unknown; metadata: unknown }): string => {
  const text = canonicalize({ data: asStored(event.data), id: event.eventId, metadata: asStored(event.metadata) });
  if (text === undefined) throw new Error('an event has no canonical form');
  return text.slice(0, -1);
};

/** The time an event's hash covers: its recorded instant to the millisecond, in UTC, e.g. 2026-12-05T03:00:00.000Z. */
export const chainTime = (recordedAt: Date): string => recordedAt.toISOString();

/** The hashes for events about to follow a stream head whose hash is `prevHash` (GENESIS_HASH for a new stream). */
export const chainEvents = <E extends { eventId: string; type: string; data: unknown; metadata: unknown }>(
  streamId: string,
  firstVersion: number,
  events: readonly E[],
  time: string,
  prevHash: string,
): { prevHash: string; hash: string }[] => {
  let previous = prevHash;
  return events.map((event, index) => {
    const hash = eventHash({ ...event, streamId, streamVersion: firstVersion + index, time, prevHash: previous });
    const link = { prevHash: previous, hash };
    previous = hash;
    return link;
  });
};

// ── verifying a stream ──────────────────────────────────────────────────────────────────────────────────────

/** One stored event as a verifier sees it: what its hash covers, its recorded instant, and its link as stored. */
export type ChainLinkInput = Omit<ChainedEventFields, 'time' | 'prevHash'> & {
  readonly recordedAt: Date;
  readonly prevHash?: string | null;
  readonly hash?: string | null;
};

export type ChainBreakReason =
  /** The event's content does not give the hash stored with it: the event was changed after it was written. */
  | 'hash-mismatch'
  /** The event's prevHash is not the hash of the event before it: an event before it was removed, replaced or reordered. */
  | 'prev-hash-mismatch'
  /** Versions are not 1, 2, 3, ...: an event is missing. */
  | 'version-gap'
  /** The event was stored without a hash (written before the chain, not yet backfilled). */
  | 'unchained';

export interface ChainLink {
  readonly eventId: string;
  readonly version: number;
  readonly type: string;
  readonly time: string;
  readonly prevHash: string | null;
  readonly hash: string | null;
  readonly verifies: boolean;
  readonly reason?: ChainBreakReason;
}

export interface ChainVerification {
  readonly streamId: string;
  readonly verifies: boolean;
  readonly links: ChainLink[];
  /** The first link that does not verify; every link after it is reported as it is, but this one is where to look. */
  readonly firstBreak?: ChainLink;
  /** The hash of the last event, the stream's head. */
  readonly headHash: string | null;
}

/** Checks one stream's events, oldest first: each hash recomputed, each prevHash the hash before it. */
export const verifyStream = (streamId: string, events: readonly ChainLinkInput[]): ChainVerification => {
  let expectedPrev = GENESIS_HASH;
  let expectedVersion = 1;
  const links: ChainLink[] = events.map((event) => {
    const time = chainTime(event.recordedAt);
    const reason = breakOf(event, time, expectedPrev, expectedVersion);
    // After a break the chain continues from what is stored, so one changed event is reported once, not everything after.
    expectedPrev = event.hash ?? expectedPrev;
    expectedVersion = event.streamVersion + 1;
    return {
      eventId: event.eventId,
      version: event.streamVersion,
      type: event.type,
      time,
      prevHash: event.prevHash ?? null,
      hash: event.hash ?? null,
      verifies: reason === undefined,
      ...(reason ? { reason } : {}),
    };
  });
  const firstBreak = links.find((l) => !l.verifies);
  return {
    streamId,
    verifies: firstBreak === undefined,
    links,
    ...(firstBreak ? { firstBreak } : {}),
    headHash: links.at(-1)?.hash ?? null,
  };
};

const breakOf = (
  event: ChainLinkInput,
  time: string,
  expectedPrev: string,
  expectedVersion: number,
): ChainBreakReason | undefined => {
  if (!event.hash || !event.prevHash) return 'unchained';
  if (event.streamVersion !== expectedVersion) return 'version-gap';
  const recomputed = eventHash({ ...event, time, prevHash: event.prevHash });
  if (recomputed !== event.hash) return 'hash-mismatch';
  if (event.prevHash !== expectedPrev) return 'prev-hash-mismatch';
  return undefined;
};

// ── the daily anchor: a Merkle root over stream heads ──────────────────────────────────────────────────────

/** A stream's last event at an instant, a leaf of the anchor's tree. */
export interface StreamHead {
  readonly streamId: string;
  readonly version: number;
  readonly hash: string | null;
}

/** A leaf's bytes: UTF-8 of the canonical JSON {"hash","stream","version"}. */
export const headLeafBytes = (head: StreamHead): Buffer =>
  Buffer.from(canonicalize({ stream: head.streamId, version: head.version, hash: head.hash }) as string, 'utf8');

/** Heads in the order the tree takes them: by stream id, compared as UTF-8 bytes. */
export const sortHeads = (heads: readonly StreamHead[]): StreamHead[] =>
  [...heads].sort((a, b) => Buffer.compare(Buffer.from(a.streamId, 'utf8'), Buffer.from(b.streamId, 'utf8')));

/**
 * The Merkle tree hash of RFC 6962 (Certificate Transparency, section 2.1) over the heads sorted by stream id:
 * leaf = SHA-256(0x00 || leaf bytes), node = SHA-256(0x01 || left || right), the left subtree holding the largest
 * power of two below n leaves; an empty tree is SHA-256 of nothing. Lowercase hex.
 */
export const merkleRoot = (heads: readonly StreamHead[]): string =>
  mth(sortHeads(heads).map(headLeafBytes)).toString('hex');

const digest = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();

const mth = (leaves: readonly Buffer[]): Buffer => {
  if (leaves.length === 0) return digest();
  if (leaves.length === 1) return digest(Buffer.from([0]), leaves[0] as Buffer);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return digest(Buffer.from([1]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
};
