// The chaos harness's options and its verdict: pure functions of what the run measured, so the rules that make a
// run fail are read (and tested) in one place, apart from the processes and sockets of tools/chaos/chaos.js.
'use strict';

const VICTIMS = ['intake', 'dispatch', 'sla-timer', 'notification', 'query', 'relay-leader'];

const DEFAULTS = {
  duration: 180,
  rate: 5,
  connections: 16,
  urgentEvery: 4,
  down: 3,
  settle: 90,
  recoveryLimit: 10,
  maxAlertsPerOrder: 20,
  killBroker: false,
  killPostgres: false,
  only: undefined,
  portOffset: 25_000,
  infraPortBase: 29_000,
  env: {},
  keep: false,
};

const USAGE = `usage: npm run chaos -- [options]

Starts the five services on a database, topic prefix and ports of their own (ports +25000), posts reports at a
steady rate through an integrator that retries with the same Idempotency-Key, with every on-call webhook down,
SIGKILLs each service in turn (and the relay's leader), restarts it, and checks what the event store and the
query service hold. Exits 1 when an invariant fails.

  --duration <s>              seconds of traffic, at least; the kills are spread over it, and traffic goes on
                              until the last kill is recovered from (default ${DEFAULTS.duration})
  --rate <n>                  reports a second, 0.5-50 (default ${DEFAULTS.rate})
  --connections <n>           requests the integrator has open at most (default ${DEFAULTS.connections})
  --urgent-every <n>          every n-th report is urgent (default ${DEFAULTS.urgentEvery})
  --down <s>                  how long a killed process stays down before its restart (default ${DEFAULTS.down})
  --settle <s>                after the traffic, how long the pipeline may take to catch up (default ${DEFAULTS.settle})
  --recovery-limit <s>        restart-to-work bound per kill, 0 to only report it (default ${DEFAULTS.recoveryLimit})
  --max-alerts-per-order <n>  bound on alerts raised for one order (default ${DEFAULTS.maxAlertsPerOrder})
  --kill-broker               also SIGKILL the broker: a private one the harness starts (scripts/infra/kafka.sh)
  --kill-postgres             also SIGKILL PostgreSQL: a private cluster the harness starts (scripts/infra/postgres.sh)
  --only <a,b,...>            kill only these (${VICTIMS.join(', ')}, broker, postgres)
  --port-offset <n>           where the services listen: 3001-3005 + n (default ${DEFAULTS.portOffset})
  --infra-port-base <n>       private broker on n+92 (controller n+93), PostgreSQL on n+432 (default ${DEFAULTS.infraPortBase})
  --env KEY=VALUE             one more setting for every service (repeatable)
  --keep                      keep the database and topics afterwards, for a look
`;

const number = (name, value, min, max) => {
  const parsed = Number(value);
  if (value === undefined || !Number.isFinite(parsed) || parsed < min || parsed > max)
    throw new Error(`${name} must be a number from ${min} to ${max}, not ${value}`);
  return parsed;
};

/** The options that take a number: the property each sets, and the range it must fall in. */
const NUMBER_OPTIONS = {
  '--duration': ['duration', 20, 3_600],
  '--rate': ['rate', 0.5, 50],
  '--connections': ['connections', 1, 256],
  '--urgent-every': ['urgentEvery', 1, 1_000],
  '--down': ['down', 0, 120],
  '--settle': ['settle', 10, 1_800],
  '--recovery-limit': ['recoveryLimit', 0, 600],
  '--max-alerts-per-order': ['maxAlertsPerOrder', 1, 100_000],
  '--port-offset': ['portOffset', 1_000, 60_000],
  '--infra-port-base': ['infraPortBase', 1_024, 65_000],
};

/** The options that take no value: the property each turns on. */
const SWITCH_OPTIONS = { '--kill-broker': 'killBroker', '--kill-postgres': 'killPostgres', '--keep': 'keep' };

/** Reads the command line; throws with the problem (the caller prints the usage). */
const parseOptions = (argv) => {
  const options = { ...DEFAULTS, env: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    if (Object.hasOwn(NUMBER_OPTIONS, flag)) {
      const [property, min, max] = NUMBER_OPTIONS[flag];
      options[property] = number(flag, value(), min, max);
    } else if (Object.hasOwn(SWITCH_OPTIONS, flag)) {
      options[SWITCH_OPTIONS[flag]] = true;
    } else if (flag === '--only') {
      const names = String(value() ?? '')
        .split(',')
        .filter(Boolean);
      const known = [...VICTIMS, 'broker', 'postgres'];
      const unknown = names.filter((n) => !known.includes(n));
      if (names.length === 0 || unknown.length > 0)
        throw new Error(`--only takes some of ${known.join(', ')}; not ${unknown.join(', ') || '(nothing)'}`);
      options.only = names;
    } else if (flag === '--env') {
      const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(String(value() ?? ''));
      if (!match) throw new Error('--env takes KEY=VALUE');
      options.env[match[1]] = match[2];
    } else {
      throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
};

/** What is killed, in order: the services, the relay's leader, then the infrastructure the harness owns. */
const victimsOf = (options) => {
  const all = [...VICTIMS, ...(options.killBroker ? ['broker'] : []), ...(options.killPostgres ? ['postgres'] : [])];
  if (!options.only) return all;
  for (const name of options.only) {
    if (name === 'broker' && !options.killBroker)
      throw new Error('--only broker needs --kill-broker: the shared broker is never killed');
    if (name === 'postgres' && !options.killPostgres)
      throw new Error('--only postgres needs --kill-postgres: the shared PostgreSQL is never killed');
  }
  return all.filter((v) => options.only.includes(v));
};

const percentile = (values, p) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
};

const seconds = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/**
 * The verdict on a run: every accepted report is one order, with its timeline; nothing is assigned or timed twice;
 * query's timelines are the store's; alerts per order stay under the bound; and each kill is recovered from within
 * the limit. `m` is what chaos.js measured; returns the failures, each a sentence.
 */
const failuresOf = (m, options) => {
  const failures = [];
  const count = (n, what) => {
    if (n > 0) failures.push(`${n} ${what}`);
  };
  count(m.reports.gaveUp, "report(s) never accepted within the integrator's retry budget");
  count(m.reports.refused, 'report(s) refused with a 4xx');
  count(m.orders.lost, 'accepted order(s) lost (not in the event store, or no timeline in query)');
  count(m.orders.createdTwice, 'report(s) that made more than one order (a retry with the same key made another)');
  count(m.orders.doubleAssigned, 'order(s) assigned more than once');
  count(m.orders.neverAssigned, 'order(s) never assigned or queued');
  count(m.orders.doubleTimed, 'order(s) timed more than once (targets set, breach or escalation level recorded twice)');
  count(m.orders.neverTimed, 'order(s) whose SLA targets were never set');
  count(m.orders.notShown - m.orders.withoutTimeline, 'order(s) of unanswered reports that query never shows');
  count(m.timelines.differing, 'timeline(s) differing from the event store');
  count(m.servicesExited.length, `service exit(s) nobody caused: ${m.servicesExited.join(', ')}`);
  if (m.alerts.max > options.maxAlertsPerOrder)
    failures.push(`alerts per order up to ${m.alerts.max}, over the bound of ${options.maxAlertsPerOrder}`);
  for (const k of m.kills) {
    if (k.error) failures.push(`${k.victim}: ${k.error}`);
    else if (k.recoveredMs === undefined) failures.push(`${k.victim}: no work resumed within ${seconds(k.waitedMs)}`);
    else if (options.recoveryLimit > 0 && k.recoveredMs > options.recoveryLimit * 1000)
      failures.push(`${k.victim}: recovery ${seconds(k.recoveredMs)} over ${options.recoveryLimit} s`);
  }
  return failures;
};

/** The printed summary, one line per figure. */
const summaryOf = (m, options) => {
  const r = m.reports;
  const lines = [
    `== Closeloop chaos run, ${m.startedAt}: ${Math.round(m.trafficSeconds)} s of traffic at ${options.rate} reports/s ` +
      `(every ${options.urgentEvery}. urgent), every on-call webhook answering 500`,
    `machine: ${m.machine}; load average ${m.loadAverage}; harness event-loop delay p99 ${m.eventLoopDelayMs} ms; ` +
      `broker ${m.brokerOwned ? 'private (killed)' : 'shared (not killed)'}, PostgreSQL ${m.postgresOwned ? 'private (killed)' : 'shared (not killed)'}`,
    `reports: ${r.planned} sent, ${r.accepted} accepted (202), ${r.gaveUp} given up (${r.gaveUpButStored} of them in the store all the same), ` +
      `${r.refused} refused; ${r.retried} needed retries (${r.retries} retries: ${
        Object.entries(r.errors)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ') || 'none'
      })`,
    `  first attempt to 202: p50 ${seconds(percentile(r.latencies, 0.5))}, p99 ${seconds(percentile(r.latencies, 0.99))}, ` +
      `max ${seconds(percentile(r.latencies, 1))}; ${r.urgent} urgent`,
    `orders: ${m.orders.created} created in the store, ${m.orders.lost} lost ` +
      `(${m.orders.notInStore} not in the event store, ${m.orders.withoutTimeline} without a timeline in query), ${m.orders.createdTwice} created twice`,
    `  of all ${m.orders.created}: ${m.orders.doubleAssigned} double-assigned, ${m.orders.neverAssigned} never assigned; ` +
      `${m.orders.doubleTimed} double-timed, ${m.orders.neverTimed} never timed; ${m.orders.notShown} never shown by query`,
    `settle: when the traffic ended, ${m.settle.unsettledAtStart} orders were not yet assigned and timed; ` +
      `${m.settle.unsettledAtEnd} still were after the settle (${m.settle.seconds} s)`,
    `at the end: the relay had ${m.behind.relay} events left to publish; consumer lag in messages: ${m.behind.consumers}`,
    `timelines: ${m.timelines.differing} of ${m.timelines.compared} differ from the event store` +
      `${m.timelines.examples.length ? ` (e.g. ${m.timelines.examples.join('; ')})` : ''}`,
    `alerts: ${m.alerts.total} raised for ${m.alerts.orders} orders; per alerted order max ${m.alerts.max}, ` +
      `mean ${m.alerts.mean.toFixed(1)} (bound ${options.maxAlertsPerOrder}); ` +
      `${m.alerts.lastWindow} raised in the last ${m.alerts.lastWindowSeconds} s of the settle; ` +
      `${m.webhookRequests} webhook requests, each answered 500`,
    `recovery after each kill (restart = the killed process started again; ` +
      `work = the first evidence of it working)${options.recoveryLimit > 0 ? `, limit ${options.recoveryLimit} s` : ''}:`,
  ];
  for (const k of m.kills) {
    const took = k.error
      ? `ERROR ${k.error}`
      : k.recoveredMs === undefined
        ? `no work within ${seconds(k.waitedMs)}`
        : seconds(k.recoveredMs);
    lines.push(
      `  ${k.victim.padEnd(13)} at +${seconds(k.atMs).padStart(7)}  down ${seconds(k.downMs).padStart(6)}  ` +
        `restart→healthy ${seconds(k.healthyMs).padStart(7)}  ${k.measure}: ${took}${k.note ? `  (${k.note})` : ''}`,
    );
  }
  return lines;
};

module.exports = { DEFAULTS, USAGE, VICTIMS, parseOptions, victimsOf, failuresOf, summaryOf, percentile };
