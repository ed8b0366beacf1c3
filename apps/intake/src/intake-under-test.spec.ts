import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { ensureLocalSigningKey, IntegratorKeyStore } from '@closeloop/auth';
import { loadConfig } from '@closeloop/config';
import { TopicBaseNames, topicName } from '@closeloop/contracts';
import { cloudEventsTransport, startService } from '@closeloop/runtime';
import {
  deleteTopicsWithPrefix,
  freshDatabase,
  infrastructure,
  repositoryRoot,
  TestDatabase,
  testKafka,
  uniqueTopicPrefix,
} from '@closeloop/testing';
import { intakeConfigSchema, sheddingOf } from './intake.config';
import { intakeModule } from './intake.module';
import { Pool } from 'pg';

/** The integrator the fuzz tests speak as: registered for S1, every event type. */
export const FUZZ_INTEGRATOR = { integratorId: 'fuzz-hotline', name: 'Fuzz hotline', sites: ['S1'], eventTypes: ['*'] };
export const FUZZ_SOURCE = `/integrators/${FUZZ_INTEGRATOR.integratorId}`;

export interface IntakeUnderTest {
  readonly db: TestDatabase;
  readonly app: INestApplication;
  readonly prefix: string;
  readonly intakeTopic: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  stop(): Promise<void>;
}

/**
 * The intake service in this process, as runService starts it (apps/intake/src/main.ts) but on a free port, with
 * its own database, topics and staff-token key, and the fuzz integrator registered. A generous rate limit, so
 * fuzzing is not throttled into 429s. `env` overrides the configuration (load-shedding bounds, say).
 */
export const startIntakeUnderTest = async (
  label: string,
  env: Record<string, string> = {},
): Promise<IntakeUnderTest> => {
  const prefix = uniqueTopicPrefix(label);
  const intakeTopic = topicName(TopicBaseNames.intake, prefix);
  const db = await freshDatabase(label.replace(/-/g, '_'));
  const keysDir = mkdtempSync(join(tmpdir(), `closeloop-${label}-keys-`));
  const { jwksFile } = await ensureLocalSigningKey(keysDir);
  const config = loadConfig(intakeConfigSchema, {
    ...process.env,
    DATABASE_URL: db.url,
    KAFKA_BROKERS: infrastructure().kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    PORT: '3001',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    TRIAGE_RULES_FILE: resolve(repositoryRoot, 'config/triage-rules.json'),
    STAFF_TOKEN_ISSUER: 'closeloop-fuzz',
    STAFF_JWKS_FILE: jwksFile,
    RATE_LIMIT_PER_MINUTE: '1000000',
    // Jest shares this process and the host with other suites: a lag there is not the service's overload.
    SHED_MAX_EVENT_LOOP_LAG_MS: '60000',
    ...env,
  });
  const { apiKey } = await new IntegratorKeyStore(db.pool, () => new Date()).register(FUZZ_INTEGRATOR);
  // Its consumer group reads the intake topic and dead-letters what it cannot route.
  const app = await startService(intakeModule(config), {
    host: config.HOST,
    port: 0,
    logLevel: config.LOG_LEVEL,
    shedding: sheddingOf(config),
    transport: cloudEventsTransport(`${prefix}intake`, [intakeTopic], 'dead-letter'),
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    db,
    app,
    prefix,
    intakeTopic,
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    stop: async () => {
      await app.close();
      await deleteTopicsWithPrefix(testKafka(`${label}-cleanup`), prefix).catch(() => undefined);
      await db.drop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
};

/** Rows of intake's own tables that name an order or a stream the event store does not have: a partial write. */
export const danglingIntakeReferences = async (pool: Pool): Promise<string[]> => {
  const referencing = (
    await pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name::text, column_name::text FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name LIKE 'intake\\_%' AND (column_name LIKE '%work\\_order\\_id' OR column_name = 'stream_id')`,
    )
  ).rows;
  const problems: string[] = [];
  for (const { table_name, column_name } of referencing) {
    const target =
      column_name === 'stream_id'
        ? 's.stream_id = t.stream_id'
        : `s.stream_id = 'workorder-' || t.${column_name}::text`;
    const dangling = await pool.query(
      `SELECT 1 FROM ${table_name} t WHERE t.${column_name} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM es_streams s WHERE ${target}) LIMIT 1`,
    );
    if (dangling.rowCount) problems.push(`${table_name}.${column_name} names a stream that does not exist`);
  }
  return problems;
};
