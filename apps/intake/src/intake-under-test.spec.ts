import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { loadConfig } from '@closeloop/config';
import { EventTypes, parseDomainEvent, TopicBaseNames, topicName } from '@closeloop/contracts';
import { cloudEventsTransport, startService } from '@closeloop/runtime';
import { inProcessServiceEnv, ServiceEnvironment, startServiceEnvironment, TestDatabase } from '@closeloop/testing';
import { intakeConfigSchema, sheddingOf } from './intake.config';
import { intakeModule } from './intake.module';
import { Pool } from 'pg';

/** The integrator the fuzz tests speak as: registered for S1, every event type. */
export const FUZZ_INTEGRATOR = { integratorId: 'fuzz-hotline', name: 'Fuzz hotline', sites: ['S1'] };
export const FUZZ_SOURCE = `/integrators/${FUZZ_INTEGRATOR.integratorId}`;

export interface IntakeUnderTest {
  readonly db: TestDatabase;
  readonly app: INestApplication;
  readonly prefix: string;
  readonly intakeTopic: string;
  readonly baseUrl: string;
  readonly apiKey: string;
  /** A staff bearer token signed with this environment's key. */
  readonly staffToken: ServiceEnvironment['staffToken'];
  /** Registers another integrator in this service's database; resolves with its API key. */
  readonly registerIntegrator: ServiceEnvironment['registerIntegrator'];
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
  const environment = await startServiceEnvironment(label, 'closeloop-fuzz');
  const { db, prefix } = environment;
  const intakeTopic = topicName(TopicBaseNames.intake, prefix);
  const config = loadConfig(
    intakeConfigSchema,
    inProcessServiceEnv(environment, {
      RATE_LIMIT_PER_MINUTE: '1000000',
      // Jest shares this process and the host with other suites: a lag there is not the service's overload.
      SHED_MAX_EVENT_LOOP_LAG_MS: '60000',
      ...env,
    }),
  );
  const apiKey = await environment.registerIntegrator(FUZZ_INTEGRATOR);
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
    staffToken: environment.staffToken,
    registerIntegrator: environment.registerIntegrator,
    stop: async () => {
      await app.close();
      await environment.remove();
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

export interface StoredEvent {
  readonly event_type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly stream_version: number;
}

/** A stream that starts as a work order's should: with the order's report at version 1. */
export interface WorkOrderStream {
  readonly streamId: string;
  readonly events: readonly StoredEvent[];
  readonly report: StoredEvent;
}

/**
 * What a partial write would leave in the store: a stream whose events do not run from version 1 to its version
 * (es_streams is a view over es_events since migration 0053, so no stream row can be missing), one that does not
 * start with its order's report or is not that order's stream, an event that does not validate against its schema,
 * a row of intake's own tables naming a stream that does not exist. `inspect` adds a spec's own findings about each
 * stream that starts with its report. Resolves with the ids of every stream as well.
 */
export const partialWrites = async (
  pool: Pool,
  inspect: (stream: WorkOrderStream) => readonly string[],
): Promise<{ readonly streamIds: readonly string[]; readonly problems: readonly string[] }> => {
  const problems: string[] = [];
  const streams = (
    await pool.query<{ stream_id: string; version: number }>('SELECT stream_id, version FROM es_streams')
  ).rows;
  for (const { stream_id: streamId, version } of streams) {
    const events = (
      await pool.query<StoredEvent>(
        'SELECT event_type, data, metadata, stream_version FROM es_events WHERE stream_id = $1 ORDER BY stream_version',
        [streamId],
      )
    ).rows;
    if (events.length !== version || events.some((e, i) => e.stream_version !== i + 1))
      problems.push(
        `${streamId}: events at versions [${events.map((e) => e.stream_version).join(', ')}], stream version ${version}`,
      );
    const report = events[0];
    if (report?.event_type !== EventTypes.WorkOrderReported || report.stream_version !== 1) {
      problems.push(`${streamId} starts with ${report?.event_type ?? 'nothing'} at version ${report?.stream_version}`);
      continue;
    }
    const workOrderId = String(report.data['workOrderId']);
    if (streamId !== `workorder-${workOrderId}`) problems.push(`${streamId} holds the report of ${workOrderId}`);
    for (const event of events) {
      const parsed = parseDomainEvent(event.event_type, event.data);
      if (!parsed.ok)
        problems.push(`${streamId}@${event.stream_version} ${event.event_type} does not validate: ${parsed.reason}`);
    }
    problems.push(...inspect({ streamId, events, report }));
  }
  problems.push(...(await danglingIntakeReferences(pool)));
  return { streamIds: streams.map((s) => s.stream_id), problems };
};
