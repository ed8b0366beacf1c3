#!/usr/bin/env node
// Benchmark of intake under overload (npm run bench:intake): the intake service runs as a process on a fresh
// database and fresh topics. First the sustainable rate is measured (closed loop: as many callers as intake works on
// at once, each sending its next report when the last is answered), then three times that rate is offered open loop
// (reports sent on a fixed schedule, whatever the answers) for a bounded time, once with load shedding on and once
// with it off (LOAD_SHEDDING=off: the behaviour before it). Prints side by side: offered and accepted rates, latency
// of the accepted (202) reports, the 503/429 refusals and whether each carried Retry-After and Retry-After-Ms, and
// whether the orders in the store are exactly the reports accepted. Nothing is asserted: figures only. Needs Kafka
// and PostgreSQL from scripts/infra/up.sh and a build.
'use strict';
const { cpus, loadavg } = require('node:os');
const { percentile, runBench, sleep } = require('./bench-run');
const { DRAIN_MS, cpuSecondsOf, offer, sendReport } = require('./load');
const { withPrivateStack } = require('./private-stack-run');

const MEASURE_SECONDS = Number(process.env.BENCH_MEASURE_SECONDS ?? 15);
const OVERLOAD_SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 30);
const OVERLOAD_FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 3);
/** Closed-loop callers while the sustainable rate is measured: intake's default SHED_MAX_IN_FLIGHT. */
const MEASURE_CALLERS = Number(process.env.BENCH_MEASURE_CALLERS ?? 8);
// Clear of the demo (3001..), the e2e tests (+10000) and bench:alerts (+20000).
const PORT_OFFSET = 30_000;

/** Closed loop: `callers` send back to back for `seconds`; the rate of 202s is what intake sustains. */
const measureSustainable = async (url, apiKey, callers, seconds) => {
  const until = performance.now() + seconds * 1000;
  let i = 0;
  const accepted = [];
  const statuses = new Map();
  const startedAt = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < until) {
        const result = await sendReport(url, apiKey, `m${i++}`);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        if (result.status === 202) accepted.push(result.millis);
      }
    }),
  );
  const elapsed = (performance.now() - startedAt) / 1000;
  accepted.sort((a, b) => a - b);
  return { rate: accepted.length / elapsed, p50: percentile(accepted, 0.5), p99: percentile(accepted, 0.99), statuses };
};

const summarise = ({ results, sent, offeredSeconds, answeredSeconds, generatorLagP99, generatorLagMax }) => {
  const accepted = results
    .filter((r) => r.status === 202)
    .map((r) => r.millis)
    .sort((a, b) => a - b);
  const refused = results.filter((r) => r.status === 503 || r.status === 429);
  const refusedMillis = refused
    .filter((r) => !r.waited)
    .map((r) => r.millis)
    .sort((a, b) => a - b);
  const waitedMillis = refused
    .filter((r) => r.waited)
    .map((r) => r.millis)
    .sort((a, b) => a - b);
  const withAdvice = refused.filter(
    (r) => /^\d+$/.test(r.retryAfter ?? '') && /^\d+$/.test(r.retryAfterMs ?? ''),
  ).length;
  const advised = refused
    .map((r) => Number(r.retryAfterMs))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const other = new Map();
  for (const r of results)
    if (![202, 503, 429].includes(r.status)) other.set(r.error ?? r.status, (other.get(r.error ?? r.status) ?? 0) + 1);
  return {
    sent,
    offeredRate: sent / offeredSeconds,
    acceptedRate: accepted.length / answeredSeconds,
    accepted: accepted.length,
    p50: percentile(accepted, 0.5),
    p99: percentile(accepted, 0.99),
    max: accepted[accepted.length - 1] ?? NaN,
    s503: refused.filter((r) => r.status === 503).length,
    s429: refused.filter((r) => r.status === 429).length,
    withAdvice,
    refusedP99: percentile(refusedMillis, 0.99),
    waited: waitedMillis.length,
    waitedP99: percentile(waitedMillis, 0.99),
    adviceP50: percentile(advised, 0.5),
    unanswered: sent - results.length,
    other: [...other.entries()].map(([k, n]) => `${k}×${n}`).join(', ') || 'none',
    answeredSeconds,
    generatorLag: `${generatorLagP99.toFixed(0)} / ${generatorLagMax.toFixed(0)}`,
  };
};

/** Work orders intake created in the phase's database: each accepted report is one, and a refused one is none. */
const ordersIn = async (pool) =>
  (await pool.query(`SELECT count(*)::int AS n FROM es_streams WHERE stream_id LIKE 'workorder-%'`)).rows[0].n;

const main = async () => {
  const phases = [];
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; Kafka, PostgreSQL, intake and this load generator all on it (logs: .local/logs/bench-intake-*)`,
  );
  let sustainable = Number(process.env.BENCH_RATE ?? NaN);
  const phasesToRun = [
    ['shedding', {}],
    ['no-shedding', { LOAD_SHEDDING: 'off' }],
  ].filter(([name]) => process.env.BENCH_PHASES === undefined || process.env.BENCH_PHASES.split(',').includes(name));
  for (const [name, env] of phasesToRun) {
    await withPrivateStack(
      { label: `intake-${name}`, portOffset: PORT_OFFSET, only: ['intake'], env },
      async ({ pool, services, urls, apiKey }) => {
        const url = `${urls.intake}/v1/reports`;
        const pid = services[0].child.pid;
        if (!Number.isFinite(sustainable)) {
          const measured = await measureSustainable(url, apiKey, MEASURE_CALLERS, MEASURE_SECONDS);
          sustainable = measured.rate;
          console.log(
            `sustainable: ${sustainable.toFixed(1)} reports/s accepted with ${MEASURE_CALLERS} callers back to back for ${MEASURE_SECONDS} s ` +
              `(p50 ${measured.p50.toFixed(0)} ms, p99 ${measured.p99.toFixed(0)} ms; ` +
              `answers ${[...measured.statuses.entries()].map(([s, n]) => `${s}×${n}`).join(', ')})`,
          );
        }
        const rate = sustainable * OVERLOAD_FACTOR;
        const before = await ordersIn(pool);
        const cpuBefore = cpuSecondsOf(pid);
        const phase = summarise(await offer(url, apiKey, rate, OVERLOAD_SECONDS, `${name}-`));
        // Stragglers may still be committing: give the store a moment before counting.
        await sleep(2_000);
        phases.push({ name, ...phase, orders: (await ordersIn(pool)) - before, cpu: cpuSecondsOf(pid) - cpuBefore });
        console.log(
          `${name}: offered ${phase.sent} reports in ${OVERLOAD_SECONDS} s; answers collected for ${phase.answeredSeconds.toFixed(1)} s`,
        );
      },
    );
  }

  const rows = [
    ['', ...phases.map((p) => (p.name === 'shedding' ? 'shedding on' : 'shedding off (before)'))],
    ['offered rate (reports/s)', ...phases.map((p) => p.offeredRate.toFixed(1))],
    ['accepted (202)', ...phases.map((p) => String(p.accepted))],
    ['accepted rate (reports/s)', ...phases.map((p) => p.acceptedRate.toFixed(1))],
    ['202 latency p50 (ms)', ...phases.map((p) => p.p50.toFixed(0))],
    ['202 latency p99 (ms)', ...phases.map((p) => p.p99.toFixed(0))],
    ['202 latency max (ms)', ...phases.map((p) => p.max.toFixed(0))],
    ['503 OVERLOADED', ...phases.map((p) => String(p.s503))],
    ['429 CALLER_OVER_SHARE', ...phases.map((p) => String(p.s429))],
    ['…with Retry-After + Retry-After-Ms', ...phases.map((p) => `${p.withAdvice} of ${p.s503 + p.s429}`)],
    [
      '…refused at once: p99 latency (ms)',
      ...phases.map((p) =>
        Number.isNaN(p.refusedP99) ? '-' : `${p.s503 + p.s429 - p.waited}: ${p.refusedP99.toFixed(0)}`,
      ),
    ],
    [
      '…refused after queueing: p99 (ms)',
      ...phases.map((p) => (Number.isNaN(p.waitedP99) ? '-' : `${p.waited}: ${p.waitedP99.toFixed(0)}`)),
    ],
    ['Retry-After-Ms advised, p50', ...phases.map((p) => (Number.isNaN(p.adviceP50) ? '-' : String(p.adviceP50)))],
    [`unanswered ${DRAIN_MS / 1000} s after the offer`, ...phases.map((p) => String(p.unanswered))],
    ['other answers', ...phases.map((p) => p.other)],
    [
      'intake CPU (s) / per 202 (ms)',
      ...phases.map((p) => `${p.cpu.toFixed(1)} / ${((p.cpu * 1000) / Math.max(1, p.accepted)).toFixed(1)}`),
    ],
    ['load generator lag p99 / max (ms)', ...phases.map((p) => p.generatorLag)],
    [
      'orders in the store',
      ...phases.map((p) => `${p.orders} (${p.orders === p.accepted ? '= accepted' : `accepted ${p.accepted}`})`),
    ],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  console.log(
    `\n${OVERLOAD_FACTOR}× the sustainable rate (${sustainable.toFixed(1)} reports/s), open loop, for ${OVERLOAD_SECONDS} s:`,
  );
  for (const row of rows)
    console.log(
      row.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '),
    );
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
};

runBench(main);
