#!/usr/bin/env node
// Benchmark of the SLA timers (npm run bench:sla): a million pending timers in PostgreSQL, of which a burst all fall
// due at the same instant (every urgent order reported at 09:00 is due at 11:00), with sla-timer and notification
// running as processes on a database and topics of their own. sla-timer claims and fires the timers (each firing
// decides on the order's SLA stream and appends the breach and its escalation) and relays the events; notification
// raises each order's escalation alert and pages the site's on-call person on a webhook this bench receives. Prints
// one JSON line: the delay from deadline to recorded breach and from deadline to page received (p50, p99, max; null
// when beyond the wait), and breaches recorded and pages received per second. Storm digests are off
// (ALERT_STORM_THRESHOLD=0), so every breach is paged on its own. Where a page's time goes: deadline→escalation
// recorded (sla-timer), →alert raised (relay, Kafka, notification's consumer), →attempt recorded (the delivery
// worker's send and its record), p50 and p99 each. Nothing is asserted: figures only. Needs Kafka and PostgreSQL from
// scripts/infra/up.sh and a build. Profile mode: BENCH_CPU_PROFILE=<dir> preloads tools/bench/service-profile.js into
// both services (a CPU profile from the burst's loading on, and their statements by kind) and prints a summary of each
// and notification's statements per page.
'use strict';
const { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const root = join(__dirname, '..', '..');
const { BEGIN_APPENDING_SQL } = require(join(root, 'libs/event-store/dist'));
const { roundTheClockSlaTiers } = require(join(root, 'libs/testing/dist/sla-tiers'));
const { percentile, runBench, sleep } = require('./bench-run');
const { withPrivateStack } = require('./private-stack-run');
const { pageSiteOnReceiver, startWebhookReceiver } = require('./webhook-receiver');
const { profilesIn, summarise } = require('./cpu-profile-summary');

const PENDING = Number(process.env.BENCH_PENDING_TIMERS ?? 1_000_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
// Ports 18001-18006 and 24101-24106: below the ephemeral range, where an outgoing connection can hold a port.
const PORT_OFFSET = 15_000;
const SITE = 'S1';
// After the burst is due, how long the bench waits for the last page before it reports what arrived.
const WAIT_MS = 120_000 + BURST * 10;
const UNTIL = process.env.BENCH_UNTIL ?? 'pages';
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;
const profileEnv = () => {
  if (!PROFILE_DIR) return {};
  mkdirSync(PROFILE_DIR, { recursive: true });
  return { NODE_OPTIONS: `--require ${join(__dirname, 'service-profile.js')}`, BENCH_PROFILE_DIR: PROFILE_DIR };
};
/** How many of notification's statements the profile line names. */
const TOP_STATEMENTS = 12;

const rounded = (value) => (Number.isFinite(value) ? Math.round(value) : null);
const perSecond = (count, fromMs, toMs) => (count > 1 ? Math.round((count * 1000) / Math.max(toMs - fromMs, 1)) : null);

/** Each order's first event of `type` (by its metadata's order), as epoch milliseconds of its recording. */
const firstRecordedOf = async (pool, type) => {
  const { rows } = await pool.query(
    `SELECT metadata->>'workOrderId' AS id, (extract(epoch FROM min(recorded_at)) * 1000)::float8 AS at
     FROM es_events WHERE event_type = $1 GROUP BY 1`,
    [type],
  );
  return new Map(rows.map((r) => [r.id, r.at]));
};

/** The pending timers that are not due during the run, spread over the coming month: the claimer steps over them. */
const loadLaterTimers = async (pool) => {
  await pool.query(
    `INSERT INTO sla_timer_timers (timer_id, work_order_id, kind, round, due_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'sla:resolution:breach@later', 0, now() + (n % 2592000 + 3600) * interval '1 second'
     FROM generate_series(1, $1::int) AS n`,
    [PENDING - BURST],
  );
  await pool.query('ANALYZE sla_timer_timers');
};

/**
 * The burst, due at `due`: orders whose response deadline is that instant, each with its SLA stream, its breach timer
 * and notification's facts about it (what the alert says), written directly for speed. The stream is written in one
 * statement, so it marks itself as an appender as the event store does.
 */
const loadBurst = async (pool, due) => {
  const dueIso = due.toISOString();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(BEGIN_APPENDING_SQL);
    await client.query(
      `CREATE TEMPORARY TABLE burst ON COMMIT DROP AS
       SELECT gen_random_uuid() AS id, n FROM generate_series(1, $1::int) AS n`,
      [BURST],
    );
    await client.query(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata)
       SELECT 'sla-' || id, 1, gen_random_uuid(), 'closeloop.sla.targets-set.v1',
              jsonb_build_object('workOrderId', id, 'tier', 'urgent', 'policyId', 'bench', 'startedAt', $1::text,
                                 'responseDueAt', $2::text, 'resolutionDueAt', $3::text),
              jsonb_build_object('workOrderId', id, 'correlationId', 'bench', 'causationId', 'bench-' || id,
                                 'actor', jsonb_build_object('kind', 'system', 'id', 'bench'), 'producer', 'bench')
       FROM burst`,
      [new Date(due.getTime() - 1_800_000).toISOString(), dueIso, new Date(due.getTime() + 5_400_000).toISOString()],
    );
    await client.query(
      `INSERT INTO sla_timer_timers (timer_id, work_order_id, kind, round, due_at)
       SELECT gen_random_uuid(), id, 'sla:response:breach@' || $1::text, 0, $2::timestamptz FROM burst`,
      [dueIso, due],
    );
    await client.query(
      `INSERT INTO notification_order_facts (work_order_id, number, site_id, building, unit, category, tier, description,
                                             status, sla_status, response_due_at, resolution_due_at)
       SELECT id, 'BENCH-' || n, $1, 'B' || (n % 50), 'U' || n, 'plumbing', 'urgent', 'Burst pipe in the basement ' || n,
              'assigned', 'running', $2::text, $3::text
       FROM burst`,
      [SITE, dueIso, new Date(due.getTime() + 5_400_000).toISOString()],
    );
    const { rows } = await client.query('SELECT id::text FROM burst');
    await client.query('COMMIT');
    await client.query('ANALYZE sla_timer_timers');
    return rows.map((r) => r.id);
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
};

/** Profile mode: each service's CPU profile summarised, and notification's statements per page by kind. */
const printProfiles = (names) => {
  for (const profile of summarise(profilesIn([PROFILE_DIR]), { names, topN: 15 }))
    console.log(JSON.stringify({ bench: 'sla', profile }));
  for (const file of readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.json'))) {
    const service = names.get(Number(file.replace('.json', '')));
    const { statements, transactions, byStatement } = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8'));
    const perPage = (n) => Number((n / BURST).toFixed(2));
    console.log(
      JSON.stringify({
        bench: 'sla',
        service,
        statementsPerPage: perPage(statements),
        transactionsPerPage: perPage(transactions),
        topStatementsPerPage: Object.entries(byStatement)
          .sort((a, b) => b[1] - a[1])
          .slice(0, TOP_STATEMENTS)
          .map(([statement, n]) => ({ statement, perPage: perPage(n) })),
      }),
    );
  }
};

const main = async () => {
  const receiver = await startWebhookReceiver();
  const names = new Map();
  const tmp = mkdtempSync(join(tmpdir(), 'closeloop-bench-sla-'));
  const policyFile = join(tmp, 'sla-policy.json');
  writeFileSync(policyFile, JSON.stringify({ id: 'bench', tiers: roundTheClockSlaTiers }));
  try {
    await withPrivateStack(
      {
        label: 'sla',
        portOffset: PORT_OFFSET,
        only: ['sla-timer', 'notification'],
        env: {
          SLA_POLICY_FILE: policyFile,
          TIMER_POLL_MILLIS: '100',
          ALERT_POLL_MILLIS: '100',
          ALERT_RENOTIFY_SECONDS: '0',
          ALERT_STORM_THRESHOLD: '0',
          // The bench's webhook receiver is on 127.0.0.1, which the outbound address rule refuses in production.
          OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
          ...profileEnv(),
        },
        poolSize: 4,
        prepare: loadLaterTimers,
      },
      async ({ pool, services, urls, staffToken, logDir }) => {
        for (const s of services) names.set(s.child.pid, s.name);
        await pageSiteOnReceiver({
          notificationUrl: urls.notification,
          supervisorToken: await staffToken({ staffId: 'sup-bench', roles: ['supervisor'], sites: ['*'] }),
          siteId: SITE,
          receiverUrl: receiver.url,
        });
        const setupStarted = Date.now();
        if (PROFILE_DIR) writeFileSync(join(PROFILE_DIR, 'started'), new Date().toISOString());
        // Far enough ahead that the burst is loaded before it is due, whatever the machine's load.
        const due = new Date(Date.now() + 15_000 + BURST * 2);
        const orders = await loadBurst(pool, due);
        const loadedAt = Date.now();
        if (loadedAt >= due.getTime()) throw new Error('the burst took longer to load than its deadline allowed');
        const loadAverageAtDeadline = await sleep(due.getTime() - loadedAt).then(() => loadavg());

        const wanted = new Set(orders);
        const pages = () => {
          const first = new Map();
          for (const r of receiver.received.values())
            if (
              r.kind === 'escalation' &&
              r.level === 1 &&
              wanted.has(r.workOrderId) &&
              !(first.get(r.workOrderId) <= r.at)
            )
              first.set(r.workOrderId, r.at);
          return first;
        };
        const waitUntil = due.getTime() + WAIT_MS;
        const breachCount = async () =>
          (await pool.query(`SELECT count(*)::int AS n FROM es_events WHERE event_type = 'closeloop.sla.breached.v1'`))
            .rows[0].n;
        // BENCH_UNTIL=breaches ends the wait once every breach is recorded (the timers alone, when time is short).
        const done = async () =>
          UNTIL === 'breaches' ? (await breachCount()) >= orders.length : pages().size >= orders.length;
        while (!(await done()) && Date.now() < waitUntil) await sleep(250);

        const { rows: breaches } = await pool.query(
          `SELECT (extract(epoch FROM recorded_at) * 1000)::float8 AS at FROM es_events
           WHERE event_type = 'closeloop.sla.breached.v1' ORDER BY recorded_at`,
        );
        const { rows: twice } = await pool.query(
          `SELECT count(*)::int AS n FROM (
             SELECT stream_id FROM es_events WHERE event_type = 'closeloop.sla.breached.v1'
             GROUP BY stream_id HAVING count(*) > 1) AS d`,
        );
        const recordedAt = breaches.map((r) => r.at);
        const pagedAt = [...pages().values()].sort((a, b) => a - b);
        // An order whose breach or page had not come by the end of the wait counts as later than every other, so a
        // percentile it reaches prints null (beyond the wait) rather than a figure over the early ones alone.
        const latenesses = (times) => [
          ...times.map((at) => at - due.getTime()),
          ...Array.from({ length: Math.max(0, BURST - times.length) }, () => Infinity),
        ];
        const toBreach = latenesses(recordedAt);
        const toPage = latenesses(pagedAt);
        // Where a page's time goes: each order's escalation, its alert's raise and first attempt, from the deadline.
        const stage = async (type) => {
          const at = await firstRecordedOf(pool, type);
          const toStage = latenesses(orders.flatMap((id) => (at.has(id) ? [at.get(id)] : [])).sort((a, b) => a - b));
          return { p50Ms: rounded(percentile(toStage, 0.5)), p99Ms: rounded(percentile(toStage, 0.99)) };
        };
        const stages = {
          escalationRecorded: await stage('closeloop.sla.escalated.v1'),
          alertRaised: await stage('closeloop.alert.raised.v1'),
          attemptRecorded: await stage('closeloop.alert.delivery-attempted.v1'),
          pageReceived: { p50Ms: rounded(percentile(toPage, 0.5)), p99Ms: rounded(percentile(toPage, 0.99)) },
        };
        console.log(
          JSON.stringify({
            bench: 'sla',
            machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`,
            loadAverageAtDeadline: loadAverageAtDeadline.map((l) => Number(l.toFixed(1))),
            note: 'sla-timer (one instance) and notification as processes, Kafka, PostgreSQL and this bench on the machine',
            pendingTimers: PENDING,
            burst: BURST,
            setupSeconds: Number(((loadedAt - setupStarted) / 1000).toFixed(1)),
            breachesRecorded: recordedAt.length,
            ordersBreachedTwice: twice[0].n,
            pagesReceived: pagedAt.length,
            deadlineToBreachP50Ms: rounded(percentile(toBreach, 0.5)),
            deadlineToBreachP99Ms: rounded(percentile(toBreach, 0.99)),
            deadlineToBreachMaxMs: rounded(toBreach.at(-1)),
            deadlineToPageP50Ms: rounded(percentile(toPage, 0.5)),
            deadlineToPageP99Ms: rounded(percentile(toPage, 0.99)),
            deadlineToPageMaxMs: rounded(toPage.at(-1)),
            waitedSeconds: Math.round(WAIT_MS / 1000),
            breachesPerSecond: perSecond(recordedAt.length, recordedAt[0], recordedAt.at(-1)),
            pagesPerSecond: perSecond(pagedAt.length, pagedAt[0], pagedAt.at(-1)),
            deadlineTo: stages,
            target: { deadlineToPageP99Ms: 5000 },
            logs: logDir,
          }),
        );
      },
    );
    // The services wrote their profiles and statement counts as they stopped, which withPrivateStack waited for.
    if (PROFILE_DIR) printProfiles(names);
  } finally {
    await receiver.close();
    rmSync(tmp, { recursive: true, force: true });
  }
};

runBench(main);
