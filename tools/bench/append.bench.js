#!/usr/bin/env node
// Benchmark of the event store's append, side by side in one run on one database (npm run bench:append, and the
// first part of npm run bench): a plain `pg` INSERT (the ceiling: no stream, no version check, no ordering), Emmett's
// PostgreSQL event store (@event-driven-io/emmett-postgresql, a dev dependency of this bench only) and Closeloop's
// PostgresEventStore. Each runs WRITERS concurrent writers for SECONDS seconds, every append one event to a new stream
// (as a report opens an order), and prints appends/s with p50/p99 latency, then the ratios the targets name.
// Nothing is asserted: figures only. Needs the database from scripts/infra/up.sh and a build.
'use strict';
const { randomUUID } = require('node:crypto');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const root = join(__dirname, '..', '..');
const { PostgresEventStore } = require(join(root, 'libs/event-store/dist'));
const { percentile, runBench, withBenchDatabase } = require('./bench-run');

const WRITERS = Number(process.env.BENCH_WRITERS ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

// One event shaped and sized like a report opening an order (~500 bytes of JSON), the same for every contender.
const reportData = () => ({
  workOrderId: randomUUID(),
  number: 'S1-20261205-0001',
  siteId: 'S1',
  building: 'B3',
  unit: '1502',
  channel: 'phone',
  reporter: { name: '王女士', phone: '13800138000' },
  category: 'plumbing',
  description: '卫生间天花板漏水，楼上住户不在家 / water dripping from the bathroom ceiling',
  reportedAt: new Date().toISOString(),
});
const metadata = () => ({ correlationId: randomUUID(), causationId: randomUUID(), workOrderId: randomUUID() });

/** Runs `append` from WRITERS loops for SECONDS seconds; resolves with its figures. */
const measure = async (name, append) => {
  const latencies = [];
  const until = performance.now() + SECONDS * 1000;
  const writer = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      await append();
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const figures = {
    bench: 'append',
    store: name,
    writers: WRITERS,
    seconds: Number(elapsed.toFixed(1)),
    appends: latencies.length,
    appendsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99Ms: Number(percentile(latencies, 0.99).toFixed(2)),
  };
  console.log(JSON.stringify(figures));
  return figures;
};

const main = () =>
  withBenchDatabase('append', WRITERS + 4, async (pool) => {
    const databaseUrl = pool.options.connectionString;
    await pool.query(`CREATE TABLE bench_raw_events (
      global_position bigserial PRIMARY KEY, stream_id text NOT NULL, event_id uuid NOT NULL,
      event_type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`);

    const raw = await measure('pg INSERT', () =>
      pool.query(
        'INSERT INTO bench_raw_events (stream_id, event_id, event_type, data, metadata) VALUES ($1, $2, $3, $4, $5)',
        [`workorder-${randomUUID()}`, randomUUID(), 'closeloop.workorder.reported.v1', reportData(), metadata()],
      ),
    );

    const { getPostgreSQLEventStore } = require('@event-driven-io/emmett-postgresql');
    const emmett = getPostgreSQLEventStore(databaseUrl, {
      connectionOptions: { connectionString: databaseUrl, pooled: true, maxConnections: WRITERS },
      schema: { autoMigration: 'CreateOrUpdate' },
    });
    // Its schema is created by the first append; made here, outside the measured time.
    await emmett.appendToStream(`workorder-${randomUUID()}`, [{ type: 'WorkOrderReported', data: reportData() }]);
    const emmettFigures = await measure('emmett-postgresql', () =>
      emmett.appendToStream(
        `workorder-${randomUUID()}`,
        [{ type: 'WorkOrderReported', data: reportData(), metadata: metadata() }],
        { expectedStreamVersion: 'STREAM_DOES_NOT_EXIST' },
      ),
    );
    await emmett.close();

    const store = new PostgresEventStore(pool);
    const closeloop = await measure('closeloop', () =>
      store.append(
        `workorder-${randomUUID()}`,
        [{ eventId: randomUUID(), type: 'closeloop.workorder.reported.v1', data: reportData(), metadata: metadata() }],
        'no-stream',
      ),
    );

    console.log(
      JSON.stringify({
        bench: 'append',
        comparison: 'closeloop against the others, same run',
        ofEmmett: Number((closeloop.appendsPerSecond / emmettFigures.appendsPerSecond).toFixed(2)),
        ofRawInsert: Number((closeloop.appendsPerSecond / raw.appendsPerSecond).toFixed(2)),
        targets: { ofEmmett: 1.5, ofRawInsert: 0.5 },
      }),
    );
  });

runBench(main);
