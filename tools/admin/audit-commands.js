// closeloop-admin's audit commands (docs/adr/0033-tamper-evident-event-chain.md): verify the hash chain of every
// stream, chain streams written before the chain, check a signed order record offline. Plain JavaScript over the
// built libraries, as the rest of the tool.
'use strict';

const AUDIT_HELP = `Audit (docs/adr/0033-tamper-evident-event-chain.md; docs/operations.md, "Audit")
  audit verify [--since <date>]
      Recomputes every stream's hash chain (with --since, the streams with an event since that date or instant),
      prints progress on stderr, and the first broken link of each stream; then recomputes each daily anchor
      (of --since's day and later) from the store as it is. Exit 1 if any link is broken or any anchor differs.
  audit anchor [--day <YYYY-MM-DD>]
      Records a UTC day's anchor (default: the last day that has ended) unless it is there already; dispatch's
      worker does the same every AUDIT_ANCHOR_INTERVAL_SECONDS.
  audit check-record <file> [--key <jwks-file>]
      Checks the Ed25519 signature of an order record saved from GET /v1/work-orders/{id}/record, offline, with
      the public key saved from /.well-known/closeloop-signing-key (default: the local stack's key in .local/keys).
      Exit 1 if it does not verify.
  audit backfill
      Chains the streams whose events were written before the chain (migration 0038), from their first event.
      Run as the role that owns the tables.`;

// The key under which the tool's command table names a command's positional argument (shared with closeloop-admin.js).
const POSITIONAL_KEY = Symbol.for('closeloop-admin.positional');

const AUDIT_OPTIONS = {
  'audit verify': { since: 'string' },
  'audit anchor': { day: 'string' },
  'audit check-record': { key: 'string', [POSITIONAL_KEY]: 'file' },
  'audit backfill': {},
};

const auditCommands = ({ loadBuilt, withPool, UsageError, root }) => {
  const sinceOf = (values) => {
    if (values.since === undefined) return undefined;
    const text = values.since.trim();
    const since = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00.000Z` : text);
    if (Number.isNaN(since.getTime()))
      throw new UsageError(`--since must be a date (2026-12-01) or an instant (2026-12-01T03:00:00Z), not ${text}`);
    return since;
  };

  return {
    'audit verify': (values, out) => {
      const since = sinceOf(values);
      const { AuditAnchors, PostgresEventAudit, PostgresEventStore, verifyStream } = loadBuilt('event-store');
      return withPool(async (pool) => {
        const audit = new PostgresEventAudit(pool);
        const anchors = new AuditAnchors(new PostgresEventStore(pool), audit, 'closeloop-admin');
        const total = await audit.countStreams(since);
        process.stderr.write(
          `verifying ${total} stream(s)${since ? ` with events since ${since.toISOString()}` : ''}\n`,
        );
        let streams = 0;
        let events = 0;
        const broken = [];
        let lastReport = 0;
        for await (const { streamId, events: stored } of audit.streams(since)) {
          const verification = verifyStream(streamId, stored);
          streams++;
          events += stored.length;
          if (verification.firstBreak) broken.push({ streamId, ...verification.firstBreak });
          if (streams === total || streams - lastReport >= 500) {
            lastReport = streams;
            process.stderr.write(`  ${streams}/${total} streams, ${events} events, ${broken.length} broken\n`);
          }
        }
        const checks = await anchors.verify(since);
        const mismatched = checks.filter((c) => !c.verifies);
        process.stderr.write(`  ${checks.length} anchor(s) recomputed, ${mismatched.length} differ\n`);
        const lines = [
          ...broken.map(
            (b) => `BROKEN ${b.streamId} v${b.version} event ${b.eventId} ${b.type} at ${b.time}: ${b.reason}`,
          ),
          ...mismatched.map(
            (c) =>
              `ANCHOR MISMATCH ${c.day}: recorded root ${c.recordedRoot} over ${c.recordedStreams} stream(s), ` +
              `recomputed ${c.recomputedRoot} over ${c.recomputedStreams}: events recorded before the day's end were removed or changed`,
          ),
        ];
        const verifies = broken.length === 0 && mismatched.length === 0;
        out(
          { verifies, streams, events, broken, anchors: checks },
          [
            ...lines,
            verifies
              ? `verified: ${streams} stream(s), ${events} event(s), every link holds; ${checks.length} anchor(s) match`
              : `${broken.length} stream(s) of ${streams} have a broken link; ${mismatched.length} of ${checks.length} anchor(s) differ`,
          ].join('\n'),
        );
        return verifies ? 0 : 1;
      });
    },

    'audit anchor': (values, out) => {
      const { AuditAnchors, PostgresEventAudit, PostgresEventStore, lastAnchorableDay } = loadBuilt('event-store');
      const now = new Date();
      const day = values.day === undefined ? lastAnchorableDay(now) : values.day.trim();
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new UsageError(`--day must be YYYY-MM-DD, not ${day}`);
      return withPool(async (pool) => {
        const audit = new PostgresEventAudit(pool);
        const anchors = new AuditAnchors(new PostgresEventStore(pool), audit, 'closeloop-admin');
        const outcome = await audit.tryWithAnchorLock(() => anchors.record(day, now));
        if (!outcome) throw new Error('another process is recording an anchor now: try again in a moment');
        out(
          outcome,
          outcome.outcome === 'recorded'
            ? `anchored ${day}: root ${outcome.root} over ${outcome.streams} stream(s)`
            : `${day} is anchored already`,
        );
      });
    },

    'audit check-record': async (values, out) => {
      const { readFileSync, existsSync } = require('node:fs');
      const { join } = require('node:path');
      const { loadRecordSigningKey, verifyRecordSignature } = loadBuilt('auth');
      if (!values.file) throw new UsageError('audit check-record needs the record file');
      const record = JSON.parse(readFileSync(values.file, 'utf8'));
      let keys;
      if (values.key !== undefined) {
        const saved = JSON.parse(readFileSync(values.key, 'utf8'));
        keys = Array.isArray(saved.keys) ? saved.keys : [saved];
      } else {
        const local = join(root, '.local', 'keys', 'record-signing-key.json');
        if (!existsSync(local)) throw new UsageError('no --key given and no local key in .local/keys');
        keys = [loadRecordSigningKey(local, false).publicJwk];
      }
      const kid = record.signature?.kid;
      const key = keys.find((k) => k.kid === kid) ?? (keys.length === 1 ? keys[0] : undefined);
      const verifies = key !== undefined && verifyRecordSignature(record, key);
      out(
        {
          verifies,
          kid: kid ?? null,
          workOrderId: record.workOrder?.workOrderId ?? null,
          headHash: record.headHash ?? null,
        },
        verifies
          ? `record of ${record.workOrder?.number ?? '?'} (${record.workOrder?.workOrderId ?? '?'}) verifies: signed by key ${kid}, head hash ${record.headHash}`
          : `record does NOT verify${key ? '' : ` (no key ${kid ?? '(none)'} among the keys given)`}`,
      );
      return verifies ? 0 : 1;
    },

    'audit backfill': (_values, out) => {
      const { PostgresEventAudit } = loadBuilt('event-store');
      return withPool(async (pool) => {
        const result = await new PostgresEventAudit(pool).backfill((streamId, filled) =>
          process.stderr.write(`  chained ${filled} event(s) of ${streamId}\n`),
        );
        out(result, `chained ${result.events} event(s) in ${result.streams} stream(s)`);
      });
    },
  };
};

module.exports = { AUDIT_HELP, AUDIT_OPTIONS, auditCommands };
