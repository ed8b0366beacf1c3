import { PostgresEventStore } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from './infrastructure';
import { useSuiteResource } from './suite-resource';

/** The database of a describe block's tests, and the event store on it. */
export interface SuiteDatabase {
  readonly db: TestDatabase;
  readonly store: PostgresEventStore;
}

export interface SuiteDatabaseOptions<Fixture extends object> {
  /** A fresh database for each test rather than one for the whole block. */
  readonly perTest?: boolean;
  /** What the tests work on, built on the database before them; its fields are read on the suite beside `db`. */
  readonly with?: (suite: SuiteDatabase) => Fixture | Promise<Fixture>;
  /** Stops what `with` built (a service with connections of its own) before the database is dropped under it. */
  readonly stop?: (fixture: Fixture) => Promise<unknown>;
}

/**
 * Gives the tests of the enclosing describe block a fresh, migrated database, an event store on it and whatever
 * `with` builds there: made before them (before each one with `perTest`) and dropped after, ahead of any after-hook
 * declared later (Jest runs them in order), so what uses the database and must stop first is stopped by `stop`.
 * Its fields are there once the block's tests run, so read them in tests and hooks declared after this call, not
 * while the block is declared.
 */
export const useSuiteDatabase = <Fixture extends object = object>(
  label: string,
  options: SuiteDatabaseOptions<Fixture> = {},
): SuiteDatabase & Fixture =>
  useSuiteResource(
    `the ${label} database`,
    async () => {
      const db = await freshDatabase(label);
      const suite: SuiteDatabase = { db, store: new PostgresEventStore(db.pool) };
      try {
        return { ...((await options.with?.(suite)) as Fixture), ...suite };
      } catch (error) {
        await db.drop();
        throw error;
      }
    },
    async (suite) => {
      try {
        await options.stop?.(suite);
      } finally {
        await suite.db.drop();
      }
    },
    options,
  );
