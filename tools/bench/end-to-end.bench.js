#!/usr/bin/env node
// Benchmark of the whole pipeline (npm run bench:e2e, and a part of npm run bench): the five services run as
// processes on a fresh database and fresh topics, and reports are offered open loop through intake's HTTP API with
// one integrator key (rate limit lifted) at fixed rates, then at rates searched for the highest one where
// intake→assigned p99 stays under the target and the backlog does not grow. For each rate it prints one JSON line:
// offered and accepted reports/s, end-to-end reports/s (orders routed, over the span from the phase's first report
// to its last routing), HTTP p50/p99 of the accepted reports, intake→assigned p50/p99 (the store's commit times of
// the report and of the routing), the p99 from report to visible in the query service's read model, the backlog
// left at the end, each service's CPU share and peak RSS, the database transactions committed per accepted report
// (every service's, from pg_stat_database: what round trips that write cost), the CPU milliseconds a report cost
// each part of the machine (the services, PostgreSQL, the Kafka broker, this generator, the rest: two cores give
// 2,000 ms a second, which bounds the rate) and the load average, since the machine may be shared. Nothing is asserted: figures only. Needs Kafka and PostgreSQL from scripts/infra/up.sh and
// a build.
//
// Knobs: BENCH_RATES (comma-separated, default 50,100,300,1000), BENCH_PHASE_SECONDS (20), BENCH_SEARCH_STEPS (3),
// BENCH_TARGET_P99_MS (250). Profile mode: BENCH_CPU_PROFILE=<dir> preloads tools/bench/service-profile.js into every
// service (NODE_OPTIONS, which does not take `--cpu-prof` itself): it CPU-profiles the service from the moment the
// stack is up until it stops (one <pid>.cpuprofile per service in <dir>) and counts its PostgreSQL statements and
// transactions. Each phase's line then also gives those per accepted report and service (and each service's most
// frequent statements, per report), and after the stack stops
// one line per service gives its top functions and code origins by self time (tools/bench/cpu-profile-summary.js
// reads the same files on its own). Profiling costs CPU: compare figures of one mode only.
'use strict';
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { cpus, loadavg } = require('node:os');
const { join, resolve } = require('node:path');
const { percentile, runBench, sleep } = require('./bench-run');
const { cpuSecondsOf, offer, rssMegabytesOf } = require('./load');
const { cpuSecondsBetween, cpuSecondsByPid, machineBusySeconds } = require('./load'); // the machine's other parts
const { withPrivateStack } = require('./private-stack-run');
const { profilesIn, summarise } = require('./cpu-profile-summary');

const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;
const profileEnv = () => {
  if (!PROFILE_DIR) return {};
  mkdirSync(PROFILE_DIR, { recursive: true });
  return {
    NODE_OPTIONS: `--require ${join(__dirname, 'service-profile.js')}`,
    BENCH_PROFILE_DIR: PROFILE_DIR,
  };
};

/** How many of each service's statements a phase line names (profile mode). */
const TOP_STATEMENTS = 8;
/** How long a service may take to answer SIGUSR2 before its counts are given as unknown (a busy host is slow). */
const COUNTS_WAIT_MS = 10_000;

/**
 * Each service's PostgreSQL counts so far (profile mode), by name: asked for with SIGUSR2, which service-profile.js
 * answers by writing them. The last answer is removed first, so only this one counts: on a loaded host a service may
 * take seconds to answer, and reading its previous counts (or none, before its first answer) left a phase without
 * figures.
 */
const roundTripsOf = async (services) => {
  const fileOf = (s) => join(PROFILE_DIR, `${s.child.pid}.json`);
  for (const s of services) {
    rmSync(fileOf(s), { force: true });
    process.kill(s.child.pid, 'SIGUSR2');
  }
  for (let waited = 0; waited < COUNTS_WAIT_MS && !services.every((s) => existsSync(fileOf(s))); waited += 100)
    await sleep(100);
  return new Map(
    services.map((s) => {
      try {
        return [s.name, JSON.parse(readFileSync(fileOf(s), 'utf8'))];
      } catch {
        return [s.name, { statements: NaN, transactions: NaN }];
      }
    }),
  );
};

const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 20);
const RATES = (process.env.BENCH_RATES ?? '50,100,300,1000').split(',').map(Number);
/** The search's bound: intake→assigned p99 under this many milliseconds, and no growing backlog. */
const TARGET_P99_MS = Number(process.env.BENCH_TARGET_P99_MS ?? 250);
const SEARCH_STEPS = Number(process.env.BENCH_SEARCH_STEPS ?? 3);
/** How long after a phase the pipeline may take to route what it accepted before the rest counts as backlog. */
const SETTLE_MS = 5_000;
// Clear of the demo (3001..), the e2e tests (+10000), bench:alerts (+20000) and bench:intake (+30000).
const PORT_OFFSET = 40_000;

/**
 * What the store and the read model say about the orders accepted in a phase: when each was reported and routed
 * (commit times, one clock), and when the query service first wrote it.
 */
const pipelineTimes = async (pool, workOrderIds) => {
  const { rows } = await pool.query(
    `SELECT o.id,
            (SELECT min(recorded_at) FROM es_events e WHERE e.stream_id = 'workorder-' || o.id
               AND e.event_type = 'closeloop.workorder.reported.v1') AS reported_at,
            (SELECT min(recorded_at) FROM es_events e WHERE e.stream_id = 'workorder-' || o.id
               AND e.event_type IN ('closeloop.workorder.assigned.v1', 'closeloop.workorder.queued-for-dispatch.v1')) AS routed_at,
            (SELECT min(changed_at) FROM query_order_changes c WHERE c.work_order_id = o.id) AS visible_at
     FROM unnest($1::uuid[]) AS o(id)`,
    [workOrderIds],
  );
  return rows;
};

/** Transactions committed in the bench's database so far (PostgreSQL's statistics lag by up to a second). */
const committedTransactions = async (pool) =>
  Number(
    (await pool.query('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()')).rows[0]
      .xact_commit,
  );

const isPostgres = (cmdline) => cmdline.startsWith('postgres') || cmdline.includes('/bin/postgres');
const isKafkaBroker = (cmdline) => cmdline.includes('kafka.Kafka');

/** CPU time of every part of the machine so far: where a report's cost goes, beyond the services' own. */
const cpuReading = (services) => ({
  machine: machineBusySeconds(),
  postgres: cpuSecondsByPid(isPostgres),
  kafka: cpuSecondsByPid(isKafkaBroker),
  generator: process.cpuUsage(),
  services: new Map(services.map((s) => [s.name, cpuSecondsOf(s.child.pid)])),
});

/**
 * CPU milliseconds per accepted report between two readings, by part: the services, PostgreSQL's processes (every
 * database's: on a shared machine other work counts too), the Kafka broker, this load generator, and the rest of the
 * machine. The sum is the machine's busy time; two cores give 2,000 ms a second, so it bounds the sustainable rate.
 */
const cpuMillisPerReport = (before, after, reports) => {
  if (reports === 0) return null;
  const perReport = (seconds) => Math.round((seconds * 1000 * 10) / reports) / 10;
  const generator = process.cpuUsage(before.generator);
  const parts = {
    ...Object.fromEntries([...after.services].map(([name, s]) => [name, s - before.services.get(name)])),
    postgres: cpuSecondsBetween(before.postgres, after.postgres),
    kafka: cpuSecondsBetween(before.kafka, after.kafka),
    generator: (generator.user + generator.system) / 1e6,
  };
  const machine = after.machine - before.machine;
  const named = Object.values(parts).reduce((sum, seconds) => sum + seconds, 0);
  return {
    machine: perReport(machine),
    ...Object.fromEntries(Object.entries(parts).map(([name, seconds]) => [name, perReport(seconds)])),
    rest: perReport(machine - named),
  };
};

const millisBetween = (from, to) => (from && to ? to.getTime() - from.getTime() : undefined);
const sortedDefined = (values) => values.filter((v) => v !== undefined).sort((a, b) => a - b);
const rounded = (value) => (Number.isFinite(value) ? Math.round(value) : null);

const main = async () => {
  const names = new Map();
  await withPrivateStack(
    { label: 'e2e', portOffset: PORT_OFFSET, env: profileEnv() },
    async ({ pool, services, urls, apiKey, logDir }) => {
      for (const s of services) names.set(s.child.pid, s.name);
      if (PROFILE_DIR) writeFileSync(join(PROFILE_DIR, 'started'), new Date().toISOString());
      const url = `${urls.intake}/v1/reports`;
      console.log(
        JSON.stringify({
          bench: 'end-to-end',
          machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'})`,
          loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
          note: 'Kafka, PostgreSQL, the five services, the console and this load generator all on it',
          logs: logDir,
        }),
      );

      const runPhase = async (rate) => {
        const transactionsBefore = await committedTransactions(pool);
        const roundTripsBefore = PROFILE_DIR ? await roundTripsOf(services) : undefined;
        const cpuBefore = cpuReading(services);
        const peakRss = new Map(services.map((s) => [s.name, 0]));
        const sampler = setInterval(() => {
          for (const s of services)
            peakRss.set(s.name, Math.max(peakRss.get(s.name), rssMegabytesOf(s.child.pid) || 0));
        }, 500);
        const offered = await offer(url, apiKey, rate, PHASE_SECONDS, `r${rate}-${Date.now().toString(36)}-`);
        await sleep(SETTLE_MS);
        clearInterval(sampler);
        const accepted = offered.results.filter((r) => r.status === 202 && r.workOrderId);
        const http = accepted.map((r) => r.millis).sort((a, b) => a - b);
        const times = await pipelineTimes(
          pool,
          accepted.map((r) => r.workOrderId),
        );
        const routed = times.filter((t) => t.routed_at);
        const intakeToAssigned = sortedDefined(times.map((t) => millisBetween(t.reported_at, t.routed_at)));
        const toVisible = sortedDefined(times.map((t) => millisBetween(t.reported_at, t.visible_at)));
        const window = offered.answeredSeconds + SETTLE_MS / 1000;
        const routedSpanSeconds =
          (Math.max(...routed.map((t) => t.routed_at.getTime())) -
            Math.min(...routed.map((t) => t.reported_at.getTime()))) /
          1000;
        const cpuAfter = cpuReading(services);
        const transactions = (await committedTransactions(pool)) - transactionsBefore;
        const roundTripsAfter = roundTripsBefore ? await roundTripsOf(services) : undefined;
        const perReport = (n) => (accepted.length === 0 ? null : Number((n / accepted.length).toFixed(1)));
        /** A service's most frequent statements in the phase, each per accepted report. */
        const topStatements = (before, after) =>
          Object.entries(after.byStatement ?? {})
            .map(([statement, n]) => [statement, n - (before.byStatement?.[statement] ?? 0)])
            .sort((a, b) => b[1] - a[1])
            .slice(0, TOP_STATEMENTS)
            .filter(([, n]) => n > 0)
            .map(([statement, n]) => ({ perReport: perReport(n), statement }));
        const figures = {
          bench: 'end-to-end',
          offeredPerSecond: rounded(offered.sent / offered.offeredSeconds),
          acceptedPerSecond: rounded(accepted.length / offered.offeredSeconds),
          endToEndPerSecond: rounded(routed.length / Math.max(routedSpanSeconds, offered.offeredSeconds)),
          refused: offered.results.filter((r) => r.status !== 202).length,
          unanswered: offered.sent - offered.results.length,
          httpP50Ms: rounded(percentile(http, 0.5)),
          httpP99Ms: rounded(percentile(http, 0.99)),
          intakeToAssignedP50Ms: rounded(percentile(intakeToAssigned, 0.5)),
          intakeToAssignedP99Ms: rounded(percentile(intakeToAssigned, 0.99)),
          reportToVisibleP99Ms: rounded(percentile(toVisible, 0.99)),
          backlog: accepted.length - routed.length,
          services: Object.fromEntries(
            services.map((s) => [
              s.name,
              {
                cpuPercent: rounded(((cpuAfter.services.get(s.name) - cpuBefore.services.get(s.name)) / window) * 100),
                peakRssMb: rounded(peakRss.get(s.name)),
                ...(roundTripsAfter && {
                  transactionsPerReport: perReport(
                    roundTripsAfter.get(s.name).transactions - roundTripsBefore.get(s.name).transactions,
                  ),
                  statementsPerReport: perReport(
                    roundTripsAfter.get(s.name).statements - roundTripsBefore.get(s.name).statements,
                  ),
                  topStatements: topStatements(roundTripsBefore.get(s.name), roundTripsAfter.get(s.name)),
                }),
              },
            ]),
          ),
          transactionsPerReport: accepted.length === 0 ? null : Number((transactions / accepted.length).toFixed(1)),
          cpuMsPerReport: cpuMillisPerReport(cpuBefore, cpuAfter, accepted.length),
          generatorLagP99Ms: rounded(offered.generatorLagP99),
          loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
        };
        console.log(JSON.stringify({ rate, ...figures }));
        // Sustained: nearly every report accepted and routed in the phase, and routed fast enough.
        const sustained =
          figures.backlog === 0 &&
          accepted.length >= 0.99 * offered.sent &&
          Number.isFinite(figures.intakeToAssignedP99Ms) &&
          figures.intakeToAssignedP99Ms < TARGET_P99_MS;
        // A phase that left work behind must not weigh on the next one.
        for (let waited = 0; figures.backlog > 0 && waited < 60_000; waited += 1_000) {
          await sleep(1_000);
          const left = await pipelineTimes(
            pool,
            accepted.map((r) => r.workOrderId),
          );
          if (left.every((t) => t.routed_at)) break;
        }
        return sustained;
      };

      let highestSustained = 0;
      let lowestUnsustained = Infinity;
      for (const rate of RATES) {
        if (await runPhase(rate)) highestSustained = Math.max(highestSustained, rate);
        else lowestUnsustained = Math.min(lowestUnsustained, rate);
      }
      for (let step = 0; step < SEARCH_STEPS && Number.isFinite(lowestUnsustained); step++) {
        const rate = Math.round((highestSustained + lowestUnsustained) / 2);
        if (rate <= highestSustained || rate >= lowestUnsustained) break;
        if (await runPhase(rate)) highestSustained = rate;
        else lowestUnsustained = rate;
      }
      console.log(
        JSON.stringify({
          bench: 'end-to-end',
          highestSustainedPerSecond: highestSustained,
          lowestUnsustainedPerSecond: Number.isFinite(lowestUnsustained) ? lowestUnsustained : null,
          criterion: `intake→assigned p99 < ${TARGET_P99_MS} ms, ≥ 99 % accepted, no backlog ${SETTLE_MS / 1000} s after the phase`,
          targets: { sustainedPerSecond: 1000, intakeToAssignedP99MsAt300: TARGET_P99_MS },
        }),
      );
    },
  );
  // The services write their profiles as they stop, which withPrivateStack waited for.
  if (PROFILE_DIR)
    for (const summary of summarise(profilesIn([PROFILE_DIR]), { names, topN: 15 }))
      console.log(JSON.stringify({ bench: 'end-to-end', profile: summary }));
};

runBench(main);
