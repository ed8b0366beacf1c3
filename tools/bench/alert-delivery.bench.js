#!/usr/bin/env node
// Benchmark of breach-to-page (npm run bench:alerts): the five services run as processes on a fresh database and
// fresh topics; a burst of urgent orders is reported so their response deadlines fall within a few seconds of each
// other, and a webhook receiver stands in for the on-call person's pager. For each order, the delay from its
// recorded response breach (breachedAt of closeloop.sla.breached.v1 in its sla-<id> stream) to the arrival of its
// level-1 escalation alert, and alerts delivered per second. Nothing is asserted: figures only. Needs Kafka and
// PostgreSQL from scripts/infra/up.sh and a build.
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, tmpdir } = require('node:os');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const root = join(__dirname, '..', '..');
const { createPool, ensureDatabase, migrate, withDatabase } = require(join(root, 'libs/database/dist'));
const { ensureLocalSigningKey, issueStaffToken } = require(join(root, 'libs/auth/dist'));
const { startStack, stopChildren } = require(join(root, 'scripts/stack.js'));
const { privateStackEnv, registerIntegrator } = require(join(root, 'scripts/private-stack.js'));
const { clearRun, sharedInfrastructure } = require('../shared-infrastructure');
const { percentile, runBench, sleep } = require('./bench-run');
const { call, pageSiteOnReceiver, startWebhookReceiver } = require('./webhook-receiver');

const ORDERS = Number(process.env.BENCH_ORDERS ?? 500);
const IN_FLIGHT = 20;
// Deadlines fall this long after each report, so they are spread over the reporting burst (printed below).
const RESPONSE_SECONDS = 20;
const WAIT_MS = 5 * 60_000;
const PORT_OFFSET = 20_000;
const ISSUER = 'closeloop-bench';
const AUDIENCE = 'closeloop';

const { adminUrl, brokers } = sharedInfrastructure();

const main = async () => {
  if (!adminUrl || !brokers)
    throw new Error('No PostgreSQL or Kafka: run scripts/infra/up.sh or set DATABASE_URL and KAFKA_BROKERS');
  const stamp = Date.now().toString(36);
  const database = `cl_bench_alerts_${stamp}`;
  const prefix = `bench-${stamp}.`;
  const tmp = mkdtempSync(join(tmpdir(), 'closeloop-bench-'));
  const kafka = new Kafka({ clientId: 'bench-alerts', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  await ensureDatabase(adminUrl, database);
  const databaseUrl = withDatabase(adminUrl, database);
  const pool = createPool(databaseUrl, 'bench', 5);
  const receiver = await startWebhookReceiver();
  let services = [];
  try {
    await migrate(pool);
    const { jwksFile } = await ensureLocalSigningKey(tmp);
    const apiKey = await registerIntegrator(pool, 'bench-hotline', 'Bench');
    const supervisor = await issueStaffToken({
      dir: tmp,
      issuer: ISSUER,
      audience: AUDIENCE,
      staffId: 'sup-bench',
      name: 'Bench Supervisor',
      roles: ['supervisor'],
      sites: ['*'],
      ttlSeconds: 3600,
    });
    const policyFile = join(tmp, 'sla-policy.json');
    const slow = { responseSeconds: 3600, resolutionSeconds: 86400, escalationIntervalsSeconds: [600, 600] };
    writeFileSync(
      policyFile,
      JSON.stringify({
        id: 'bench-alerts',
        tiers: {
          urgent: {
            responseSeconds: RESPONSE_SECONDS,
            resolutionSeconds: 3600,
            escalationIntervalsSeconds: [600, 600],
          },
          normal: slow,
          planned: slow,
        },
      }),
    );
    const logDir = join(root, '.local', 'logs', `bench-${stamp}`);
    const startedAt = Date.now();
    services = await startStack({
      env: {
        ...privateStackEnv({ databaseUrl, brokers, prefix, issuer: ISSUER, audience: AUDIENCE, jwksFile }),
        SLA_POLICY_FILE: policyFile,
        TIMER_POLL_MILLIS: '100',
        ALERT_POLL_MILLIS: '100',
        ALERT_RENOTIFY_SECONDS: '0',
        // The bench's webhook receiver is on 127.0.0.1, which the outbound address rule refuses in production.
        OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
      },
      logDir,
      portOffset: PORT_OFFSET,
    });
    console.log(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (logs: ${logDir})`);

    // Level 1 of S1 is one person all day, paged on the receiver.
    await pageSiteOnReceiver({
      notificationUrl: `http://127.0.0.1:${3004 + PORT_OFFSET}`,
      supervisorToken: supervisor,
      siteId: 'S1',
      receiverUrl: receiver.url,
    });

    // The burst: distinct units so no report is linked to another as a duplicate.
    const intake = `http://127.0.0.1:${3001 + PORT_OFFSET}/v1/reports`;
    const orders = [];
    let next = 0;
    const reportingStarted = Date.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < ORDERS) {
          const i = next++;
          const accepted = await call(
            'POST',
            intake,
            { 'x-api-key': apiKey },
            {
              siteId: 'S1',
              building: `B${i % 50}`,
              unit: `U${i}`,
              channel: 'phone',
              description: `Burst pipe in the basement ${i}`,
            },
          );
          if (accepted.tier !== 'urgent') throw new Error(`report ${i} was triaged ${accepted.tier}, not urgent`);
          orders.push(accepted.workOrderId);
        }
      }),
    );
    const reportingSeconds = (Date.now() - reportingStarted) / 1000;
    console.log(
      `reported ${orders.length} urgent orders in ${reportingSeconds.toFixed(1)} s ` +
        `(${Math.round(orders.length / reportingSeconds)}/s, ${IN_FLIGHT} in flight); response deadlines ${RESPONSE_SECONDS} s after each`,
    );

    const wanted = new Set(orders);
    const escalations = () =>
      [...receiver.received.values()].filter(
        (r) => r.kind === 'escalation' && r.level === 1 && wanted.has(r.workOrderId),
      );
    const waitUntil = Date.now() + RESPONSE_SECONDS * 1000 + WAIT_MS;
    while (new Set(escalations().map((r) => r.workOrderId)).size < orders.length && Date.now() < waitUntil)
      await sleep(250);

    const { rows } = await pool.query(
      `SELECT substring(stream_id from 5) AS id, data->>'breachedAt' AS breached_at, data->>'dueAt' AS due_at FROM es_events
       WHERE stream_id = ANY($1::text[]) AND event_type = 'closeloop.sla.breached.v1' AND data->>'target' = 'response'`,
      [orders.map((id) => `sla-${id}`)],
    );
    const breaches = new Map(
      rows.map((r) => [r.id, { breachedAt: Date.parse(r.breached_at), dueAt: Date.parse(r.due_at) }]),
    );
    const arrivals = new Map();
    for (const r of escalations())
      if (!arrivals.has(r.workOrderId) || r.at < arrivals.get(r.workOrderId)) arrivals.set(r.workOrderId, r.at);
    const latencies = [];
    const breachTimes = [];
    for (const [id, at] of arrivals) {
      const breach = breaches.get(id);
      if (!breach) continue;
      latencies.push(at - breach.breachedAt);
      breachTimes.push(breach.breachedAt);
    }
    latencies.sort((a, b) => a - b);
    const lateness = [...breaches.values()].map((b) => b.breachedAt - b.dueAt).sort((a, b) => a - b);

    console.log(
      `orders: ${orders.length}; response breaches recorded: ${breaches.size}; level-1 escalation alerts delivered: ${arrivals.size}`,
    );
    if (lateness.length > 0)
      console.log(
        `(deadline to recorded breach: p50 ${percentile(lateness, 0.5)} ms, max ${lateness[lateness.length - 1]} ms)`,
      );
    if (latencies.length > 0) {
      const spanSeconds = (Math.max(...arrivals.values()) - Math.min(...breachTimes)) / 1000;
      console.log(
        `breach to alert at the webhook: p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, ` +
          `max ${latencies[latencies.length - 1]} ms`,
      );
      console.log(
        `delivery rate: ${(latencies.length / Math.max(spanSeconds, 0.001)).toFixed(1)} alerts/s ` +
          `(${latencies.length} from the first breach to the last arrival, ${spanSeconds.toFixed(1)} s)`,
      );
    }
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Kafka, PostgreSQL and the five services all on it`,
    );
  } finally {
    await stopChildren(services);
    await receiver.close();
    await pool.end();
    await clearRun({ adminUrl, kafka, database, prefix });
    rmSync(tmp, { recursive: true, force: true });
  }
};

runBench(main);
