// Preloaded into each service by the end-to-end bench's profile mode (BENCH_CPU_PROFILE, through NODE_OPTIONS
// `--require`): counts the process's PostgreSQL statements and transactions, which pg_stat_database only gives for
// the whole database and this server has no pg_stat_statements to split. A transaction is a COMMIT or ROLLBACK of an
// explicit one, or a statement sent outside one (PostgreSQL commits it on its own). The counts go to
// <BENCH_PG_COUNT_DIR>/<pid>.json once a second and at exit, for the bench to read before and after each phase.
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PG_COUNT_DIR;
if (dir) {
  const { Client } = require(require.resolve('pg', { paths: [process.cwd()] }));
  const counts = { statements: 0, transactions: 0 };
  const inTransaction = new WeakSet();
  const query = Client.prototype.query;
  Client.prototype.query = function countedQuery(config, ...rest) {
    const text = (typeof config === 'string' ? config : (config?.text ?? '')).trimStart().slice(0, 16).toUpperCase();
    counts.statements += 1;
    if (/^(BEGIN|START)/.test(text)) inTransaction.add(this);
    else if (/^(COMMIT|ROLLBACK|END)/.test(text)) {
      inTransaction.delete(this);
      counts.transactions += 1;
    } else if (!inTransaction.has(this)) counts.transactions += 1;
    return query.call(this, config, ...rest);
  };
  const file = join(dir, `${process.pid}.json`);
  const write = () => writeFileSync(file, JSON.stringify(counts));
  setInterval(write, 1_000).unref();
  process.on('exit', write);
}
