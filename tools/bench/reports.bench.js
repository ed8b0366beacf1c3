#!/usr/bin/env node
// Benchmark of the reports (npm run bench:reports): a year of history of one 3,000-unit site (about 60,000 orders,
// every step: triage, assignment, acknowledgement, work, resolution, the resident's rating or rejection and reopen,
// cancellations, follow-up calls, duplicates, callbacks, SLA targets met and breached, escalations) decided by the
// work-order decider and appended to the event store as the services append them, many streams a round trip. Then the query
// service's read models are built from the store by its own rebuild (the projection build time), and each report is
// asked many times through the query service's controller on real PostgreSQL: p50 and p99 for a one-month period
// and a twelve-month one. Targets (issue 12): p99 under 200 ms for a month, under 1 s for twelve months. Nothing is
// asserted: figures only. Needs the database from scripts/infra/up.sh and a build.
//
// BENCH_KEEP_DATABASE=<name> runs on that database and keeps it afterwards, to iterate on the reports without loading
// the year again: the year is loaded only while its event store is empty, and the read models are rebuilt only while
// query_report_orders is empty or BENCH_REBUILD=1 (after a change to how the rows are written). Load and build times
// are then those of the steps that ran. Drop it when done: `psql -c 'DROP DATABASE <name> WITH (FORCE)'`. Figures
// to publish come from a run without it.
'use strict';
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const root = join(__dirname, '..', '..');
const { PostgresEventStore } = require(join(root, 'libs/event-store/dist'));
const { workOrderDecider, workOrderStream } = require(join(root, 'libs/work-order-domain/dist'));
const { rebuildQueryReadModels } = require(join(root, 'apps/query/dist/projection/work-order.rebuild'));
const { ReportOrdersRepository } = require(join(root, 'apps/query/dist/reports/report-orders.repository'));
const { ReportNotesRepository } = require(join(root, 'apps/query/dist/reports/report-notes.repository'));
const { ReportsHttpController } = require(join(root, 'apps/query/dist/reports/reports.http.controller'));
const { InquiriesRepository } = require(join(root, 'apps/query/dist/inquiries/inquiries.repository'));
const { attachPrincipal } = require(join(root, 'libs/http/dist'));
const express = require('express');
const { percentile, runBench, withBenchDatabase } = require('./bench-run');

const ORDERS = Number(process.env.BENCH_ORDERS ?? 60_000);
const UNITS = 3_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 50);
const APPENDERS = 8;
/** Orders whose streams go in one multi-stream append (one round trip, as a batch of commands appends them). */
const ORDERS_PER_APPEND = 50;

const YEAR_START = Date.parse('2025-11-30T16:00:00Z'); // 2025-12-01 00:00 in Shanghai
const YEAR_MS = 365 * 86_400_000;
const MINUTE = 60_000;

// A deterministic generator (mulberry32: 32-bit integer steps, so no product ever leaves the doubles' exact range),
// so two runs load the same year.
let seed = 20261205;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (weighted) => {
  let r = random() * weighted.reduce((n, [, w]) => n + w, 0);
  for (const [value, weight] of weighted) if ((r -= weight) < 0) return value;
  return weighted[0][0];
};

// What residents report, and how often (DOMAIN.md): repairs most, then complaints and consultations.
const CATEGORIES = [
  { category: 'plumbing', weight: 30, tier: 'normal' },
  { category: 'electrical', weight: 18, tier: 'normal' },
  { category: 'lift', weight: 8, tier: 'urgent' },
  { category: 'noise', weight: 12, tier: 'normal' },
  { category: 'cleaning', weight: 10, tier: 'planned' },
  { category: 'fees', weight: 8, tier: 'planned' },
  { category: 'parking', weight: 8, tier: 'normal' },
  { category: 'access-card', weight: 6, tier: 'normal' },
];
const staff = Array.from({ length: 24 }, (_, i) => ({ staffId: `s1-tech-${i + 1}`, name: `Technician ${i + 1}` }));
const TARGETS = { urgent: [15, 120], normal: [60, 24 * 60], planned: [24 * 60, 30 * 24 * 60] }; // minutes

/** One order's work-order events through the decider, and its SLA events as the clock would record them. */
const orderHistory = (index) => {
  const workOrderId = randomUUID();
  // More reports in summer (power peaks, leaks) than in spring: the seasonality a hot-spot report should show.
  const dayOfYear = Math.floor(random() * 365);
  const summer = Math.sin(((dayOfYear - 120) / 365) * 2 * Math.PI) > 0.5 && random() < 0.3;
  let now = YEAR_START + ((summer ? (dayOfYear + 30) % 365 : dayOfYear) / 365) * YEAR_MS + random() * 86_400_000;
  now = Math.min(now, YEAR_START + YEAR_MS - 3 * 86_400_000);
  const { category, tier } = pick(CATEGORIES.map((c) => [c, c.weight]));
  const unit = Math.floor(random() * UNITS);
  const tech = staff[Math.floor(random() * staff.length)];
  const events = [];
  let state = { status: 'none' };
  const step = (command) => {
    const decided = workOrderDecider.decide({ ...command, now: new Date(now) }, state);
    for (const event of decided) {
      events.push(event);
      state = workOrderDecider.evolve(state, event);
    }
  };
  const later = (minutes) => (now += minutes * MINUTE * (0.3 + random() * 1.4));
  step({
    type: 'ReportWorkOrder',
    workOrderId,
    number: `S1-${String(index + 1).padStart(6, '0')}`,
    report: {
      siteId: 'S1',
      building: `B${(unit % 30) + 1}`,
      unit: `${(unit % 30) + 1}-${String(Math.floor(unit / 30) + 101).padStart(4, '0')}`,
      channel: pick([
        ['phone', 6],
        ['wechat', 2],
        ['app', 1],
        ['front-desk', 1],
      ]),
      reporter: { name: 'Resident' },
      category,
      description: `${category} problem`,
    },
    triage: { tier, category, ruleId: 'bench', reason: 'by category' },
  });
  const sla = [];
  const reportedAt = now;
  const [responseMin, resolutionMin] = TARGETS[tier];
  const responseDue = new Date(reportedAt + responseMin * MINUTE).toISOString();
  const resolutionDue = new Date(reportedAt + resolutionMin * MINUTE).toISOString();
  sla.push({
    type: 'closeloop.sla.targets-set.v1',
    data: {
      workOrderId,
      tier,
      policyId: 'bench',
      startedAt: new Date(reportedAt).toISOString(),
      responseDueAt: responseDue,
      resolutionDueAt: resolutionDue,
      siteId: 'S1',
      category,
    },
  });
  if (random() < 0.03) {
    later(30);
    step({ type: 'Cancel', by: tech, reason: 'duplicate' });
    sla.push({
      type: 'closeloop.sla.clock-stopped.v1',
      data: { workOrderId, stoppedAt: new Date(now).toISOString(), reason: 'cancelled' },
    });
    return { workOrderId, events, sla };
  }
  later(1);
  step({
    type: 'AssignOwner',
    routing: { kind: 'team', teamId: `team-${category}`, owner: tech, ruleId: 'roster', reason: 'on duty' },
  });
  const verdict = (target, dueAt) => {
    const at = new Date(now).toISOString();
    if (now <= Date.parse(dueAt))
      sla.push({ type: 'closeloop.sla.target-met.v1', data: { workOrderId, target, dueAt, metAt: at, onTime: true } });
    else {
      sla.push({ type: 'closeloop.sla.breached.v1', data: { workOrderId, target, dueAt, breachedAt: dueAt } });
      sla.push({ type: 'closeloop.sla.escalated.v1', data: { workOrderId, target, level: 1, escalatedAt: dueAt } });
      if (now - Date.parse(dueAt) > 60 * MINUTE)
        sla.push({
          type: 'closeloop.sla.escalated.v1',
          data: { workOrderId, target, level: 2, escalatedAt: new Date(Date.parse(dueAt) + 60 * MINUTE).toISOString() },
        });
      sla.push({ type: 'closeloop.sla.target-met.v1', data: { workOrderId, target, dueAt, metAt: at, onTime: false } });
    }
  };
  later(responseMin * 0.8);
  step({ type: 'Acknowledge', by: tech });
  verdict('response', responseDue);
  if (random() < 0.08) step({ type: 'RecordFollowUp', channel: 'phone' });
  later(5);
  step({ type: 'StartWork', by: tech });
  later(resolutionMin * 0.6);
  step({ type: 'Resolve', by: tech, notes: 'fixed', photoRefs: [] });
  verdict('resolution', resolutionDue);
  if (random() < 0.06) {
    later(120);
    step({ type: 'RejectResolution', comment: '还是不行' });
    sla.push({
      type: 'closeloop.sla.clock-restarted.v1',
      data: {
        workOrderId,
        round: 1,
        restartedAt: new Date(now).toISOString(),
        resolutionDueAt: new Date(now + resolutionMin * MINUTE).toISOString(),
      },
    });
    const again = new Date(now + resolutionMin * MINUTE).toISOString();
    // The rejection reopens the order to its owner: acknowledged and worked again.
    later(30);
    step({ type: 'Acknowledge', by: tech });
    step({ type: 'StartWork', by: tech });
    later(resolutionMin * 0.5);
    step({ type: 'Resolve', by: tech, notes: 'fixed again', photoRefs: [] });
    verdict('resolution', again);
  }
  // Nine residents in ten confirm; the others get the callback (回访) and, still silent, close without
  // confirmation when the closing timer runs out, as sla-timer's timers ask dispatch to.
  const confirms = random() < 0.9;
  if (!confirms || random() < 0.15) {
    later(24 * 60);
    step({ type: 'RequestCallback', round: state.reopenRounds ?? 0, dueAt: new Date(now) });
  }
  later(60);
  if (confirms)
    step({
      type: 'ConfirmResolution',
      rating: pick([
        [5, 60],
        [4, 25],
        [3, 8],
        [2, 4],
        [1, 3],
      ]),
      comment: random() < 0.1 ? '师傅很专业' : undefined,
    });
  else {
    later(2 * 24 * 60);
    step({ type: 'CloseWithoutConfirmation', round: state.reopenRounds ?? 0 });
  }
  return { workOrderId, events, sla };
};

const metadata = (workOrderId) => ({
  workOrderId,
  correlationId: `bench-${workOrderId}`,
  causationId: `bench-${workOrderId}`,
  actor: { kind: 'system', id: 'bench' },
  producer: 'bench',
});
const newEvents = (workOrderId, events) =>
  events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata: metadata(workOrderId) }));

const requestAsSupervisor = () => {
  const request = Object.create(express.request);
  request.headers = { accept: 'application/json' };
  attachPrincipal(request, {
    kind: 'staff',
    staffId: 's1-supervisor',
    name: 'Bench',
    roles: ['supervisor'],
    sites: ['S1'],
  });
  return request;
};
const response = { setHeader: () => undefined };

const timed = async (rounds, run) => {
  const samples = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = process.hrtime.bigint();
    await run(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
};

const KEPT_DATABASE = process.env.BENCH_KEEP_DATABASE || undefined;
const isEmpty = async (pool, table) =>
  (await pool.query(`SELECT NOT EXISTS (SELECT FROM ${table}) AS empty`)).rows[0].empty;

const main = () =>
  withBenchDatabase(
    'reports',
    20,
    async (pool) => {
      const store = new PostgresEventStore(pool);
      const loadStarted = Date.now();
      let next = 0;
      const appender = async () => {
        while (next < ORDERS) {
          const orders = [];
          for (; orders.length < ORDERS_PER_APPEND && next < ORDERS; next += 1) orders.push(orderHistory(next));
          await store.appendMany(
            orders.flatMap((order) => [
              {
                streamId: workOrderStream(order.workOrderId),
                events: newEvents(order.workOrderId, order.events),
                expected: 'no-stream',
              },
              {
                streamId: `sla-${order.workOrderId}`,
                events: newEvents(order.workOrderId, order.sla),
                expected: 'no-stream',
              },
            ]),
          );
        }
      };
      if (await isEmpty(pool, 'es_events')) await Promise.all(Array.from({ length: APPENDERS }, appender));
      const loadSeconds = (Date.now() - loadStarted) / 1000;
      const events = Number((await pool.query('SELECT count(*) AS n FROM es_events')).rows[0].n);

      const buildStarted = Date.now();
      if (process.env.BENCH_REBUILD === '1' || (await isEmpty(pool, 'query_report_orders')))
        await rebuildQueryReadModels({ pool, store, swap: true, log: () => undefined });
      const buildSeconds = (Date.now() - buildStarted) / 1000;

      const clock = { now: () => new Date('2026-12-02T01:00:00Z') };
      const controller = new ReportsHttpController(
        new ReportOrdersRepository(pool),
        new ReportNotesRepository(pool),
        clock,
        new InquiriesRepository(pool),
      );
      const month = { site: 'S1', from: '2026-11-01', to: '2026-12-01' };
      const year = { site: 'S1', from: '2025-12-01', to: '2026-12-01' };
      const cases = [
        ['service-levels, one month', () => controller.serviceLevels(month, requestAsSupervisor(), response)],
        [
          'service-levels, one month by week',
          () => controller.serviceLevels({ ...month, groupBy: 'week' }, requestAsSupervisor(), response),
        ],
        ['service-levels, twelve months', () => controller.serviceLevels(year, requestAsSupervisor(), response)],
        [
          'service-levels, twelve months by month',
          () => controller.serviceLevels({ ...year, groupBy: 'month' }, requestAsSupervisor(), response),
        ],
        ['hot-spots, one month', () => controller.hotSpots(month, requestAsSupervisor(), response)],
        ['hot-spots, twelve months', () => controller.hotSpots(year, requestAsSupervisor(), response)],
        [
          'monthly report (JSON)',
          () => controller.monthly({ site: 'S1', month: '2026-11' }, requestAsSupervisor(), response),
        ],
      ];
      const sample = await controller.serviceLevels(year, requestAsSupervisor(), response);
      console.log(`reports bench: ${ORDERS} orders of a 3,000-unit site over a year, ${events} events`);
      console.log(
        `  loaded into the event store in ${loadSeconds.toFixed(1)} s (${APPENDERS} appenders, ${ORDERS_PER_APPEND} orders an append)`,
      );
      console.log(
        `  projection build (query rebuild: timeline, order rows, report rows): ${buildSeconds.toFixed(1)} s for ${events} events`,
      );
      console.log(
        `  twelve months: received ${sample.total.current.received}, closure rate ${sample.total.current.closureRate}, resolution targets met ${sample.total.current.resolutionMetRate}`,
      );
      console.log(`  ${'report'.padEnd(40)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  target p99`);
      for (const [name, run] of cases) {
        await run(); // warm: the first call prepares statements and fills caches
        const { p50, p99 } = await timed(name.includes('twelve') ? Math.ceil(ROUNDS / 2) : ROUNDS, run);
        const target = name.includes('twelve') ? '< 1000 ms' : '< 200 ms';
        console.log(`  ${name.padEnd(40)} ${p50.toFixed(1).padStart(8)} ${p99.toFixed(1).padStart(8)}  ${target}`);
      }
    },
    KEPT_DATABASE,
  );

runBench(main);
