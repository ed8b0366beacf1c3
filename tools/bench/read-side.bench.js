#!/usr/bin/env node
// Benchmark of the read side (npm run bench:read, and a part of npm run bench): the query service runs as a process
// on a fresh database whose read model holds ORDERS orders of one site (spread over buildings, categories, tiers,
// statuses and a year of report times, as the projection would have written them) and one order with TIMELINE_EVENTS
// timeline entries (with their data's texts, as the projection writes them: ADR 47). Prints, as JSON lines, p50/p99
// of GET /v1/work-orders/{id}/timeline for that order and of the list endpoint under several filters, each sent one
// at a time and then by CONCURRENCY callers at once. Nothing is asserted: figures only; the timeline lines carry its target. Needs PostgreSQL and Kafka from scripts/infra/up.sh (the service joins its consumer group
// at start) and a build.
//
// Knobs: BENCH_ORDERS, BENCH_TIMELINE_EVENTS, BENCH_REQUESTS, BENCH_CONCURRENCY; BENCH_READS=timeline,list picks the
// reads (both by default). Profile mode: BENCH_CPU_PROFILE=<dir> preloads tools/bench/service-profile.js into the
// query service, as the end-to-end bench does: a CPU profile of the measured reads (from after the fill and start-up)
// and the service's PostgreSQL statements per request, printed after the reads. Profiling costs CPU: compare figures
// of one mode only.
'use strict';
const { randomUUID } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { loadavg } = require('node:os');
const { join, resolve } = require('node:path');
const { percentile, runBench, sleep } = require('./bench-run');
const { withPrivateStack } = require('./private-stack-run');
const { profilesIn, summarise } = require('./cpu-profile-summary');
const { timelineDataTexts } = require(join(__dirname, '../../apps/query/dist/projection/timeline-data'));

const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const TIMELINE_EVENTS = Number(process.env.BENCH_TIMELINE_EVENTS ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
// Issue 15's target for the timeline of a busy order; the list has none of its own.
const TIMELINE_TARGET_P99_MS = 10;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Clear of the demo (3001..), the e2e tests (+10000), bench:alerts (+20000), bench:intake (+30000), bench:e2e (+40000).
const PORT_OFFSET = 50_000;
const READS = new Set((process.env.BENCH_READS ?? 'timeline,list').split(','));
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE ? resolve(process.env.BENCH_CPU_PROFILE) : undefined;
const profileEnv = () => {
  if (!PROFILE_DIR) return {};
  mkdirSync(PROFILE_DIR, { recursive: true });
  return { NODE_OPTIONS: `--require ${join(__dirname, 'service-profile.js')}`, BENCH_PROFILE_DIR: PROFILE_DIR };
};

/** The read model as the projection leaves it after a year of one busy site: every status, mostly closed. */
// Categories change every 40 orders and buildings with each, so every building has orders of every category.
const fillReadModel = async (pool) => {
  await pool.query(
    `INSERT INTO query_work_orders (work_order_id, number, site_id, building, unit, channel, category, description,
       reporter_name, reporter_phone, tier, status, owner_id, owner_name, team_id, technician_id, technician_name,
       reported_at, assigned_at, acknowledged_at, resolved_at, closed_at, close_outcome, rating,
       response_due_at, resolution_due_at, updated_at)
     SELECT gen_random_uuid(), 'S1-' || to_char(t, 'YYYYMMDD') || '-' || lpad(i::text, 6, '0'), 'S1',
            'B' || (i % 40 + 1), (i % 30 + 1) || '0' || (i % 4 + 1), (ARRAY['phone','app','wechat','front-desk'])[i % 4 + 1],
            (ARRAY['plumbing','electrical','lift','noise','cleaning','security','billing','heating'])[i / 40 % 8 + 1],
            '卫生间漏水 / a leak under the sink', '王女士', '13800138000',
            (ARRAY['urgent','normal','normal','normal','planned'])[i % 5 + 1], s.status,
            'tech-' || (i % 25), '李师傅', 'team-' || (i % 5), 'tech-' || (i % 25), '李师傅',
            t, t + interval '2 minutes', t + interval '5 minutes',
            CASE WHEN s.status IN ('resolved','closed') THEN t + interval '3 hours' END,
            CASE WHEN s.status = 'closed' THEN t + interval '1 day' END,
            CASE WHEN s.status = 'closed' THEN 'confirmed' END,
            CASE WHEN s.status = 'closed' THEN i % 5 + 1 END,
            t + interval '30 minutes', t + interval '1 day', t + interval '1 day'
     FROM generate_series(1, $1::int) AS i,
          LATERAL (SELECT now() - (i::double precision / $1 * interval '365 days') AS t) AS at(t),
          LATERAL (SELECT CASE WHEN i % 50 = 0 THEN 'assigned' WHEN i % 50 = 1 THEN 'acknowledged'
                               WHEN i % 50 = 2 THEN 'in-progress' WHEN i % 50 = 3 THEN 'on-hold'
                               WHEN i % 50 = 4 THEN 'resolved' WHEN i % 50 = 5 THEN 'cancelled'
                               ELSE 'closed' END AS status) AS s`,
    [ORDERS],
  );
  const busy = randomUUID();
  await pool.query(
    `INSERT INTO query_work_orders (work_order_id, number, site_id, building, unit, channel, category, description,
       status, reported_at, updated_at, contact_count)
     VALUES ($1, 'S1-20261205-999999', 'S1', 'B3', '1502', 'phone', 'plumbing', '楼上漏水，反复来电 / calls again and again',
             'in-progress', now() - interval '10 days', now(), $2)`,
    [busy, TIMELINE_EVENTS],
  );
  await pool.query(
    `INSERT INTO query_timeline (event_id, work_order_id, event_type, occurred_at, source, actor, correlation_id,
       causation_id, sequence, data)
     SELECT gen_random_uuid(), $1::uuid, 'closeloop.workorder.follow-up-contact-recorded.v1',
            now() - interval '10 days' + n * interval '1 hour', 'intake', NULL, 'corr-' || n, 'cause-' || n, n,
            jsonb_build_object('workOrderId', $1::text, 'channel', 'phone', 'contactNumber', n + 1,
                               'caller', jsonb_build_object('name', '王女士', 'phone', '13800138000'),
                               'note', '第' || n || '次来电询问进度', 'contactedAt', now())
     FROM generate_series(1, $2::int) AS n`,
    [busy, TIMELINE_EVENTS],
  );
  // The data's texts as the projection writes them beside it (docs/adr/0047-timeline-data-written-as-shown.md).
  const { rows } = await pool.query('SELECT event_id, data FROM query_timeline WHERE work_order_id = $1', [busy]);
  const texts = rows.map((r) => timelineDataTexts(r.data));
  await pool.query(
    `UPDATE query_timeline t SET data_text = u.full_text, masked_data_text = u.masked_text
     FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(event_id, full_text, masked_text) WHERE t.event_id = u.event_id`,
    [rows.map((r) => r.event_id), texts.map((t) => t.full), texts.map((t) => t.masked)],
  );
  await pool.query('ANALYZE query_work_orders; ANALYZE query_timeline');
  return busy;
};

/** The query service's PostgreSQL counts so far (profile mode): asked for with SIGUSR2, which service-profile.js answers. */
const countsNow = async (pid) => {
  const file = join(PROFILE_DIR, `${pid}.json`);
  rmSync(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 10_000 && !existsSync(file); waited += 100) await sleep(100);
  return JSON.parse(readFileSync(file, 'utf8'));
};

/** Sends `total` GETs, `concurrency` at a time; resolves with sorted latencies (ms). Any non-200 ends the bench. */
const measure = async (url, token, total, concurrency) => {
  const latencies = [];
  let next = 0;
  const caller = async () => {
    while (next < total) {
      next++;
      const started = performance.now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return latencies.sort((a, b) => a - b);
};

const main = async () => {
  let busy;
  let fillSeconds;
  let queryPid;
  let countsBefore = { statements: 0, transactions: 0, byStatement: {} };
  let measuredRequests = 0;
  await withPrivateStack(
    {
      label: 'read',
      portOffset: PORT_OFFSET,
      only: ['query'],
      env: profileEnv(),
      prepare: async (pool) => {
        const filled = performance.now();
        busy = await fillReadModel(pool);
        fillSeconds = (performance.now() - filled) / 1000;
      },
    },
    async ({ urls, services, staffToken }) => {
      const token = await staffToken({ staffId: 'bench-supervisor', roles: ['supervisor'], sites: ['S1'] });
      const openedFrom = new Date(Date.now() - 30 * 86_400_000).toISOString();
      const reads = [
        [
          'timeline',
          `timeline of an order with ${TIMELINE_EVENTS} events`,
          `/v1/work-orders/${busy}/timeline`,
          TIMELINE_TARGET_P99_MS,
        ],
        ['list', 'list: open orders of the site', '/v1/work-orders?site=S1&status=in-progress&limit=50'],
        ['list', 'list: one building and category', '/v1/work-orders?site=S1&building=B12&category=plumbing&limit=50'],
        [
          'list',
          'list: urgent orders opened in the last 30 days',
          `/v1/work-orders?site=S1&tier=urgent&openedFrom=${openedFrom}`,
        ],
        [
          'list',
          'list: closed and confirmed, one technician',
          '/v1/work-orders?site=S1&owner=tech-7&closure=confirmed&limit=200',
        ],
      ].filter(([kind]) => READS.has(kind));
      // The machine may be shared: the load average says how much the figures below were competing with.
      console.log(
        JSON.stringify({
          bench: 'read-side',
          orders: ORDERS + 1,
          fillSeconds: Number(fillSeconds.toFixed(1)),
          loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
        }),
      );
      // The profile starts once the service is up and filled: what it shows is the reads'.
      queryPid = services.find((s) => s.name === 'query')?.child.pid;
      if (PROFILE_DIR) {
        writeFileSync(join(PROFILE_DIR, 'started'), new Date().toISOString());
        countsBefore = await countsNow(queryPid);
      }
      let requests = 0;
      for (const [, what, path, targetP99Ms] of reads) {
        await measure(`${urls.query}${path}`, token, 20, 1); // warm: plans cached, connections open
        requests += 20;
        for (const concurrency of [1, CONCURRENCY]) {
          const latencies = await measure(`${urls.query}${path}`, token, REQUESTS, concurrency);
          requests += latencies.length;
          const p99Ms = Number(percentile(latencies, 0.99).toFixed(1));
          console.log(
            JSON.stringify({
              bench: 'read-side',
              read: what,
              concurrency,
              requests: latencies.length,
              p50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
              p99Ms,
              ...(targetP99Ms === undefined ? {} : { targetP99Ms, met: p99Ms < targetP99Ms }),
            }),
          );
        }
      }
      measuredRequests = requests;
    },
  );
  // The service writes its profile and statement counts as it stops, which withPrivateStack waited for.
  if (PROFILE_DIR && queryPid !== undefined) {
    // At exit the counts include the stop's few statements; start-up's are taken off.
    const counts = JSON.parse(readFileSync(join(PROFILE_DIR, `${queryPid}.json`), 'utf8'));
    const perRequest = (n) => Number((n / measuredRequests).toFixed(2));
    console.log(
      JSON.stringify({
        bench: 'read-side',
        requests: measuredRequests,
        statementsPerRequest: perRequest(counts.statements - countsBefore.statements),
        transactionsPerRequest: perRequest(counts.transactions - countsBefore.transactions),
        byStatementPerRequest: Object.fromEntries(
          Object.entries(counts.byStatement)
            .map(([label, n]) => [label, n - (countsBefore.byStatement[label] ?? 0)])
            .sort((a, b) => b[1] - a[1])
            .slice(0, 8)
            .map(([label, n]) => [label, perRequest(n)]),
        ),
      }),
    );
    const names = new Map([[queryPid, 'query']]);
    for (const summary of summarise(profilesIn([PROFILE_DIR]), { names, topN: 25 }))
      if (summary.service === 'query') console.log(JSON.stringify({ bench: 'read-side', profile: summary }));
  }
};

runBench(main);
