import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';

/** The versioned SQL files shipped with this library. */
export const migrationsDirectory = resolve(__dirname, '..', 'migrations');

// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_KEY = 7_301_042;

/**
 * Files renamed after databases had applied them, by their current name: the name those databases recorded.
 * 0015_appenders_marked.sql shared its number with 0015_work_order_contacts.sql; it took the next free number, and
 * its content, which only the event store depends on, was left as it was.
 */
export const formerMigrationNames: Readonly<Record<string, string>> = {
  '0025_appenders_marked.sql': '0015_appenders_marked.sql',
};

/** The migration files of a folder in the order they apply; refuses two files with the same number. */
export const migrationFiles = (directory = migrationsDirectory): string[] => {
  const files = readdirSync(directory)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const byNumber = new Map<string, string>();
  for (const file of files) {
    const number = file.slice(0, 4);
    const other = byNumber.get(number);
    if (other) throw new Error(`migrations ${other} and ${file} share the number ${number}: give each its own`);
    byNumber.set(number, file);
  }
  return files;
};

/**
 * Applies the SQL files of a folder in name order, each in its own transaction, once. Every service calls it at
 * start-up; the advisory lock lets several instances start together without applying a file twice.
 */
export const migrate = async (pool: Pool, directory = migrationsDirectory): Promise<string[]> => {
  const files = migrationFiles(directory);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    // A database that applied a renamed file records it under its old name: the record follows the rename, so the
    // file is not applied twice and the table lists the names that are in the folder.
    for (const [current, former] of Object.entries(formerMigrationNames)) {
      await client.query('UPDATE schema_migrations SET version = $1 WHERE version = $2', [current, former]);
    }
    const done = new Set(
      (await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      await client.query('BEGIN');
      try {
        await client.query(readFileSync(join(directory, file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
};

/**
 * The migration files of a folder this database has not applied (readiness: a service whose schema is behind is not
 * ready). A database that has applied none has no schema_migrations table: every file is pending.
 */
export const pendingMigrations = async (pool: Pool, directory = migrationsDirectory): Promise<string[]> => {
  const files = migrationFiles(directory);
  const present = await pool.query<{ present: boolean }>(
    "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
  );
  const versions = present.rows[0]?.present
    ? (await pool.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version)
    : [];
  const applied = new Set([
    ...versions,
    // A database that applied a renamed file under its former name has applied it.
    ...Object.entries(formerMigrationNames)
      .filter(([, former]) => versions.includes(former))
      .map(([current]) => current),
  ]);
  return files.filter((file) => !applied.has(file));
};
