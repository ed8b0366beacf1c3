import { randomUUID } from 'node:crypto';
import {
  ANCHOR_GRACE_MS,
  AuditAnchors,
  BEGIN_APPENDING_SQL,
  dayEnd,
  PostgresEventAudit,
  PostgresEventStore,
} from '@closeloop/event-store';
import { freshDatabase, runAdminCli, TestDatabase } from '@closeloop/testing';

let db: TestDatabase;
let store: PostgresEventStore;

// `audit verify` and `audit backfill` as an operator runs them, on whichever database the spec has in `db` now.
const admin = (...args: string[]) => runAdminCli(db.url, ...args);

/** Runs `check` with `db`, and so the CLI, on a database of its own, and drops that database afterwards. */
const onAFreshDatabase = async (name: string, check: (fresh: TestDatabase) => Promise<void>): Promise<void> => {
  const before = db;
  const fresh = await freshDatabase(name);
  db = fresh;
  try {
    await check(fresh);
  } finally {
    db = before;
    await fresh.drop();
  }
};

const appendThree = async (): Promise<{ streamId: string; ids: string[] }> => {
  const streamId = `test-${randomUUID()}`;
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  await store.append(
    streamId,
    ids.map((eventId, n) => ({ eventId, type: 'test.happened.v1', data: { n, text: '回访' }, metadata: {} })),
    'no-stream',
  );
  return { streamId, ids };
};

/** As a superuser may: past the trigger that refuses changes to events. */
const asSuperuserPastTheTrigger = async (sql: string, params: unknown[]) => {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL session_replication_role = 'replica'");
    await client.query(sql, params);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
};

beforeAll(async () => {
  db = await freshDatabase('admin_audit');
  store = new PostgresEventStore(db.pool);
});

afterAll(async () => {
  await db?.drop();
});

describe('audit verify', () => {
  it('walks every stream, prints progress, and passes an untouched store', async () => {
    await appendThree();
    await appendThree();
    const run = await admin('audit', 'verify');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('verifying 2 stream(s)');
    expect(run.stdout).toContain('verified: 2 stream(s), 6 event(s), every link holds');
  });

  it('reports exactly the event whose data a superuser changed, and exits 1', async () => {
    const { streamId, ids } = await appendThree();
    await asSuperuserPastTheTrigger(`UPDATE es_events SET data = '{"n":1,"text":"回访 done"}' WHERE event_id = $1`, [
      ids[1],
    ]);
    const run = await admin('audit', 'verify', '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { verifies: boolean; broken: { streamId: string; eventId: string }[] };
    expect(report.verifies).toBe(false);
    expect(report.broken).toEqual([
      expect.objectContaining({ streamId, eventId: ids[1], version: 2, reason: 'hash-mismatch' }),
    ]);
    const text = await admin('audit', 'verify');
    expect(text.stdout).toContain(`BROKEN ${streamId} v2 event ${ids[1]}`);
  });

  it('with --since, checks only streams with events since then', async () => {
    const run = await admin('audit', 'verify', '--since', '2999-01-01');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('verified: 0 stream(s)');
    expect((await admin('audit', 'verify', '--since', 'yesterday')).code).toBe(2);
  });
});

describe('audit backfill', () => {
  it('chains a stream written before the chain, and appends continue its chain', async () => {
    await onAFreshDatabase('admin_backfill', async (fresh) => {
      const streamId = `legacy-${randomUUID()}`;
      const client = await fresh.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(BEGIN_APPENDING_SQL);
        for (const version of [1, 2])
          await client.query(
            `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, $2, $3, 'test.old.v1', '{"v":1}', '{}')`,
            [streamId, version, randomUUID()],
          );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      const legacyStore = new PostgresEventStore(fresh.pool);
      // Appended before the backfill: the head has no hash, so the new event stays unchained too.
      await legacyStore.append(streamId, [{ eventId: randomUUID(), type: 'test.new.v1', data: {}, metadata: {} }], 2);
      const unchained = await admin('audit', 'verify');
      expect(unchained.code).toBe(1);
      expect(unchained.stdout).toContain(`BROKEN ${streamId} v1`);
      expect(unchained.stdout).toContain('unchained');

      const backfill = await admin('audit', 'backfill');
      expect(backfill.code).toBe(0);
      expect(backfill.stdout).toContain('chained 3 event(s) in 1 stream(s)');
      await legacyStore.append(streamId, [{ eventId: randomUUID(), type: 'test.new.v1', data: {}, metadata: {} }], 3);
      const verified = await admin('audit', 'verify');
      expect(verified.code).toBe(0);
      expect(verified.stdout).toContain('1 stream(s), 4 event(s), every link holds');
    });
  });
});

describe('audit anchor and the anchor check of audit verify', () => {
  it('reveals the last event of a stream removed after its day was anchored', async () => {
    await onAFreshDatabase('admin_anchor', async (fresh) => {
      const freshStore = new PostgresEventStore(fresh.pool);
      const streamId = `test-${randomUUID()}`;
      await freshStore.append(
        streamId,
        [1, 2].map((n) => ({ eventId: randomUUID(), type: 'test.happened.v1', data: { n }, metadata: {} })),
        'no-stream',
      );
      await freshStore.append(
        `test-${randomUUID()}`,
        [{ eventId: randomUUID(), type: 'test.other.v1', data: {}, metadata: {} }],
        'no-stream',
      );
      // Today's anchor, as the worker would record it just after midnight: the events above were recorded today.
      const today = new Date().toISOString().slice(0, 10);
      const anchors = new AuditAnchors(freshStore, new PostgresEventAudit(fresh.pool), 'test');
      const afterMidnight = new Date(dayEnd(today).getTime() + ANCHOR_GRACE_MS);
      expect(await anchors.record(today, afterMidnight)).toMatchObject({ outcome: 'recorded', streams: 2 });
      expect(await anchors.record(today, afterMidnight)).toEqual({ outcome: 'already-recorded', day: today });

      const untouched = await admin('audit', 'verify');
      expect(untouched.code).toBe(0);
      expect(untouched.stdout).toContain('1 anchor(s) match');

      await asSuperuserPastTheTrigger('DELETE FROM es_events WHERE stream_id = $1 AND stream_version = 2', [streamId]);
      const run = await admin('audit', 'verify');
      expect(run.code).toBe(1);
      // The stream's own chain still holds (its first event is intact): only the anchor can tell.
      expect(run.stdout).not.toContain('BROKEN');
      expect(run.stdout).toContain(`ANCHOR MISMATCH ${today}`);
    });
  });

  it('refuses a day that has not ended, and records the last one that has', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const early = await admin('audit', 'anchor', '--day', tomorrow);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('waits until');
    const run = await admin('audit', 'anchor');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/anchored \d{4}-\d{2}-\d{2}: root [0-9a-f]{64}/);
  });
});
