import { PostgresEventStore } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from './infrastructure';

/** The database of a describe block's tests, and the event store on it. */
export interface SuiteDatabase {
  readonly db: TestDatabase;
  readonly store: PostgresEventStore;
}

/**
 * Gives the tests of the enclosing describe block a fresh, migrated database and an event store on it: made before
 * them (before each one with `perTest`) and dropped after, ahead of any after-hook declared later (Jest runs them in
 * order), so a block that must stop something using the database first keeps its own set-up. Its fields are there once the block's tests run, so read
 * them in tests and hooks declared after this call, not while the block is declared.
 */
export const useSuiteDatabase = (label: string, options: { readonly perTest?: boolean } = {}): SuiteDatabase => {
  let current: SuiteDatabase | undefined;
  const ready = (): SuiteDatabase => {
    if (!current) throw new Error(`the ${label} database is made before the tests run: read it in a test or a hook`);
    return current;
  };
  (options.perTest ? beforeEach : beforeAll)(async () => {
    const db = await freshDatabase(label);
    current = { db, store: new PostgresEventStore(db.pool) };
  });
  (options.perTest ? afterEach : afterAll)(async () => {
    await current?.db.drop();
    current = undefined;
  });
  return {
    get db() {
      return ready().db;
    },
    get store() {
      return ready().store;
    },
  };
};
