#!/usr/bin/env node
// npm run bench: the performance suite, one part after another on this machine (never in parallel: they would
// measure each other), each a bench of its own that prints JSON lines. Parts: append side by side (pg INSERT,
// Emmett, Closeloop), the read side, the end-to-end pipeline at fixed rates and the searched sustainable rate, and
// the SLA timer burst. BENCH_PARTS=append,read picks some. Not part of npm test; nothing is asserted.
'use strict';
const { spawnSync } = require('node:child_process');
const { cpus, loadavg, totalmem } = require('node:os');
const { join } = require('node:path');

const PARTS = {
  append: 'append.bench.js',
  read: 'read-side.bench.js',
  e2e: 'end-to-end.bench.js',
  sla: 'sla-timers.bench.js',
};

const chosen = (process.env.BENCH_PARTS ?? Object.keys(PARTS).join(',')).split(',').filter(Boolean);
const unknown = chosen.filter((part) => !(part in PARTS));
if (unknown.length > 0) {
  console.error(`unknown BENCH_PARTS ${unknown.join(', ')}; known: ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}

console.log(
  JSON.stringify({
    bench: 'suite',
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    loadAverage: loadavg().map((l) => Number(l.toFixed(1))),
    node: process.version,
    parts: chosen,
  }),
);
let failed = 0;
for (const part of chosen) {
  const result = spawnSync(process.execPath, [join(__dirname, PARTS[part])], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench part ${part} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
