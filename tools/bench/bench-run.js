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

module.exports = { percentile, runBench, sleep };
