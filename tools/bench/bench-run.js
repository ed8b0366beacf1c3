// What every bench does around its measurement: waiting, reading percentiles off sorted samples, and failing loudly.
'use strict';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The sample at fraction `p` (0..1) of an ascending list; NaN when there is none. */
const percentile = (sorted, p) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

/** Runs a bench's main: benches assert nothing, so a failure is the only thing that ends one with exit code 1. */
const runBench = (main) =>
  main().catch((error) => {
    console.error(`bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  });

/**
 * Runs `work` on a database of its own, migrated, and drops it afterwards whatever happens: benches load millions of
 * rows that nobody should find in the shared server later. `kept` names a database to use and keep instead (a bench
 * that offers it says how to drop it): iterating on a measurement need not load the same rows again.
 */
const withBenchDatabase = async (name, poolSize, work, kept = undefined) => {
  const { join } = require('node:path');
  const { createPool, ensureDatabase, migrate, withDatabase } = require(join(__dirname, '../../libs/database/dist'));
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = kept ?? `cl_bench_${name}_${Date.now().toString(36)}`;
  await ensureDatabase(adminUrl, database);
  const pool = createPool(withDatabase(adminUrl, database), 'bench', poolSize);
  try {
    await migrate(pool);
    return await work(pool);
  } finally {
    await pool.end();
    if (kept === undefined) {
      const admin = createPool(adminUrl, 'bench-cleanup', 1);
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  }
};

module.exports = { percentile, runBench, sleep, withBenchDatabase };
