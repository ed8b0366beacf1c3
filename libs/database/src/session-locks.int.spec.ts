import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { Pool } from 'pg';
import { SessionLocks } from './session-locks';

/** Ends every session of the database but the caller's: what a PostgreSQL restart does, as the clients see it. */
const endEverySession = async (url: string): Promise<number> => {
  const admin = new Pool({ connectionString: url, max: 1 });
  try {
    const { rows } = await admin.query<{ ended: number }>(
      `SELECT count(*)::int AS ended FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`,
    );
    return rows[0]?.ended ?? 0;
  } finally {
    await admin.end();
  }
};

describe('the database restarting under the pools', () => {
  let db: TestDatabase;
  let locks: SessionLocks;

  beforeAll(async () => {
    db = await freshDatabase('restart');
    locks = new SessionLocks(db.url, 'test-session-locks', 2);
  });

  afterAll(async () => {
    await locks?.end();
    await db?.drop();
  });

  it('does not crash the process when a session holding a lock ends while its work runs; the work keeps its outcome and later locks work', async () => {
    let finishWork: () => void = () => undefined;
    const workMayFinish = new Promise<void>((resolve) => (finishWork = resolve));
    let workStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (workStarted = resolve));
    const held = locks.withLock(1, 'B3', async () => {
      workStarted();
      await workMayFinish;
      return 'done';
    });
    await started;
    // The lock's client sits idle between queries while the work runs: pg's 'error' on it had no listener.
    expect(await endEverySession(db.url)).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 200)); // the termination reaches the client
    finishWork();
    await expect(held).resolves.toBe('done');

    await expect(locks.withLock(1, 'B3', async () => 'again')).resolves.toBe('again');
  });

  it('answers the next query on the shared pool after its idle and busy sessions were ended', async () => {
    await db.pool.query('SELECT 1');
    const busy = db.pool.query('SELECT pg_sleep(5)').then(
      () => 'finished',
      (error: Error) => `failed: ${error.message}`,
    );
    await new Promise((r) => setTimeout(r, 200));
    await endEverySession(db.url);
    expect(await busy).toMatch(/^failed: terminating connection due to administrator command/);
    const { rows } = await db.pool.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0]?.one).toBe(1);
  });
});
