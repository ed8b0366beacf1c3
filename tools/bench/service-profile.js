// Preloaded into each service by the end-to-end bench's profile mode (BENCH_CPU_PROFILE, through NODE_OPTIONS
// `--require`; Node refuses `--cpu-prof` there). Two things, both written to <BENCH_PROFILE_DIR>:
// - a V8 CPU profile, <pid>.cpuprofile, written at exit (what `--cpu-prof` would write), for
//   tools/bench/cpu-profile-summary.js; it starts once the bench creates <dir>/started (the stack is up), so start-up
//   work (loading and compiling modules, migrations) does not drown the load's profile;
// - the process's PostgreSQL statements and transactions, in all and by statement, <pid>.json, when the bench sends SIGUSR2 (before and after
//   each phase; a file written every second cost the services measurable time on a busy host) and at exit: pg_stat_database
//   only counts them for the whole database, and this server has no pg_stat_statements to split them. A transaction
//   is a COMMIT or ROLLBACK of an explicit one, or a statement sent outside one (PostgreSQL commits it on its own).
'use strict';
const { Session } = require('node:inspector');
const { existsSync, renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let profiling = false;
  const startWhenAsked = setInterval(() => {
    if (!existsSync(join(dir, 'started'))) return;
    clearInterval(startWhenAsked);
    session.post('Profiler.enable');
    session.post('Profiler.start');
    profiling = true;
  }, 200).unref();

  const { Client } = require(require.resolve('pg', { paths: [process.cwd()] }));
  // byStatement: how often each statement was sent, by its first words (a named statement by its name), so the
  // bench can say which statements a report cost.
  const counts = { statements: 0, transactions: 0, byStatement: {} };
  const labelOf = (config) =>
    typeof config === 'string'
      ? config.slice(0, 160).replace(/\s+/g, ' ').trim().slice(0, 80)
      : (config?.name ?? (config?.text ?? '').slice(0, 160).replace(/\s+/g, ' ').trim().slice(0, 80));
  const inTransaction = new WeakSet();
  const query = Client.prototype.query;
  Client.prototype.query = function countedQuery(config, ...rest) {
    const text = (typeof config === 'string' ? config : (config?.text ?? '')).trimStart().slice(0, 16).toUpperCase();
    counts.statements += 1;
    const label = labelOf(config);
    counts.byStatement[label] = (counts.byStatement[label] ?? 0) + 1;
    if (/^(BEGIN|START)/.test(text)) inTransaction.add(this);
    else if (/^(COMMIT|ROLLBACK|END)/.test(text)) {
      inTransaction.delete(this);
      counts.transactions += 1;
    } else if (!inTransaction.has(this)) counts.transactions += 1;
    return query.call(this, config, ...rest);
  };
  // Written whole and then renamed, so the bench never reads half a file.
  const writeCounts = () => {
    const file = join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.part`, JSON.stringify(counts));
    renameSync(`${file}.part`, file);
  };
  process.on('SIGUSR2', writeCounts);
  process.on('exit', () => {
    writeCounts();
    if (!profiling) return;
    // On the main thread the inspector answers synchronously, so the profile is written before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
