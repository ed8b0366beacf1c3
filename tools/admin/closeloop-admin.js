#!/usr/bin/env node
// closeloop-admin (npm run -s admin -- <command>): registers integrators and manages their API keys in the
// database the services use, issues staff tokens from the local signing key for the demo and development, makes
// the console's one-time sign-in links for the local stack, and
// rebuilds the services' read models from the event store, and shows and releases what the pipelines set aside
// (parked relay events, failed timers and deliveries).
// Plain JavaScript over the built libraries, like tools/bench: run `npm run build` first.
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const { AUDIT_HELP, AUDIT_OPTIONS, auditCommands } = require('./audit-commands');

const root = join(__dirname, '..', '..');

const HELP = `closeloop-admin: integrator API keys, local staff tokens and sign-in links, read-model rebuilds, parked and failed work

Usage: npm run -s admin -- <command> [options]     (or: node tools/admin/closeloop-admin.js <command> ...)

Integrators (outside systems that submit reports; their keys are stored as argon2id hashes only)
  integrator create --id <id> --name <name> --sites <S1,S2|*> --event-types <types|*>
      Registers an integrator and prints its first API key, once.
      Event types are intake types (closeloop.intake.report-submitted.v1, or short: report-submitted).
  integrator list
  integrator rotate --id <id> [--overlap <duration>]
      Prints a new key, once; the old keys keep working for the overlap (default 24h; 0 ends them now).
  integrator revoke --key-id <keyId>
      Stops a key at once.
  integrator scope --id <id> [--sites <S1,S2|*>] [--event-types <types|*>]

Staff tokens (signed with the local key in <key-dir>, default .local/keys; production uses the real IdP)
  token issue --staff-id <id> --name <name> --roles <role,...> --sites <S1,...|*> [--ttl <duration>]
              [--key-dir <dir>] [--issuer <iss>] [--audience <aud>]
      Roles: dispatcher, technician, supervisor, on-call, admin. --ttl defaults to 8h.
      Issuer and audience default to $STAFF_TOKEN_ISSUER / $STAFF_TOKEN_AUDIENCE, else closeloop-local / closeloop.
  token jwks [--key-dir <dir>]
      Prints the path of the public JWKS file the services verify staff tokens with.

Console sign-in (the local stack's console exchanges the code for a staff token signed with its local key)
  console sign-in-link --staff-id <id> --name <name> --roles <role,...> --sites <S1,...|*> [--ttl <duration>]
              [--console-url <url>]
      Prints a link (http://127.0.0.1:3006/sign-in#code=...) that signs this person in once, within --ttl
      (default 10m, at most 24h). Only the code's hash is stored. --console-url defaults to $CONSOLE_URL, else
      http://127.0.0.1:3006.

Read models (rebuilt from the event store while the services run; see docs/operations.md, "Rebuilding read models")
  projections rebuild [--service <query|notification>] [--no-swap]
      Folds every stored event into new tables (<table>__rebuild), catches up, then swaps them in atomically.
      Without --service, every service that has read models. --no-swap leaves the new tables beside the live
      ones, caught up at the end of the run, for comparison, and changes nothing the services read.

Parked and failed work (docs/operations.md, "Poison messages")
  relay parked list [--all] [--limit <n>]
      Events the relay could not publish (and later events of their streams held behind them); --all also lists
      resolved ones. The relay is the one of $KAFKA_TOPIC_PREFIX (or --prefix <p>).
  relay parked retry <eventId>
      Asks the leading relay to publish the event again, then the events held behind it, in stream order.
  relay parked skip <eventId>
      Never publishes the event; the events held behind it go out without it.
  consumer parked list [--limit <n>]
      Records a consumer could neither handle nor dead-letter (too large with the dead-letter headers).
  timers list-failed [--limit <n>]
  timers retry <timerId> | --all
      Fires a failed timer (or every one) again at the next poll, with a fresh attempt budget.
  deliveries list-failed [--limit <n>]
  deliveries retry <alertId> [--staff-id <id>] [--channel <channel>] | --all
      Queues an alert's failed deliveries (or every failed delivery) again, due now.

${AUDIT_HELP}

Options
  --json    machine-readable output on stdout (notices still go to stderr)
  --help    this text
Durations: 90, 90s, 15m, 24h, 7d.

Database: $DATABASE_URL as is (the services' database); else the server recorded in .local/infra.env by
scripts/infra/up.sh, database $CLOSELOOP_DATABASE (default closeloop), created if missing. Migrations run first.

Exit codes: 0 done, 1 failed, 2 usage error.`;

class UsageError extends Error {}

/** A module of a service, built (the rebuilds live next to each service's projection, in TypeScript). */
const loadBuiltApp = (app, module) => {
  const file = join(root, 'apps', app, 'dist', `${module}.js`);
  if (!existsSync(file)) throw new Error(`apps/${app}/dist is missing: run \`npm run build\` first`);
  return require(file);
};

const loadBuilt = (library) => {
  const dist = join(root, 'libs', library, 'dist');
  if (!existsSync(join(dist, 'index.js')))
    throw new Error(`libs/${library}/dist is missing: run \`npm run build\` first`);
  return require(dist);
};

// ---------------------------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------------------------

// A command that takes one positional argument (an id) names it under this key.
const POSITIONAL = Symbol.for('closeloop-admin.positional');

const COMMANDS = {
  'integrator create': { id: 'string', name: 'string', sites: 'string', 'event-types': 'string' },
  'integrator list': {},
  'integrator rotate': { id: 'string', overlap: 'string' },
  'integrator revoke': { 'key-id': 'string' },
  'integrator scope': { id: 'string', sites: 'string', 'event-types': 'string' },
  'token issue': {
    'staff-id': 'string',
    name: 'string',
    roles: 'string',
    sites: 'string',
    ttl: 'string',
    'key-dir': 'string',
    issuer: 'string',
    audience: 'string',
  },
  'token jwks': { 'key-dir': 'string' },
  'console sign-in-link': {
    'staff-id': 'string',
    name: 'string',
    roles: 'string',
    sites: 'string',
    ttl: 'string',
    'console-url': 'string',
  },
  'projections rebuild': { service: 'string', 'no-swap': 'boolean' },
  'relay parked list': { all: 'boolean', limit: 'string', prefix: 'string' },
  'relay parked retry': { prefix: 'string', [POSITIONAL]: 'eventId' },
  'relay parked skip': { prefix: 'string', [POSITIONAL]: 'eventId' },
  'consumer parked list': { limit: 'string' },
  'timers list-failed': { limit: 'string' },
  'timers retry': { all: 'boolean', [POSITIONAL]: 'timerId' },
  'deliveries list-failed': { limit: 'string' },
  'deliveries retry': { all: 'boolean', 'staff-id': 'string', channel: 'string', [POSITIONAL]: 'alertId' },
  ...AUDIT_OPTIONS,
};

// The services whose tables are folded from events. The others' tables are working state or configuration, the
// source of truth rather than a copy of the store (ADR 16): intake's number sequences and retry keys, dispatch's
// (none), the sla-timer's timers and applied policy, notification's deliveries, schedules and contacts.
const READ_MODELS = {
  query: () => loadBuiltApp('query', 'projection/work-order.rebuild').rebuildQueryReadModels,
  notification: () => loadBuiltApp('notification', 'alerts/alert.projection').rebuildAlertReadModel,
};
const WITHOUT_READ_MODELS = ['intake', 'dispatch', 'sla-timer'];

const parseCommandLine = (argv) => {
  // The longest run of leading words that names a command: `relay parked list` has three, `token issue` two.
  const words = [];
  while (words.length < 3 && argv[words.length] !== undefined && !argv[words.length].startsWith('-'))
    words.push(argv[words.length]);
  while (words.length > 1 && !COMMANDS[words.join(' ')]) words.pop();
  const command = words.join(' ');
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (wantsHelp && !COMMANDS[command]) return { command: 'help' };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(command ? `unknown command: ${command}` : 'no command given');
  const options = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } };
  for (const [name, type] of Object.entries(spec)) options[name] = { type };
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv.slice(words.length),
      options,
      strict: true,
      allowPositionals: spec[POSITIONAL] !== undefined,
    }));
  } catch (error) {
    throw new UsageError(`${command}: ${error.message}`);
  }
  if (values.help) return { command: 'help' };
  if (positionals.length > 1) throw new UsageError(`${command}: one ${spec[POSITIONAL]} at most`);
  if (positionals.length === 1) values[spec[POSITIONAL]] = positionals[0];
  return { command, values };
};

const required = (values, name) => {
  const value = values[name];
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
};

const list = (text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const requiredList = (values, name) => {
  const items = list(required(values, name));
  if (items.length === 0) throw new UsageError(`--${name} must list at least one value`);
  return items;
};

/** `90`, `90s`, `15m`, `24h`, `7d` → seconds. */
const seconds = (text, name) => {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`--${name} must be a duration such as 90s, 15m, 24h or 7d, not ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? 's'];
};

/** Full intake event types, or their short names (report-submitted → closeloop.intake.report-submitted.v1). */
const eventTypes = (values, name) => {
  const { IntakeEventTypes } = loadBuilt('contracts');
  const known = Object.values(IntakeEventTypes);
  return requiredList(values, name).map((t) =>
    t === '*' || known.includes(t) ? t : known.includes(`closeloop.intake.${t}.v1`) ? `closeloop.intake.${t}.v1` : t,
  );
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const uuidArgument = (value, name) => {
  if (value === undefined || !UUID.test(value.trim()))
    throw new UsageError(`give the ${name} (a UUID)${value === undefined ? '' : `, not ${value}`}`);
  return value.trim().toLowerCase();
};

const limitOf = (values) => {
  if (values.limit === undefined) return 100;
  const n = Number(values.limit);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError(`--limit must be a whole number from 1 to 10000, not ${values.limit}`);
  return n;
};

/** Exactly one of an id and --all. */
const oneOrAll = (values, name) => {
  if (values.all && values[name] !== undefined) throw new UsageError(`give a ${name} or --all, not both`);
  if (values.all) return 'all';
  return uuidArgument(values[name], name);
};

/** Who asked, as recorded on a parked event an operator resolves. */
const operator = () => {
  try {
    return `admin:${require('node:os').userInfo().username}`;
  } catch {
    return 'admin';
  }
};

/** A service's repository that the admin tool shares (plain classes, built with the service). */
// ---------------------------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------------------------

const recordedAdminUrl = () => {
  const file = join(root, '.local', 'infra.env');
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^DATABASE_URL=(.+)$/.exec(l.trim()))
    .find(Boolean);
  return line ? line[1] : undefined;
};

/** The services' database: DATABASE_URL, else the one `npm run up` uses on the recorded server. */
const openDatabase = async (connections = 2) => {
  const { createPool, ensureDatabase, migrate, withDatabase } = loadBuilt('database');
  let url = process.env.DATABASE_URL;
  if (!url) {
    const adminUrl = recordedAdminUrl();
    if (!adminUrl)
      throw new Error(
        'DATABASE_URL is not set and .local/infra.env is missing: set DATABASE_URL, or run `bash scripts/infra/up.sh`',
      );
    const database = process.env.CLOSELOOP_DATABASE || 'closeloop';
    await ensureDatabase(adminUrl, database);
    url = withDatabase(adminUrl, database);
    process.stderr.write(`(database ${database} on the server in .local/infra.env)\n`);
  }
  const pool = createPool(url, 'closeloop-admin', connections);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return pool;
};

const withPool = async (work) => {
  const pool = await openDatabase();
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
};

/**
 * What a service gave up on (sla-timer's timers, notification's deliveries), as its own repository lists it: at most
 * --limit items, printed as a count and then a paragraph an item.
 */
const listFailed = (values, out, { load, heading, paragraphs }) => {
  const limit = limitOf(values);
  const Repository = load();
  return withPool(async (pool) => {
    const list = await new Repository(pool).list(limit);
    out(list, [heading(list), ...paragraphs(list)].join('\n'));
  });
};

/** The relay's parked events, for the deployment of KAFKA_TOPIC_PREFIX (the services' prefix) or --prefix. */
const withRelayState = (values, work) => {
  const { RelayStateRepository, relayNameOf } = loadBuilt('messaging');
  const { TopicBaseNames, topicName } = loadBuilt('contracts');
  const relay = relayNameOf(topicName(TopicBaseNames.events, values.prefix ?? process.env.KAFKA_TOPIC_PREFIX ?? ''));
  return withPool((pool) => work(new RelayStateRepository(pool, relay)));
};

const describeParked = (p) =>
  `${p.eventId}  ${p.status.padEnd(15)}  ${p.streamId} v${p.streamVersion}  ${p.eventType}  parked ${iso(p.parkedAt)}  attempts ${p.attempts}\n` +
  `    ${p.errorCode}: ${p.reason}` +
  (p.resolvedBy ? `\n    resolved by ${p.resolvedBy}${p.resolvedAt ? ` at ${iso(p.resolvedAt)}` : ''}` : '');

const withStore = async (work) => {
  const { IntegratorKeyStore } = loadBuilt('auth');
  const pool = await openDatabase();
  try {
    return await work(new IntegratorKeyStore(pool, () => new Date()));
  } finally {
    await pool.end();
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------------------------

const ONCE =
  'This API key is shown once and cannot be recovered (only its hash is stored): hand it to the integrator now.';

const iso = (date) => (date ? new Date(date).toISOString() : '-');

// Each command reads and checks its arguments before it opens the database.
const commands = {
  'integrator create': (values, out) => {
    const registration = {
      integratorId: required(values, 'id'),
      name: required(values, 'name'),
      sites: requiredList(values, 'sites'),
      eventTypes: eventTypes(values, 'event-types'),
    };
    return withStore(async (store) => {
      const issued = await store.register(registration);
      process.stderr.write(`Integrator ${issued.integratorId} registered, key ${issued.keyId}. ${ONCE}\n`);
      out(issued, issued.apiKey);
    });
  },

  'integrator list': (_values, out) =>
    withStore(async (store) => {
      const integrators = await store.list();
      const text =
        integrators.length === 0
          ? '(no integrators)'
          : integrators
              .map((i) =>
                [
                  `${i.integratorId}  "${i.name}"  sites ${i.sites.join(',')}  types ${i.eventTypes.join(',')}`,
                  ...i.keys.map(
                    (k) =>
                      `  ${k.keyId}  ${k.state.padEnd(8)}  created ${iso(k.createdAt)}` +
                      (k.expiresAt ? `  ${k.state === 'expired' ? 'expired' : 'expires'} ${iso(k.expiresAt)}` : '') +
                      (k.revokedAt ? `  revoked ${iso(k.revokedAt)}` : ''),
                  ),
                ].join('\n'),
              )
              .join('\n');
      out({ integrators }, text);
    }),

  'integrator rotate': (values, out) => {
    const integratorId = required(values, 'id');
    const overlapSeconds = values.overlap === undefined ? 86_400 : seconds(values.overlap, 'overlap');
    return withStore(async (store) => {
      const rotated = await store.rotate(integratorId, overlapSeconds);
      const ending = rotated.expiring.map((k) => `${k.keyId} until ${iso(k.expiresAt)}`).join(', ');
      process.stderr.write(
        `New key ${rotated.keyId} for ${rotated.integratorId}${ending ? `; the old keys work until then: ${ending}` : ''}. ${ONCE}\n`,
      );
      out(rotated, rotated.apiKey);
    });
  },

  'integrator revoke': (values, out) => {
    const keyId = required(values, 'key-id');
    return withStore(async (store) => {
      const revoked = await store.revoke(keyId);
      out(revoked, `Key ${revoked.keyId} of ${revoked.integratorId} revoked at ${iso(revoked.revokedAt)}.`);
    });
  },

  'integrator scope': (values, out) => {
    const integratorId = required(values, 'id');
    if (values.sites === undefined && values['event-types'] === undefined)
      throw new UsageError('give --sites, --event-types or both');
    const change = {
      ...(values.sites === undefined ? {} : { sites: requiredList(values, 'sites') }),
      ...(values['event-types'] === undefined ? {} : { eventTypes: eventTypes(values, 'event-types') }),
    };
    return withStore(async (store) => {
      const scope = await store.updateScope(integratorId, change);
      out(scope, `${scope.integratorId}: sites ${scope.sites.join(',')}, types ${scope.eventTypes.join(',')}`);
    });
  },

  'token issue': async (values, out) => {
    const request = {
      staffId: required(values, 'staff-id'),
      name: required(values, 'name'),
      roles: requiredList(values, 'roles'),
      sites: requiredList(values, 'sites'),
    };
    const ttlSeconds = seconds(values.ttl ?? '8h', 'ttl');
    const dir = keyDir(values);
    const issuer = values.issuer ?? process.env.STAFF_TOKEN_ISSUER ?? 'closeloop-local';
    const audience = values.audience ?? process.env.STAFF_TOKEN_AUDIENCE ?? 'closeloop';
    const { issueStaffToken, ensureLocalSigningKey } = loadBuilt('auth');
    const now = new Date();
    const token = await issueStaffToken({ ...request, dir, issuer, audience, ttlSeconds, now });
    const { jwksFile, kid } = await ensureLocalSigningKey(dir);
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + ttlSeconds * 1000);
    out({ token, expiresAt, issuer, audience, kid, jwksFile }, token);
  },

  'token jwks': async (values, out) => {
    const { ensureLocalSigningKey } = loadBuilt('auth');
    const { jwksFile, kid } = await ensureLocalSigningKey(keyDir(values));
    out({ jwksFile, kid }, jwksFile);
  },

  'console sign-in-link': (values, out) => {
    const { checkedGrant } = loadBuiltApp('console', 'sign-in/sign-in-codes');
    const grant = checkedGrant({
      staffId: required(values, 'staff-id'),
      name: required(values, 'name'),
      roles: requiredList(values, 'roles'),
      sites: requiredList(values, 'sites'),
      ttlSeconds: seconds(values.ttl ?? '10m', 'ttl'),
    });
    const consoleUrl = consoleUrlOf(values);
    const { SignInCodes } = loadBuiltApp('console', 'sign-in/sign-in-codes.repository');
    return withPool(async (pool) => {
      const { code, expiresAt } = await new SignInCodes(pool, () => new Date()).issue(grant);
      // In the fragment: a browser never sends it to the server, so no access log or proxy records it.
      const link = `${consoleUrl}/sign-in#code=${code}`;
      process.stderr.write(
        `A sign-in link for ${grant.name} (${grant.roles.join(', ')}; sites ${grant.sites.join(', ')}): ` +
          `it signs in once, until ${iso(expiresAt)}.\n`,
      );
      out({ link, expiresAt, staffId: grant.staffId }, link);
    });
  },
};

/** The console's address as the browser reaches it, without a trailing slash. */
const consoleUrlOf = (values) => {
  const text = values['console-url'] ?? process.env.CONSOLE_URL ?? 'http://127.0.0.1:3006';
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--console-url must be an http(s) URL, not ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--console-url must be an http(s) URL, not ${text}`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
};

Object.assign(commands, {
  'projections rebuild': async (values, out) => {
    const service = values.service?.trim();
    if (service !== undefined && !READ_MODELS[service]) {
      throw new UsageError(
        WITHOUT_READ_MODELS.includes(service)
          ? `--service ${service}: ${service} keeps no read model folded from events, nothing to rebuild`
          : `--service must be one of ${Object.keys(READ_MODELS).join(', ')}, not ${service}`,
      );
    }
    const services = service ? [service] : Object.keys(READ_MODELS);
    const rebuilds = services.map((name) => [name, READ_MODELS[name]()]);
    const { PostgresEventStore } = loadBuilt('event-store');
    // A rebuild holds its run lock on one connection and its swap transaction on another while it reads the store.
    const pool = await openDatabase(4);
    try {
      const store = new PostgresEventStore(pool);
      const reports = [];
      for (const [name, rebuild] of rebuilds) {
        const log = (message) => process.stderr.write(`${message}\n`);
        reports.push(await rebuild({ pool, store, swap: values['no-swap'] !== true, log }));
        log(`${name}: done`);
      }
      const describe = (r) =>
        `${r.readModel}: ${r.events} events read, ${r.applied} applied in ${r.passes} passes` +
        (r.unpublishable ? `, ${r.unpublishable} unpublishable skipped` : '') +
        `; ${Object.entries(r.rows)
          .map(([table, n]) => `${table} ${n} rows`)
          .join(', ')}; ` +
        (r.swapped
          ? `swapped in (live projection paused ${r.swapMillis} ms, ${r.reconciled} rows reconciled)`
          : 'left beside the live tables, not swapped') +
        ` in ${(r.totalMillis / 1000).toFixed(1)} s`;
      out({ rebuilds: reports }, reports.map(describe).join('\n'));
    } finally {
      await pool.end();
    }
  },

  'relay parked list': (values, out) => {
    const limit = limitOf(values);
    return withRelayState(values, async (state) => {
      const list = await state.list({ include: values.all ? 'all' : 'unresolved', limit });
      const lines = list.events.map(describeParked);
      out(
        { relay: state.relay, ...list },
        [`${state.relay}: ${list.unresolved} unresolved parked event(s)`, ...lines].join('\n'),
      );
    });
  },

  'relay parked retry': (values, out) => {
    const eventId = uuidArgument(values.eventId, 'eventId');
    return withRelayState(values, async (state) => {
      const parked = await state.retry(eventId, operator());
      out(
        parked,
        `Event ${parked.eventId} will be published again by the leading relay, then the events held behind it.`,
      );
    });
  },

  'relay parked skip': (values, out) => {
    const eventId = uuidArgument(values.eventId, 'eventId');
    return withRelayState(values, async (state) => {
      const parked = await state.skip(eventId, operator());
      out(parked, `Event ${parked.eventId} is skipped for good; the events held behind it go out without it.`);
    });
  },

  'consumer parked list': (values, out) => {
    const limit = limitOf(values);
    const { PostgresParkedMessages } = loadBuilt('messaging');
    return withPool(async (pool) => {
      const messages = await new PostgresParkedMessages(pool).list(limit);
      const json = messages.map((m) => ({
        ...m,
        key: m.key?.toString('base64') ?? null,
        value: m.value?.toString('base64') ?? null,
        valueBytes: m.value?.length ?? 0,
        headers: m.headers.map((h) => ({ name: h.name, value: h.value.toString('base64') })),
      }));
      const text =
        messages.length === 0
          ? '(no parked messages)'
          : messages
              .map(
                (m) =>
                  `${m.consumerGroup}  ${m.topic}[${m.partition}]@${m.offset}  ${m.value?.length ?? 0} bytes  parked ${iso(m.parkedAt)}\n` +
                  `    ${m.errorCode}: ${m.reason}\n    dead letter refused: ${m.deadLetterError}`,
              )
              .join('\n');
      out({ messages: json }, text);
    });
  },

  'timers list-failed': (values, out) =>
    listFailed(values, out, {
      load: () => loadBuiltApp('sla-timer', 'callback-timers/failed-timers.repository').FailedTimers,
      heading: (list) => `${list.failed} failed timer(s)`,
      paragraphs: (list) =>
        list.timers.map(
          (t) =>
            `${t.timerId}  ${t.kind}  order ${t.workOrderId}  due ${iso(t.dueAt)}  ` +
            `failed ${iso(t.failedAt)} after ${t.attempts} attempts\n    ${t.lastError ?? ''}`,
        ),
    }),

  'timers retry': (values, out) => {
    const which = oneOrAll(values, 'timerId');
    const { FailedTimers } = loadBuiltApp('sla-timer', 'callback-timers/failed-timers.repository');
    return withPool(async (pool) => {
      const retried = await new FailedTimers(pool).retry(which);
      out({ retried }, `${retried.length} timer(s) will fire again at the next poll.`);
    });
  },

  'deliveries list-failed': (values, out) =>
    listFailed(values, out, {
      load: () => loadBuiltApp('notification', 'alerts/failed-deliveries.repository').FailedDeliveries,
      heading: (list) => `${list.failed} failed deliver${list.failed === 1 ? 'y' : 'ies'}`,
      paragraphs: (list) =>
        list.deliveries.map(
          (d) =>
            `${d.alertId}  ${d.channel} to ${d.staffId}  site ${d.siteId}  order ${d.workOrderId}  ` +
            `failed ${iso(d.failedAt)} after ${d.processingFailures} tries\n    ${d.lastError ?? ''}`,
        ),
    }),

  'deliveries retry': (values, out) => {
    const which = oneOrAll(values, 'alertId');
    if (which === 'all' && (values['staff-id'] !== undefined || values.channel !== undefined))
      throw new UsageError('--staff-id and --channel narrow one alert, not --all');
    const selection =
      which === 'all' ? 'all' : { alertId: which, staffId: values['staff-id'], channel: values.channel };
    const { FailedDeliveries } = loadBuiltApp('notification', 'alerts/failed-deliveries.repository');
    return withPool(async (pool) => {
      const retried = await new FailedDeliveries(pool).retry(selection);
      out({ retried }, `${retried.length} deliver${retried.length === 1 ? 'y' : 'ies'} queued again.`);
    });
  },
});

Object.assign(commands, auditCommands({ loadBuilt, withPool, UsageError, root }));

const keyDir = (values) => resolve(values['key-dir'] ?? join(root, '.local', 'keys'));

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

const describeFailure = (error) => {
  const issues = Array.isArray(error.issues)
    ? error.issues.map((i) => `\n  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('')
    : '';
  return `${error.message}${issues}`;
};

const main = async (argv) => {
  let parsed;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`closeloop-admin: ${error.message}\n\n${HELP}\n`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const json = parsed.values.json === true;
  const out = (data, text) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
  try {
    // A command that finds what it checks wrong (audit verify) returns 1 after printing what it found.
    const code = await commands[parsed.command](parsed.values, out);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    // Arguments the library refuses (a bad site id, an unknown role) are usage errors too.
    const usage = error instanceof UsageError || error?.kind === 'validation';
    process.stderr.write(`closeloop-admin ${parsed.command}: ${describeFailure(error)}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${HELP}\n`);
    else if (usage) process.stderr.write('(see --help)\n');
    return usage ? 2 : 1;
  }
};

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`closeloop-admin: ${error?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
