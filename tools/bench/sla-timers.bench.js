#!/usr/bin/env node
// Benchmark of the SLA timers (npm run bench:sla): a million pending timers in PostgreSQL, of which a burst all fall
// due at the same instant (every urgent order reported at 09:00 is due at 11:00), with sla-timer and notification
// running as processes on a database and topics of their own. sla-timer claims and fires the timers (each firing
// decides on the order's SLA stream and appends the breach and its escalation) and relays the events; notification
// raises each order's escalation alert and pages the site's on-call person on a webhook this bench receives. Prints
// one JSON line: the delay from deadline to recorded breach and from deadline to page received (p50, p99, max; null
// when beyond the wait), and breaches recorded and pages received per second. Storm digests are off
// (ALERT_STORM_THRESHOLD=0), so every breach is paged on its own. Nothing is asserted: figures only. Needs Kafka and
// PostgreSQL from scripts/infra/up.sh and a build.
'use strict';
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir } = require('node:os');
const { join } = require('node:path');
const root = join(__dirname, '..', '..');
const { BEGIN_APPENDING_SQL } = require(join(root, 'libs/event-store/dist'));
const { roundTheClockSlaTiers } = require(join(root, 'libs/testing/dist/sla-tiers'));
const { percentile, runBench, sleep } = require('./bench-run');
const { withPrivateStack } = require('./private-stack-run');
const { pageSiteOnReceiver, startWebhookReceiver } = require('./webhook-receiver');

const PENDING = Number(process.env.BENCH_PENDING_TIMERS ?? 1_000_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
// Ports 18001-18006 and 24101-24106: below the ephemeral range, where an outgoing connection can hold a port.
const PORT_OFFSET = 15_000;
const SITE = 'S1';
// After the burst is due, how long the bench waits for the last page before it reports what arrived.
const WAIT_MS = 120_000 + BURST * 10;
const UNTIL = process.env.BENCH_UNTIL ?? 'pages';

const rounded = (value) => (Number.isFinite(value) ? Math.round(value) : null);
const perSecond = (count, fromMs, toMs) => (count > 1 ? Math.round((count * 1000) / Math.max(toMs - fromMs, 1)) : null);

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
    await client.query(`INSERT INTO es_streams (stream_id, version) SELECT 'sla-' || id, 1 FROM burst`);
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

const main = async () => {
  const receiver = await startWebhookReceiver();
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
        },
        poolSize: 4,
        prepare: loadLaterTimers,
      },
      async ({ pool, urls, staffToken, logDir }) => {
        await pageSiteOnReceiver({
          notificationUrl: urls.notification,
          supervisorToken: await staffToken({ staffId: 'sup-bench', roles: ['supervisor'], sites: ['*'] }),
          siteId: SITE,
          receiverUrl: receiver.url,
        });
        const setupStarted = Date.now();
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
            target: { deadlineToPageP99Ms: 5000 },
            logs: logDir,
          }),
        );
      },
    );
  } finally {
    await receiver.close();
    rmSync(tmp, { recursive: true, force: true });
  }
};

runBench(main);
