import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { INestApplication, Type } from '@nestjs/common';
import { StaffRoles } from '@closeloop/auth';
import { loadConfig } from '@closeloop/config';
import { startService } from '@closeloop/runtime';
import { inProcessServiceEnv, startServiceEnvironment, TestDatabase } from '@closeloop/testing';
import { Pool } from 'pg';
import { z } from 'zod';
import { dispatchConfigSchema } from '../../apps/dispatch/src/dispatch.config';
import { dispatchModule } from '../../apps/dispatch/src/dispatch.module';
import { intakeConfigSchema } from '../../apps/intake/src/intake.config';
import { intakeModule } from '../../apps/intake/src/intake.module';
import { notificationConfigSchema } from '../../apps/notification/src/notification.config';
import { notificationModule } from '../../apps/notification/src/notification.module';
import { consoleConfig } from '../../apps/console/src/console-config';
import { consoleModule } from '../../apps/console/src/console.module';
import { queryConfigSchema } from '../../apps/query/src/query.config';
import { queryModule } from '../../apps/query/src/query.module';
import { slaTimerConfigSchema } from '../../apps/sla-timer/src/sla-timer.config';
import { slaTimerModule } from '../../apps/sla-timer/src/sla-timer.module';

export type ServiceName = 'intake' | 'dispatch' | 'sla-timer' | 'notification' | 'query' | 'console';

export interface ServicesInProcess {
  readonly db: TestDatabase;
  /** The services started (all five and the console unless `only` said otherwise). */
  readonly baseUrl: Record<ServiceName, string>;
  /** An integrator of S1 for every event type. */
  readonly apiKey: string;
  /** A staff member of S1 holding every role, so every staff route lets them past the access guard. */
  readonly staffToken: string;
  readonly staffId: string;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const SERVICES: readonly { name: ServiceName; schema: z.ZodTypeAny; module: (config: any) => Type<unknown> }[] = [
  { name: 'intake', schema: intakeConfigSchema, module: intakeModule },
  { name: 'dispatch', schema: dispatchConfigSchema, module: dispatchModule },
  { name: 'sla-timer', schema: slaTimerConfigSchema, module: slaTimerModule },
  { name: 'notification', schema: notificationConfigSchema, module: notificationModule },
  { name: 'query', schema: queryConfigSchema, module: queryModule },
  { name: 'console', schema: consoleConfig, module: consoleModule },
];

/**
 * The five services' and the console's HTTP edges in this process, as runService builds them (apps/<service>/src/main.ts) but on
 * free ports, sharing one fresh database, topic prefix and staff-token key. Their Kafka consumers are left out:
 * what is under test is what each service does with a request, and booting without them takes seconds, not tens.
 */
export const startServicesInProcess = async (
  label: string,
  options: { readonly only?: readonly ServiceName[]; readonly env?: Readonly<Record<string, string>> } = {},
): Promise<ServicesInProcess> => {
  const environment = await startServiceEnvironment(label, 'closeloop-hostile-input');
  const env = inProcessServiceEnv(environment, {
    RATE_LIMIT_PER_MINUTE: '1000000',
    RESIDENT_RATE_LIMIT_PER_MINUTE: '1000000',
    ALERT_LINK_SECRET: 'hostile-input-ack-link-secret-of-at-least-32-chars',
    // Nothing here is paged (no alert is raised without the consumers); were it, only on loopback.
    OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
    ...options.env,
  });
  const apps: INestApplication[] = [];
  const baseUrl = {} as Record<ServiceName, string>;
  try {
    // One after the other: each migrates the shared database and ensures the shared topics on start.
    for (const service of SERVICES.filter((s) => !options.only || options.only.includes(s.name))) {
      const app = await startService(service.module(loadConfig(service.schema, env)), {
        host: '127.0.0.1',
        port: 0,
        logLevel: 'error',
      });
      apps.push(app);
      baseUrl[service.name] = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    }
  } catch (error) {
    await Promise.all(apps.map((app) => app.close().catch(() => undefined)));
    throw error;
  }
  const apiKey = await environment.registerIntegrator({
    integratorId: 'hostile-hotline',
    name: 'Hostile hotline',
    sites: ['S1'],
  });
  const staffId = 's1-hostile-tester';
  const staffToken = await environment.staffToken({
    staffId,
    name: 'Hostile Tester',
    roles: StaffRoles,
    sites: ['S1'],
  });
  return {
    db: environment.db,
    baseUrl,
    apiKey,
    staffToken,
    staffId,
    stop: async () => {
      for (const app of apps.reverse()) await app.close().catch(() => undefined);
      await environment.remove();
    },
  };
};

/**
 * Tables that change without any request: the relay's checkpoint, the rate limiter's counters, the migrations'
 * record, what sla-timer writes when it starts. Everything else a refused request must leave as it was.
 */
const WRITTEN_WITHOUT_REQUESTS = /^(es_checkpoints|access_rate_limits|schema_migrations|sla_timer_policy_applied)$/;

/** A fingerprint of every table a request could write to: equal fingerprints, nothing written. */
const databaseFingerprint = async (pool: Pool): Promise<Record<string, string>> => {
  const tables = (
    await pool.query<{ table_name: string }>(
      "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    )
  ).rows
    .map((r) => r.table_name)
    .filter((name) => !WRITTEN_WITHOUT_REQUESTS.test(name));
  const sql = tables
    .map((t) => `SELECT '${t}' AS t, md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM ${t} x`)
    .join(' UNION ALL ');
  const { rows } = await pool.query<{ t: string; h: string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.h]));
};

/** The tables whose fingerprint differs. */
const changedTables = (before: Record<string, string>, after: Record<string, string>): string[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((t) => before[t] !== after[t]).sort();

/**
 * Starts watching the database for writes: resolves with a function that answers which tables were written since
 * it was last called (the first time, since the watching began), sorted.
 */
export const watchWrites = async (pool: Pool): Promise<() => Promise<string[]>> => {
  let seen = await databaseFingerprint(pool);
  return async () => {
    const now = await databaseFingerprint(pool);
    const written = changedTables(seen, now);
    seen = now;
    return written;
  };
};
