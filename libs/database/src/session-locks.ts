import { Pool, PoolClient } from 'pg';
import { createPool } from './pool';

/**
 * Runs `work` while a connection of `pool`, its own for the while, holds a session advisory lock: `take` takes the
 * lock and answers whether it did (a try-lock may not: then `work` does not run and the answer is undefined), and
 * `give` gives it back. A session that ended meanwhile (a database restart) took its lock with it: nothing is left
 * to give back, the connection is dropped rather than pooled again, and the work's own outcome stands.
 */
export async function withSessionLock<T>(
  pool: Pool,
  take: (client: PoolClient) => Promise<true>,
  give: (client: PoolClient) => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T>;
export async function withSessionLock<T>(
  pool: Pool,
  take: (client: PoolClient) => Promise<boolean>,
  give: (client: PoolClient) => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T | undefined>;
export async function withSessionLock<T>(
  pool: Pool,
  take: (client: PoolClient) => Promise<boolean>,
  give: (client: PoolClient) => Promise<unknown>,
  work: () => Promise<T>,
): Promise<T | undefined> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    if (!(await take(client))) return undefined;
    try {
      return await work();
    } finally {
      await give(client).catch((error: Error) => (broken = error));
    }
  } finally {
    client.release(broken);
  }
}

/**
 * Session-level advisory locks, each held on a connection of a small pool of its own while the work under the lock
 * uses the service's shared pool: were both from one pool, a burst could take every connection to hold locks and
 * wait forever for one more. A session lock takes no transaction id, so holding it never holds back the relay
 * (ADR 3) the way an open transaction could.
 */
export class SessionLocks {
  private readonly pool: Pool;

  constructor(databaseUrl: string, applicationName: string, connections: number) {
    this.pool = createPool(databaseUrl, applicationName, connections);
  }

  /** Runs `work` while holding the lock on (`space`, `key`); other holders of the same pair wait their turn. */
  withLock<T>(space: number, key: string, work: () => Promise<T>): Promise<T> {
    return withSessionLock(
      this.pool,
      async (client) => {
        await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [space, key]);
        return true;
      },
      (client) => client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [space, key]),
      work,
    );
  }

  /**
   * Runs `work` while holding the locks on (`space`, each key) at once, on one connection, taken in one statement in
   * the order of their hashes, so two holders of overlapping sets queue instead of deadlocking.
   */
  withLocks<T>(space: number, keys: readonly string[], work: () => Promise<T>): Promise<T> {
    const hashes = `SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY h`;
    return withSessionLock(
      this.pool,
      async (client) => {
        await client.query(`SELECT count(pg_advisory_lock($1, h)) FROM (${hashes}) AS sorted`, [space, keys]);
        return true;
      },
      (client) => client.query(`SELECT count(pg_advisory_unlock($1, h)) FROM (${hashes}) AS sorted`, [space, keys]),
      work,
    );
  }

  async end(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
