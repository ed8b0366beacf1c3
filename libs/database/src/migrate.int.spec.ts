import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyDatabase, TestDatabase } from '@closeloop/testing';
import { formerMigrationNames, migrate, migrationsDirectory } from './migrate';

describe('a database migrated before migrations were renumbered', () => {
  let db: TestDatabase;
  let oldLayout: string;
  /** The renumbering's own migration and every one after it, which no release before it shipped. */
  let fromTheRenumberingOn: string[];

  beforeAll(async () => {
    db = await emptyDatabase('migrate_renumbered');
    // The folder as releases before the renumbering shipped it: the renamed files under their old names, and none of
    // the migrations that came with the renumbering or after it (later ones may alter the tables it renamed).
    oldLayout = mkdtempSync(join(tmpdir(), 'migrations-old-'));
    cpSync(migrationsDirectory, oldLayout, { recursive: true });
    for (const [current, former] of Object.entries(formerMigrationNames))
      renameSync(join(oldLayout, current), join(oldLayout, former));
    fromTheRenumberingOn = readdirSync(oldLayout)
      .filter((file) => file >= '0024_tables_named_by_owner.sql')
      .sort();
    for (const file of fromTheRenumberingOn) rmSync(join(oldLayout, file));
    // The old folder has two files numbered 0015, which the migrator now refuses, so it is applied as it was then:
    // each file in name order, recorded by its name.
    await migrateAsBefore(db, oldLayout);
  });

  afterAll(async () => {
    rmSync(oldLayout, { recursive: true, force: true });
    await db?.drop();
  });

  it('applies only what it has not applied, and records the renamed files under their new names', async () => {
    const recordedBefore = await versions(db);
    expect(recordedBefore).toEqual(expect.arrayContaining(Object.values(formerMigrationNames)));

    expect(fromTheRenumberingOn[0]).toBe('0024_tables_named_by_owner.sql');
    expect(await migrate(db.pool)).toEqual(fromTheRenumberingOn);

    const recorded = await versions(db);
    for (const [current, former] of Object.entries(formerMigrationNames)) {
      expect(recorded).toContain(current);
      expect(recorded).not.toContain(former);
    }
    expect(await migrate(db.pool)).toEqual([]);
  });

  it('keeps what the renamed migration made: appends without the appender mark are still refused', async () => {
    await expect(
      db.pool.query(
        `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata)
         VALUES ('s', 1, gen_random_uuid(), 't', '{}', '{}')`,
      ),
    ).rejects.toThrow(/appender lock/);
  });
});

const versions = async (db: TestDatabase): Promise<string[]> =>
  (await db.pool.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map(
    (r) => r.version,
  );

const migrateAsBefore = async (db: TestDatabase, directory: string): Promise<void> => {
  await db.pool.query(
    'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  for (const file of readdirSync(directory).sort()) {
    await db.pool.query(readFileSync(join(directory, file), 'utf8'));
    await db.pool.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file]);
  }
};
