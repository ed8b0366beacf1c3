// For the tools that start a stack of their own on the shared broker and PostgreSQL (the benches, the chaos
// harness): the integrator they register on their fresh database, and the variables that point the services there.
'use strict';
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { IntegratorKeyStore } = require(join(__dirname, '..', 'libs/auth/dist'));

/**
 * Registers an integrator allowed every site and event type, as `npm run admin -- integrator create` would, in the
 * database behind `pool`; resolves with its API key.
 */
const registerIntegrator = async (pool, integratorId, name) => {
  const store = new IntegratorKeyStore(pool, () => new Date());
  return (await store.register({ integratorId, name, sites: ['*'], eventTypes: ['*'] })).apiKey;
};

/**
 * What every service of such a stack starts with: its database and topic prefix, the staff-token key it trusts, a
 * fresh alert-link secret, quiet logs, and a rate limit too high to get in the way of a tool's load.
 */
const privateStackEnv = ({ databaseUrl, brokers, prefix, issuer, audience, jwksFile }) => ({
  DATABASE_URL: databaseUrl,
  KAFKA_BROKERS: brokers,
  KAFKA_TOPIC_PREFIX: prefix,
  STAFF_TOKEN_ISSUER: issuer,
  STAFF_TOKEN_AUDIENCE: audience,
  STAFF_JWKS_FILE: jwksFile,
  ALERT_LINK_SECRET: randomBytes(32).toString('hex'),
  RESIDENT_SECRET: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '1000000',
});

module.exports = { privateStackEnv, registerIntegrator };
