import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPool, ensureDatabase, migrate, migrationsDirectory, withDatabase } from '@closeloop/database';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';

export const repositoryRoot = resolve(__dirname, '..', '..', '..');

/**
 * Where the real broker and database are: the environment first, else what scripts/infra/up.sh recorded.
 * Tests never start infrastructure themselves; `npm test` does, once per run.
 */
export const infrastructure = (): { kafkaBrokers: string[]; adminDatabaseUrl: string } => {
  const recorded: Record<string, string> = {};
  const file = resolve(repositoryRoot, '.local', 'infra.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) recorded[match[1] as string] = match[2] as string;
    }
  }
  const brokers = process.env['KAFKA_BROKERS'] ?? recorded['KAFKA_BROKERS'];
  const database = process.env['DATABASE_URL'] ?? recorded['DATABASE_URL'];
  if (!brokers || !database) {
    throw new Error(
      'No Kafka broker or PostgreSQL configured: run `npm test` (which starts them) or set KAFKA_BROKERS and DATABASE_URL',
    );
  }
  return { kafkaBrokers: brokers.split(','), adminDatabaseUrl: database };
};

export const uniqueName = (label: string): string =>
  `${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

export interface TestDatabase {
  readonly url: string;
  readonly pool: Pool;
  drop(): Promise<void>;
}

/** A new, migrated database per test file, so files never see each other's rows. */
export const freshDatabase = async (label: string): Promise<TestDatabase> => {
  const db = await emptyDatabase(label);
  await migrate(db.pool);
  return db;
};

/** A new database with no migration applied, for tests of migrating itself. */
export const emptyDatabase = async (label: string): Promise<TestDatabase> => {
  const { adminDatabaseUrl } = infrastructure();
  const name = uniqueName(`cl_test_${label}`).toLowerCase();
  await ensureDatabase(adminDatabaseUrl, name);
  const url = withDatabase(adminDatabaseUrl, name);
  const pool = createPool(url, `test-${label}`);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const admin = new Pool({ connectionString: adminDatabaseUrl, max: 1 });
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
};

const OWNER_NAMES_MIGRATION = '0024_tables_named_by_owner.sql';

/**
 * Gives a migrated database back the table names it had before migration 0024 named tables by their owner, with
 * 0024 unrecorded, so a spec can apply an older migration (whose SQL names the old tables) as a deployment from
 * before it would.
 */
export const tablesAsBeforeOwnerNames = async (pool: Pool): Promise<void> => {
  const renames = readFileSync(join(migrationsDirectory, OWNER_NAMES_MIGRATION), 'utf8').matchAll(
    /^ALTER (TABLE|SEQUENCE) (\w+) RENAME TO (\w+);$/gm,
  );
  for (const [, kind, before, after] of renames) await pool.query(`ALTER ${kind} ${after} RENAME TO ${before}`);
  await pool.query('DELETE FROM schema_migrations WHERE version = $1', [OWNER_NAMES_MIGRATION]);
};

export const testKafka = (clientId: string): Kafka =>
  new Kafka({
    clientId,
    brokers: infrastructure().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });

/** A topic prefix of its own per test file: fresh topics, no leftovers from earlier runs. */
export const uniqueTopicPrefix = (label: string): string =>
  `${uniqueName(`t-${label}`).toLowerCase().replace(/_/g, '-')}.`;

export const deleteTopicsWithPrefix = async (kafka: Kafka, prefix: string): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
};

/** Sets a topic's max.message.bytes, as an operator would to make room for a record the broker refused. */
export const setTopicMaxMessageBytes = async (kafka: Kafka, topic: string, bytes: number): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
};

/** Polls until the probe returns a value (not undefined) or the time runs out, then fails naming what it waited for. */
export const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
};

/** Polls a read until what it reads passes the check, then returns it; fails as `eventually` does. */
export const eventuallyWhere = <T>(
  what: string,
  read: () => Promise<T | undefined>,
  check: (value: T) => boolean,
  timeoutMs?: number,
): Promise<T> =>
  eventually(
    what,
    async () => {
      const value = await read();
      return value !== undefined && check(value) ? value : undefined;
    },
    timeoutMs,
  );
