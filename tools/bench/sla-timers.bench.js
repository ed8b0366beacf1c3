#!/usr/bin/env node
// Benchmark of the SLA timers (npm run bench:sla): a million pending timers in PostgreSQL, of which a burst all
// fall due at the same instant (every urgent order reported at 09:00 is due at 11:00). Two firing loops, as two
// sla-timer instances would run, claim and fire them; each firing decides on the order's SLA stream and appends
// the breach and its escalation. Prints the delay from deadline to recorded breach (p50, p99, max) and breaches
// recorded per second. Nothing is asserted: figures only. Needs the database from scripts/infra/up.sh and a build.
'use strict';
const { join } = require('node:path');
const root = join(__dirname, '..', '..');
const { BEGIN_APPENDING_SQL, PostgresEventStore } = require(join(root, 'libs/event-store/dist'));
const { WorkOrderCommands } = require(join(root, 'libs/work-order-application/dist'));
const { SlaPolicySchema } = require(join(root, 'libs/sla-domain/dist'));
const { roundTheClockSlaTiers } = require(join(root, 'libs/testing/dist/sla-tiers'));
const { TimerStore } = require(join(root, 'apps/sla-timer/dist/callback-timers/timer-store'));
const { TimerFiringService } = require(join(root, 'apps/sla-timer/dist/callback-timers/timer-firing.service'));
const { SlaClockService } = require(join(root, 'apps/sla-timer/dist/start-clock/sla-clock.service'));
const { runBench, sleep, withBenchDatabase } = require('./bench-run');

const PENDING = Number(process.env.BENCH_PENDING_TIMERS ?? 1_000_000);
const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 2);

// Every order here is urgent (30 min and 2 h, as the targets written below say); the tiers are the SLA specs' own.
const policy = SlaPolicySchema.parse({ id: 'bench', tiers: roundTheClockSlaTiers });

const main = () =>
  withBenchDatabase('sla', 20, async (pool) => {
    const setupStarted = Date.now();
    // The burst: orders whose response deadline is one instant a little ahead, each with its SLA stream.
    const due = new Date(Date.now() + 20_000 + BURST / 2);
    const dueIso = due.toISOString();
    const startedIso = new Date(due.getTime() - 1_800_000).toISOString();
    // Written in one statement for speed, so it marks itself as an appender as the event store does.
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(BEGIN_APPENDING_SQL);
      await writer.query(
        `WITH orders AS (SELECT gen_random_uuid() AS id FROM generate_series(1, $1::int)),
              streams AS (INSERT INTO es_streams (stream_id, version) SELECT 'sla-' || id, 1 FROM orders RETURNING stream_id)
         INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata)
         SELECT 'sla-' || id, 1, gen_random_uuid(), 'closeloop.sla.targets-set.v1',
                jsonb_build_object('workOrderId', id, 'tier', 'urgent', 'policyId', 'bench', 'startedAt', $2::text,
                                   'responseDueAt', $3::text, 'resolutionDueAt', $4::text),
                jsonb_build_object('workOrderId', id, 'correlationId', 'bench', 'causationId', 'bench-' || id,
                                   'actor', jsonb_build_object('kind', 'system', 'id', 'bench'), 'producer', 'bench')
         FROM orders`,
        [BURST, startedIso, dueIso, new Date(due.getTime() + 5_400_000).toISOString()],
      );
      await writer.query('COMMIT');
    } finally {
      writer.release();
    }
    await pool.query(
      `INSERT INTO sla_timer_timers (timer_id, work_order_id, kind, round, due_at)
       SELECT gen_random_uuid(), (data->>'workOrderId')::uuid, 'sla:response:breach@' || $1::text, 0, $2::timestamptz
       FROM es_events WHERE event_type = 'closeloop.sla.targets-set.v1'`,
      [dueIso, due],
    );
    // The rest: pending timers spread over the coming month, which the claimer must step over cheaply.
    await pool.query(
      `INSERT INTO sla_timer_timers (timer_id, work_order_id, kind, round, due_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'sla:resolution:breach@later', 0, now() + (n % 2592000 + 3600) * interval '1 second'
       FROM generate_series(1, $1::int) AS n`,
      [PENDING - BURST],
    );
    await pool.query('ANALYZE sla_timer_timers');
    const { rows: counted } = await pool.query('SELECT count(*)::int AS n FROM sla_timer_timers');
    console.log(
      `setup: ${counted[0].n.toLocaleString('en')} pending timers, ` +
        `${BURST.toLocaleString('en')} of them due at ${dueIso}, in ${((Date.now() - setupStarted) / 1000).toFixed(1)} s`,
    );

    const store = new PostgresEventStore(pool);
    const timers = new TimerStore(pool);
    const clocks = new SlaClockService(store, policy, timers);
    const config = { TIMER_POLL_MILLIS: 100, CALLBACK_AFTER_SECONDS: 86400, CLOSE_UNCONFIRMED_AFTER_SECONDS: 259200 };
    const clock = { now: () => new Date() };
    const loops = Array.from(
      { length: INSTANCES },
      () => new TimerFiringService(timers, new WorkOrderCommands(store), clock, config, clocks),
    );
    loops.forEach((loop) => loop.onApplicationBootstrap());

    const deadline = Date.now() + 30_000 + (due.getTime() - Date.now()) + BURST * 20;
    for (;;) {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM es_events WHERE event_type = 'closeloop.sla.breached.v1'`,
      );
      if (rows[0].n >= BURST || Date.now() > deadline) break;
      await sleep(250);
    }
    await Promise.all(loops.map((loop) => loop.onApplicationShutdown()));

    const { rows: stats } = await pool.query(
      `SELECT count(*)::int AS fired,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY lateness) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY lateness) AS p99,
              max(lateness) AS worst,
              extract(epoch FROM max(recorded_at) - min(recorded_at)) AS spread
       FROM (SELECT recorded_at, extract(epoch FROM recorded_at - $1::timestamptz) * 1000 AS lateness
             FROM es_events WHERE event_type = 'closeloop.sla.breached.v1') AS b`,
      [due],
    );
    const s = stats[0];
    const { rows: twice } = await pool.query(
      `SELECT count(*)::int AS n FROM (
         SELECT stream_id FROM es_events WHERE event_type = 'closeloop.sla.breached.v1'
         GROUP BY stream_id HAVING count(*) > 1
       ) AS d`,
    );
    console.log(
      `fired: ${s.fired.toLocaleString('en')} of ${BURST.toLocaleString('en')} breaches with ${INSTANCES} firing loops; orders breached twice: ${twice[0].n}`,
    );
    console.log(
      `deadline to recorded breach: p50 ${Math.round(s.p50)} ms, p99 ${Math.round(s.p99)} ms, max ${Math.round(s.worst)} ms`,
    );
    console.log(
      `throughput: ${Math.round(s.fired / Math.max(Number(s.spread), 0.001)).toLocaleString('en')} ` +
        `breaches recorded per second (each with its escalation and next timer)`,
    );
  });

runBench(main);
