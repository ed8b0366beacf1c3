import { Pool, PoolClient } from 'pg';

export const createPool = (connectionString: string, applicationName: string, max = 10): Pool => {
  const pool = new Pool({ connectionString, application_name: applicationName, max });
  // An idle client losing its connection must not crash the process; the next query gets a fresh one.
  pool.on('error', () => undefined);
  // Nor may a checked-out one: pg emits 'error' on a client whose server session ends (a database restart,
  // pg_terminate_backend) and the pool listens only while the client is idle, so a client held between queries (a
  // session lock, the relay's leadership, a transaction) would crash the process with an unhandled 'error' event.
  // The work on it fails through its own queries, and the pool discards the broken client when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
};

/** Creates a database if it is missing; used by the start-up scripts and tests, never by services. */
export const ensureDatabase = async (adminUrl: string, database: string): Promise<void> => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`unsafe database name ${database}`);
  const pool = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    const exists = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) {
      // Two processes may race to create it; the loser's duplicate_database error means the job is done.
      await pool.query(`CREATE DATABASE ${database}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error;
      });
    }
  } finally {
    await pool.end();
  }
};

/** The URL of another database on the same server. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/** Runs the work in one transaction on a client of its own: committed if it returns, rolled back if it throws. */
export const inTransaction = async <T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
};

/** Resolves once the database answers a trivial query; rejects with the reason it could not. */
export const pingDatabase = async (pool: Pool): Promise<void> => {
  await pool.query('SELECT 1');
};

/**
 * Ends a session that LISTENs (the relay's leadership session, the live board's feed): its listeners removed, and the
 * connection closed rather than returned to the pool (release with an error), which drops the LISTEN and any session
 * lock even when the connection is broken.
 */
export const endListeningSession = (client: PoolClient): void => {
  client.removeAllListeners('notification');
  client.removeAllListeners('error');
  client.release(true);
};
