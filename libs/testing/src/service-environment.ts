import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ensureLocalSigningKey,
  IntegratorKeyStore,
  IntegratorRegistration,
  issueStaffToken,
  StaffRole,
} from '@closeloop/auth';
import {
  deleteTopicsWithPrefix,
  freshDatabase,
  infrastructure,
  repositoryRoot,
  TestDatabase,
  testKafka,
  uniqueTopicPrefix,
} from './infrastructure';

const AUDIENCE = 'closeloop';

/** An integrator a test registers: who it is and the sites it reports for. It follows every event type. */
export type TestIntegrator = Omit<IntegratorRegistration, 'eventTypes'>;

/**
 * What services under test share and nobody else sees: a fresh database, a topic prefix, and a staff-token signing
 * key whose JWKS file they are pointed at.
 */
export interface ServiceEnvironment {
  readonly db: TestDatabase;
  readonly prefix: string;
  /** The variables every service reads to find the above: DATABASE_URL, KAFKA_*, STAFF_TOKEN_*, STAFF_JWKS_FILE. */
  readonly env: Readonly<Record<string, string>>;
  /** The signing key's folder, the issuer and audience its tokens carry, for a client that issues its own. */
  readonly staffKeys: { readonly dir: string; readonly issuer: string; readonly audience: string };
  /** A signed staff token, valid for an hour; named by the staff id unless told otherwise. */
  staffToken(staff: {
    readonly staffId: string;
    readonly name?: string;
    readonly roles: readonly StaffRole[];
    readonly sites: readonly string[];
  }): Promise<string>;
  /** Registers an integrator in the database, as `npm run admin` would; resolves with its API key. */
  registerIntegrator(integrator: TestIntegrator): Promise<string>;
  /** Deletes the topics, drops the database and the signing key. */
  remove(): Promise<void>;
}

export const startServiceEnvironment = async (label: string, issuer: string): Promise<ServiceEnvironment> => {
  const prefix = uniqueTopicPrefix(label);
  const db = await freshDatabase(label.replace(/-/g, '_'));
  const keysDir = mkdtempSync(join(tmpdir(), `closeloop-${label}-keys-`));
  const { jwksFile } = await ensureLocalSigningKey(keysDir);
  return {
    db,
    prefix,
    env: {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: infrastructure().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      STAFF_TOKEN_ISSUER: issuer,
      STAFF_TOKEN_AUDIENCE: AUDIENCE,
      STAFF_JWKS_FILE: jwksFile,
      RESIDENT_SECRET: randomBytes(32).toString('hex'),
      // Where residents' status links point (the console's resident page); a stack's own console sets its port.
      RESIDENT_LINK_BASE_URL: 'http://127.0.0.1:3006/r/',
    },
    staffKeys: { dir: keysDir, issuer, audience: AUDIENCE },
    staffToken: ({ staffId, name = staffId, roles, sites }) =>
      issueStaffToken({ dir: keysDir, issuer, audience: AUDIENCE, staffId, name, roles, sites, ttlSeconds: 3600 }),
    registerIntegrator: async (integrator) =>
      (await new IntegratorKeyStore(db.pool, () => new Date()).register({ ...integrator, eventTypes: ['*'] })).apiKey,
    remove: async () => {
      await deleteTopicsWithPrefix(testKafka(`${label}-cleanup`), prefix).catch(() => undefined);
      await db.drop();
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
};

/**
 * The configuration of a service started in this process (startService, on a free port) in an environment: quiet,
 * on loopback, with the repository's rule, roster and policy files. PORT only satisfies the schema: runService
 * listens on it, startService is given its own.
 */
export const inProcessServiceEnv = (
  environment: ServiceEnvironment,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string | undefined> => ({
  ...process.env,
  ...environment.env,
  PORT: '3000',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'error',
  TRIAGE_RULES_FILE: resolve(repositoryRoot, 'config/triage-rules.json'),
  PRIORITY_LANE_FILE: resolve(repositoryRoot, 'config/priority-lane.json'),
  ROSTER_FILE: resolve(repositoryRoot, 'config/roster.json'),
  SLA_POLICY_FILE: resolve(repositoryRoot, 'config/sla-policy.json'),
  RESIDENT_NOTIFICATIONS_FILE: resolve(repositoryRoot, 'config/resident-notifications.json'),
  RESIDENT_LINK_BASE_URL: 'http://127.0.0.1:3006/r/',
  ...overrides,
});
