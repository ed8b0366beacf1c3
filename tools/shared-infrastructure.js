// What the benchmarks and the chaos run share: where the broker and database are, and clearing up after a run.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const { createPool } = require(join(root, 'libs/database/dist'));
const { deleteTopicsWithPrefix } = require(join(root, 'libs/testing/dist'));

/** The shared broker and database: the environment first, else what scripts/infra/up.sh recorded. */
const sharedInfrastructure = () => {
  const recorded = {};
  const file = join(root, '.local', 'infra.env');
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) recorded[match[1]] = match[2];
    }
  }
  return {
    adminUrl: process.env.DATABASE_URL ?? recorded.DATABASE_URL,
    brokers: process.env.KAFKA_BROKERS ?? recorded.KAFKA_BROKERS,
  };
};

/** Drops a run's database, ending whatever sessions still use it. */
const dropDatabase = async (adminUrl, database, applicationName) => {
  const admin = createPool(adminUrl, applicationName, 1);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
};

/** Clears up after a run: its database, then its topics (every topic whose name starts with its prefix). */
const clearRun = async ({ adminUrl, kafka, database, prefix }) => {
  await dropDatabase(adminUrl, database, 'closeloop-cleanup');
  await deleteTopicsWithPrefix(kafka, prefix);
};

module.exports = { sharedInfrastructure, dropDatabase, deleteTopicsWithPrefix, clearRun };
