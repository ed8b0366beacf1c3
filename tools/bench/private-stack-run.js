// How the benches that run services as processes set up and clear up (bench:intake, bench:e2e, bench:read): a fresh
// database and topic prefix on the shared broker and PostgreSQL, a staff-token key of their own, the services on a
// port offset clear of everything else, and afterwards nothing left behind, whatever happened.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const root = join(__dirname, '..', '..');
const { createPool, ensureDatabase, migrate, withDatabase } = require(join(root, 'libs/database/dist'));
const { ensureLocalSigningKey, issueStaffToken } = require(join(root, 'libs/auth/dist'));
const { startStack, stopChildren } = require(join(root, 'scripts/stack.js'));
const { privateStackEnv, registerIntegrator } = require(join(root, 'scripts/private-stack.js'));
const { clearRun, sharedInfrastructure } = require('../shared-infrastructure');

const ISSUER = 'closeloop-bench';
const AUDIENCE = 'closeloop';

/**
 * Runs `work` against services started on a database and topics of their own. `prepare(pool)` runs after the
 * migrations and before the services start (loading rows they should find); `only` names the services to start
 * (all by default); `env` adds settings. `work` gets the pool, the started services, the base URL of each service,
 * an integrator key allowed everything, and `staffToken(person)` for staff calls.
 */
const withPrivateStack = async ({ label, portOffset, only, env = {}, poolSize = 4, prepare }, work) => {
  const { adminUrl, brokers } = sharedInfrastructure();
  if (!adminUrl || !brokers)
    throw new Error('No PostgreSQL or Kafka: run scripts/infra/up.sh or set DATABASE_URL and KAFKA_BROKERS');
  const stamp = Date.now().toString(36);
  const keys = mkdtempSync(join(tmpdir(), `closeloop-bench-${label}-`));
  const database = `cl_bench_${label.replace(/-/g, '_')}_${stamp}`;
  const prefix = `bench-${label}-${stamp}.`;
  const logDir = join(root, '.local', 'logs', `bench-${label}-${stamp}`);
  await ensureDatabase(adminUrl, database);
  const databaseUrl = withDatabase(adminUrl, database);
  const pool = createPool(databaseUrl, 'bench', poolSize);
  let services = [];
  try {
    const { jwksFile } = await ensureLocalSigningKey(keys);
    await migrate(pool);
    const apiKey = await registerIntegrator(pool, 'bench-hotline', 'Bench');
    if (prepare) await prepare(pool);
    services = await startStack({
      env: {
        ...privateStackEnv({ databaseUrl, brokers, prefix, issuer: ISSUER, audience: AUDIENCE, jwksFile }),
        ...env,
      },
      logDir,
      portOffset,
      only,
      // Six services starting at once on a busy 2-core host took over two minutes (2026-12-05, load average 45).
      timeoutMs: 300_000,
    });
    const urls = Object.fromEntries(services.map((s) => [s.name, `http://127.0.0.1:${s.port}`]));
    const staffToken = ({ staffId, roles, sites }) =>
      issueStaffToken({
        dir: keys,
        issuer: ISSUER,
        audience: AUDIENCE,
        staffId,
        name: staffId,
        roles,
        sites,
        ttlSeconds: 3600,
      });
    return await work({ pool, services, urls, apiKey, staffToken, logDir });
  } finally {
    await stopChildren(services);
    await pool.end();
    const kafka = new Kafka({
      clientId: `bench-${label}-cleanup`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    await clearRun({ adminUrl, kafka, database, prefix });
    rmSync(keys, { recursive: true, force: true });
  }
};

module.exports = { withPrivateStack };
