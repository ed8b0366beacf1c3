#!/usr/bin/env node
// Benchmark of the read side (npm run bench:read, and a part of npm run bench): the query service runs as a process
// on a fresh database whose read model holds ORDERS orders of one site (spread over buildings, categories, tiers,
// statuses and a year of report times, as the projection would have written them) and one order with TIMELINE_EVENTS
// timeline entries. Prints, as JSON lines, p50/p99 of GET /v1/work-orders/{id}/timeline for that order and of the
// list endpoint under several filters, each sent one at a time and then by CONCURRENCY callers at once. Nothing is
// asserted: figures only; the timeline lines carry its target. Needs PostgreSQL and Kafka from scripts/infra/up.sh (the service joins its consumer group
// at start) and a build.
'use strict';
const { randomUUID } = require('node:crypto');
const { loadavg } = require('node:os');
const { percentile, runBench } = require('./bench-run');
const { withPrivateStack } = require('./private-stack-run');

const ORDERS = Number(process.env.BENCH_ORDERS ?? 100_000);
const TIMELINE_EVENTS = Number(process.env.BENCH_TIMELINE_EVENTS ?? 200);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
// Issue 15's target for the timeline of a busy order; the list has none of its own.
const TIMELINE_TARGET_P99_MS = 10;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
// Clear of the demo (3001..), the e2e tests (+10000), bench:alerts (+20000), bench:intake (+30000), bench:e2e (+40000).
const PORT_OFFSET = 50_000;

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
  await pool.query('ANALYZE query_work_orders; ANALYZE query_timeline');
  return busy;
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
  await withPrivateStack(
    {
      label: 'read',
      portOffset: PORT_OFFSET,
      only: ['query'],
      prepare: async (pool) => {
        const filled = performance.now();
        busy = await fillReadModel(pool);
        fillSeconds = (performance.now() - filled) / 1000;
      },
    },
    async ({ urls, staffToken }) => {
      const token = await staffToken({ staffId: 'bench-supervisor', roles: ['supervisor'], sites: ['S1'] });
      const openedFrom = new Date(Date.now() - 30 * 86_400_000).toISOString();
      const reads = [
        [
          `timeline of an order with ${TIMELINE_EVENTS} events`,
          `/v1/work-orders/${busy}/timeline`,
          TIMELINE_TARGET_P99_MS,
        ],
        ['list: open orders of the site', '/v1/work-orders?site=S1&status=in-progress&limit=50'],
        ['list: one building and category', '/v1/work-orders?site=S1&building=B12&category=plumbing&limit=50'],
        [
          'list: urgent orders opened in the last 30 days',
          `/v1/work-orders?site=S1&tier=urgent&openedFrom=${openedFrom}`,
        ],
        [
          'list: closed and confirmed, one technician',
          '/v1/work-orders?site=S1&owner=tech-7&closure=confirmed&limit=200',
        ],
      ];
      // The machine may be shared: the load average says how much the figures below were competing with.
      console.log(
        JSON.stringify({
          bench: 'read-side',
          orders: ORDERS + 1,
          fillSeconds: Number(fillSeconds.toFixed(1)),
          loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
        }),
      );
      for (const [what, path, targetP99Ms] of reads) {
        await measure(`${urls.query}${path}`, token, 20, 1); // warm: plans cached, connections open
        for (const concurrency of [1, CONCURRENCY]) {
          const latencies = await measure(`${urls.query}${path}`, token, REQUESTS, concurrency);
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
    },
  );
};

runBench(main);
