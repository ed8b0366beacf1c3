// closeloop-admin's audit commands (docs/adr/0033-tamper-evident-event-chain.md): verify the hash chain of every
// stream, chain streams written before the chain, check a signed order record offline. Plain JavaScript over the
// built libraries, as the rest of the tool.
'use strict';

const AUDIT_HELP = `Audit (docs/adr/0033-tamper-evident-event-chain.md; docs/operations.md, "Audit")
  audit verify [--since <date>]
      Recomputes every stream's hash chain (with --since, the streams with an event since that date or instant),
      prints progress on stderr, and the first broken link of each stream. Exit 1 if any link is broken.
  audit backfill
      Chains the streams whose events were written before the chain (migration 0038), from their first event.
      Run as the role that owns the tables.`;

const AUDIT_OPTIONS = {
  'audit verify': { since: 'string' },
  'audit backfill': {},
};

const auditCommands = ({ loadBuilt, withPool, UsageError }) => {
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
      const { PostgresEventAudit, verifyStream } = loadBuilt('event-store');
      return withPool(async (pool) => {
        const audit = new PostgresEventAudit(pool);
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
        const lines = broken.map(
          (b) => `BROKEN ${b.streamId} v${b.version} event ${b.eventId} ${b.type} at ${b.time}: ${b.reason}`,
        );
        out(
          { verifies: broken.length === 0, streams, events, broken },
          [
            ...lines,
            broken.length === 0
              ? `verified: ${streams} stream(s), ${events} event(s), every link holds`
              : `${broken.length} stream(s) of ${streams} have a broken link`,
          ].join('\n'),
        );
        return broken.length === 0 ? 0 : 1;
      });
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
