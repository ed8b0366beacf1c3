#!/usr/bin/env node
// The fault harness (npm run chaos; `--help` for its options). The five services run as processes on a database,
// topic prefix and ports of their own; an integrator posts reports at a steady rate and retries each with the
// same Idempotency-Key until it is accepted; every on-call person's webhook is down. Each service is SIGKILLed in
// turn and restarted, then the relay's leader, then (with --kill-broker / --kill-postgres) a broker and a
// PostgreSQL cluster the harness started for itself. Afterwards it checks what the event store and the query
// service hold and prints a summary; an invariant that fails makes the exit code 1. Traffic goes to 127.0.0.1
// only, every loop is bounded in count and time, and nothing shared is killed. Needs a build.
'use strict';
const { randomBytes, randomUUID } = require('node:crypto');
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:http');
const { cpus, loadavg, tmpdir } = require('node:os');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { join } = require('node:path');
const { Kafka, logLevel } = require('kafkajs');
const root = join(__dirname, '..', '..');
const { EventTypes } = require(join(root, 'libs/contracts/dist'));
const { createPool, ensureDatabase, migrate, withDatabase } = require(join(root, 'libs/database/dist'));
const { ensureLocalSigningKey, issueStaffToken } = require(join(root, 'libs/auth/dist'));
const { startStack, stopChildren } = require(join(root, 'scripts/stack.js'));
const { privateStackEnv, registerIntegrator } = require(join(root, 'scripts/private-stack.js'));
const { USAGE, parseOptions, victimsOf, failuresOf, summaryOf } = require('./chaos-report');
const { PrivateBroker, PrivatePostgres } = require('./private-infra');
const { deleteTopicsWithPrefix, dropDatabase, sharedInfrastructure } = require('../shared-infrastructure');

const ISSUER = 'closeloop-chaos';
const AUDIENCE = 'closeloop';
const SITE = 'S1';
// An integrator gives one report this long (and at most this many attempts) before it gives up on it.
const REPORT_BUDGET_MS = 300_000;
const REPORT_MAX_ATTEMPTS = 100;
const REQUEST_TIMEOUT_MS = 10_000;
const BACKOFF_MAX_MS = 8_000;
// A kill waits this long at most for its victim to work again before the run moves on.
const RECOVERY_WAIT_MS = 120_000;
const POLL_MS = 200;
// Alerts raised in this last part of the settle, with no report coming in any more, show a storm still going.
const LAST_WINDOW_SECONDS = 30;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (message) => console.error(`chaos ${new Date().toISOString().slice(11, 19)} ${message}`);

/** Polls `probe` until it returns a value (its result) or the time is up (undefined). Probe errors count as "not yet". */
const waitFor = async (probe, timeoutMs) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== null) return value;
    await sleep(POLL_MS);
  }
  return undefined;
};

/** Stands in for every on-call person's pager, down: answers 500 to everything, on loopback only, and counts. */
const startDeadReceiver = async () => {
  let requests = 0;
  const server = createServer((request, response) => {
    requests++;
    request.resume();
    request.on('end', () => response.writeHead(500, { 'content-type': 'text/plain' }).end('pager down'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/pager`,
    requests: () => requests,
    close: () => new Promise((resolve) => (server.closeAllConnections?.(), server.close(resolve))),
  };
};

/**
 * An integrator (a hotline's CRM): report i is due at start + i/rate, with its own Idempotency-Key, and is retried
 * with that key after a refused connection, a timeout, a 5xx, a 429 or a 409, with backoff (or the server's
 * Retry-After), until it is accepted or its budget runs out. Like a real client it has a bounded number of
 * connections: a report waits for one, so an intake that stalls faces a queue, not an ever-growing crowd.
 */
class Integrator {
  constructor({ url, apiKey, rate, count, urgentEvery, stamp, connections }) {
    Object.assign(this, { url, apiKey, rate, count, urgentEvery, stamp, connections });
    this.reports = [];
    this.errors = {};
    this.busy = 0;
    this.waiting = [];
    this.stopped = false;
  }

  /** Sends until `enough()` says so, and never more than `count` reports. */
  async run(enough) {
    const start = Date.now();
    const pending = [];
    for (let i = 0; i < this.count && !this.stopped && !enough(); i++) {
      const due = start + (i * 1000) / this.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      pending.push(this.submit(i));
    }
    await Promise.all(pending);
  }

  async connection() {
    if (this.busy < this.connections) {
      this.busy++;
      return;
    }
    await new Promise((resolve) => this.waiting.push(resolve));
  }

  release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy--;
  }

  async submit(i) {
    const urgent = i % this.urgentEvery === 0;
    const report = {
      i,
      key: `chaos-${this.stamp}-${i}`,
      building: `C${this.stamp}-${i}`,
      urgent,
      firstSentAt: Date.now(),
      attempts: 0,
      outcome: 'pending',
    };
    this.reports.push(report);
    const body = JSON.stringify({
      siteId: SITE,
      // A building of its own: no report is linked to another as a duplicate, and its order is found by it.
      building: report.building,
      unit: '101',
      channel: 'phone',
      reporter: { name: 'Chaos Resident', phone: '13800138000' },
      description: urgent
        ? `Burst pipe flooding the stairwell (chaos report ${i})`
        : `Dripping tap in the bathroom (chaos report ${i})`,
    });
    let backoff = 250;
    while (
      report.attempts < REPORT_MAX_ATTEMPTS &&
      Date.now() - report.firstSentAt < REPORT_BUDGET_MS &&
      !this.stopped
    ) {
      let retryAfterMs;
      await this.connection();
      report.attempts++;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey, 'idempotency-key': report.key },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await response.text();
        if (response.status === 202) {
          const accepted = JSON.parse(text);
          Object.assign(report, {
            outcome: 'accepted',
            acceptedAt: Date.now(),
            workOrderId: accepted.workOrderId,
            tier: accepted.tier,
          });
          return;
        }
        const retryable =
          response.status >= 500 || response.status === 429 || response.status === 409 || response.status === 408;
        this.count_(`http ${response.status}`);
        if (!retryable) {
          Object.assign(report, { outcome: 'refused', problem: `${response.status} ${text.slice(0, 200)}` });
          return;
        }
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header > 0) retryAfterMs = Math.min(header * 1000, BACKOFF_MAX_MS);
      } catch (error) {
        const cause = error.cause?.code ?? error.name ?? 'error';
        this.count_(cause === 'TimeoutError' ? 'timeouts' : cause === 'ECONNREFUSED' ? 'refused connections' : cause);
      } finally {
        this.release();
      }
      await sleep(retryAfterMs ?? backoff * (0.5 + Math.random() / 2));
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
    if (report.outcome === 'pending') report.outcome = 'gave-up';
  }

  count_(kind) {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  accepted() {
    return this.reports.filter((r) => r.outcome === 'accepted');
  }

  /** When the first 202 arrived that was answered after `since` (the restarted intake's first). */
  firstAcceptedAfter(since) {
    const times = this.accepted()
      .map((r) => r.acceptedAt)
      .filter((t) => t >= since);
    return times.length ? Math.min(...times) : undefined;
  }
}

const main = async () => {
  let options;
  let victims;
  try {
    if (process.argv.includes('--help')) {
      console.log(USAGE);
      return 0;
    }
    options = parseOptions(process.argv.slice(2));
    victims = victimsOf(options);
  } catch (error) {
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  // The harness's own delays, printed with the figures: a starved harness measures late, and says so.
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const stamp = Date.now().toString(36);
  const startedAt = new Date().toISOString();
  const runDir = join(root, '.local', 'chaos');
  const logDir = join(root, '.local', 'logs', `chaos-${stamp}`);
  mkdirSync(logDir, { recursive: true });
  const shared = sharedInfrastructure();
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length)
      await cleanups
        .pop()()
        .catch((error) => log(`cleanup: ${error.message}`));
  };
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping and cleaning up`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // However the run goes, it ends: traffic, each kill's longest wait, settle, plus a margin for starting and stopping.
  const limitSeconds =
    options.duration + victims.length * (RECOVERY_WAIT_MS / 1000 + options.down + 200) + options.settle + 600;
  const watchdog = setTimeout(() => onSignal('time limit'), limitSeconds * 1000);
  watchdog.unref();

  try {
    // ── Infrastructure: shared unless the harness is to kill it ───────────────────────────────────────────
    let broker;
    let postgres;
    let brokers = shared.brokers;
    let adminUrl = shared.adminUrl;
    /** Starts a broker or PostgreSQL of the run's own, which the kills may take down, and stops it at cleanup. */
    const startPrivate = async (server, what) => {
      await server.assertPortsFree();
      log(`starting ${what}`);
      cleanups.push(() => server.down());
      await server.up();
    };
    // Where a private broker and PostgreSQL keep their data and logs, and the ports they take from.
    const privateLayout = { root, runDir, logDir, portBase: options.infraPortBase };
    if (options.killBroker) {
      broker = new PrivateBroker(privateLayout);
      await startPrivate(broker, `a private broker at ${broker.brokers}`);
      brokers = broker.brokers;
    }
    if (options.killPostgres) {
      postgres = new PrivatePostgres(privateLayout);
      await startPrivate(postgres, `a private PostgreSQL on 127.0.0.1:${postgres.port}`);
      adminUrl = postgres.adminUrl;
    }
    if (!adminUrl || !brokers)
      throw new Error('No PostgreSQL or Kafka: run scripts/infra/up.sh or set DATABASE_URL and KAFKA_BROKERS');

    const database = `cl_chaos_${stamp}`;
    const prefix = `chaos-${stamp}.`;
    const databaseUrl = withDatabase(adminUrl, database);
    await ensureDatabase(adminUrl, database);
    const pool = createPool(databaseUrl, 'closeloop-chaos', 3);
    cleanups.push(async () => {
      await pool.end();
      if (options.keep) return log(`kept database ${database} and topics ${prefix}*`);
      await dropDatabase(adminUrl, database, 'closeloop-chaos-cleanup');
    });
    const kafka = new Kafka({ clientId: 'closeloop-chaos', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    cleanups.push(async () => {
      if (!options.keep) await deleteTopicsWithPrefix(kafka, prefix);
    });
    await migrate(pool);

    // ── Credentials, SLA policy, the stack ──────────────────────────────────────────────────────────────
    const keyDir = mkdtempSync(join(tmpdir(), 'closeloop-chaos-'));
    cleanups.push(async () => rmSync(keyDir, { recursive: true, force: true }));
    const { jwksFile } = await ensureLocalSigningKey(keyDir);
    const apiKey = await registerIntegrator(pool, 'chaos-hotline', 'Chaos hotline');
    // A supervisor edits the on-call schedule; a dispatcher reads timelines with phone numbers unmasked, as stored.
    const staff = async (staffId, roles) =>
      `Bearer ${await issueStaffToken({ dir: keyDir, issuer: ISSUER, audience: AUDIENCE, staffId, name: staffId, roles, sites: ['*'], ttlSeconds: 6 * 3600 })}`;
    const supervisor = await staff('sup-chaos', ['supervisor']);
    const reader = await staff('disp-chaos', ['dispatcher']);
    // Urgent orders breach and climb the escalation chain within the run, so sla-timer's timers fire across its
    // kill and the alert path carries SLA escalations as well as urgent-order alerts.
    const policy = JSON.parse(readFileSync(join(root, 'config', 'sla-policy.json'), 'utf8'));
    policy.id = `chaos-${stamp}`;
    // Its overrides (a lift's response, say) would no longer fit the shortened urgent tier; no chaos report needs one.
    policy.overrides = [];
    policy.tiers.urgent = {
      ...policy.tiers.urgent,
      clock: 'continuous',
      responseSeconds: 40,
      resolutionSeconds: 120,
      escalationIntervalsSeconds: [20, 20],
    };
    const policyFile = join(keyDir, 'sla-policy.json');
    writeFileSync(policyFile, JSON.stringify(policy));
    const receiver = await startDeadReceiver();
    cleanups.push(() => receiver.close());

    const stackOptions = {
      env: {
        ...privateStackEnv({ databaseUrl, brokers, prefix, issuer: ISSUER, audience: AUDIENCE, jwksFile }),
        SLA_POLICY_FILE: policyFile,
        // Retries run out in a few seconds, not a minute, so a dead pager's consequences show within the run.
        ALERT_MAX_ATTEMPTS: '2',
        ALERT_RETRY_BASE_MILLIS: '200',
        ALERT_RETRY_MAX_MILLIS: '1000',
        ALERT_POLL_MILLIS: '200',
        TIMER_POLL_MILLIS: '200',
        // The dead pager listens on 127.0.0.1, which outbound-address rules refuse unless told this is a local stack.
        OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
        ...options.env,
      },
      logDir,
      portOffset: options.portOffset,
    };
    const url = (port) => `http://127.0.0.1:${port + options.portOffset}`;
    const urls = { intake: url(3001), notification: url(3004), query: url(3005) };
    const services = new Map();
    const servicesExited = [];
    const killing = new Set();
    const watch = (started) => {
      for (const s of started) {
        services.set(s.name, s);
        s.child.once('exit', (code, signal) => {
          if (!killing.has(s.name) && services.get(s.name) === s) {
            servicesExited.push(`${s.name} (${signal ?? `code ${code}`})`);
            log(`${s.name} exited on its own (${signal ?? `code ${code}`}); see ${logDir}`);
          }
        });
      }
    };
    cleanups.push(() => {
      for (const name of services.keys()) killing.add(name);
      return stopChildren([...services.values()]);
    });
    const stackStarted = Date.now();
    watch(await startStack(stackOptions));
    log(
      `stack up in ${((Date.now() - stackStarted) / 1000).toFixed(1)} s on ports ${3001 + options.portOffset}-${3005 + options.portOffset}; logs in ${logDir}`,
    );

    // Every level of the site's chain is one person whose only channel is the dead webhook; so is the site's fallback.
    const call = async (method, path, body) => {
      const response = await fetch(`${urls.notification}${path}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: supervisor },
        body: JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(
          `${method} ${path} answered ${response.status}: ${(await response.text()).slice(0, 300)} ` +
            `(an outbound-address rule may need a setting that allows loopback: pass it with --env)`,
        );
    };
    const destinations = [
      { channel: 'webhook', url: receiver.url, secrets: [`whsec_${randomBytes(32).toString('base64')}`] },
    ];
    for (const level of [1, 2, 3]) {
      await call('PUT', `/v1/on-call/rotations/${randomUUID()}`, {
        siteId: SITE,
        level,
        timeZone: 'Asia/Shanghai',
        handoff: 'daily',
        handoffTime: '09:00',
        startsOn: '2020-01-01',
        members: [`oc-chaos-${level}`],
      });
      await call('PUT', `/v1/on-call/contacts/staff/oc-chaos-${level}`, { destinations });
    }
    await call('PUT', `/v1/on-call/contacts/sites/${SITE}`, { destinations });

    // ── Probes: the first evidence, after a moment, that a process works again ──────────────────────────
    const firstEventAfter = (types) => async (since) => {
      const { rows } = await pool.query(
        'SELECT min(recorded_at) AS at FROM es_events WHERE event_type = ANY($1) AND recorded_at > $2',
        [types, new Date(since)],
      );
      return rows[0]?.at ? rows[0].at.getTime() : undefined;
    };
    const timeline = async (workOrderId) => {
      const response = await fetch(`${urls.query}/v1/work-orders/${workOrderId}/timeline`, {
        headers: { authorization: reader },
        signal: AbortSignal.timeout(5_000),
      });
      if (response.status !== 200) return undefined;
      return (await response.json()).events;
    };
    /**
     * The first orders the store holds that were reported after `since`, whether or not intake's answer arrived: a
     * consumer works through its partitions in order, so these are the first to show it works again (the newest
     * would show only that it has caught up).
     */
    const reportedAfter = async (since) =>
      (
        await pool.query(
          `SELECT data->>'workOrderId' AS id FROM es_events WHERE event_type = $1 AND recorded_at > $2 ORDER BY global_position LIMIT 3`,
          [EventTypes.WorkOrderReported, new Date(since)],
        )
      ).rows.map((r) => r.id);
    /** An order reported after `since` whose timeline shows it assigned (or queued) and timed: the whole pipeline works. */
    const pipelineAfter = async (since) => {
      for (const id of await reportedAfter(since)) {
        const types = new Set(((await timeline(id).catch(() => undefined)) ?? []).map((e) => e.type));
        if (
          (types.has(EventTypes.WorkOrderAssigned) || types.has(EventTypes.WorkOrderQueuedForDispatch)) &&
          types.has(EventTypes.SlaTargetsSet)
        )
          return Date.now();
      }
      return undefined;
    };
    /** An order reported after `since` that query shows. */
    const queryAfter = async (since) => {
      for (const id of await reportedAfter(since)) if (await timeline(id).catch(() => undefined)) return Date.now();
      return undefined;
    };
    const probes = {
      intake: { measure: 'restart→202', work: async (since) => integrator.firstAcceptedAfter(since) },
      dispatch: {
        measure: 'restart→assigned',
        work: firstEventAfter([EventTypes.WorkOrderAssigned, EventTypes.WorkOrderQueuedForDispatch]),
      },
      'sla-timer': { measure: 'restart→SLA set', work: firstEventAfter([EventTypes.SlaTargetsSet]) },
      notification: { measure: 'restart→alert raised', work: firstEventAfter([EventTypes.AlertRaised]) },
      // Since the kill, not the restart: orders reported while query was down count, they are what it must catch up on.
      query: { measure: 'restart→timeline', work: queryAfter, since: 'kill' },
    };
    const relayName = `relay:${prefix}workorders.events`;
    const relayLeader = async () => {
      const { rows } = await pool.query(
        `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
        [relayName],
      );
      return rows[0]?.application_name?.replace(/^closeloop-/, '');
    };
    const relayPublishedAfter = async (since) => {
      const { rows } = await pool.query(
        'SELECT updated_at FROM es_checkpoints WHERE subscriber = $1 AND updated_at > $2',
        [relayName, new Date(since)],
      );
      return rows[0] ? rows[0].updated_at.getTime() : undefined;
    };

    const restart = async (name) => {
      const started = await startStack({ ...stackOptions, only: [name] });
      killing.delete(name);
      watch(started);
    };
    const killService = async (name) => {
      const s = services.get(name);
      killing.add(name);
      await new Promise((resolve) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
        s.child.once('exit', resolve);
        s.child.kill('SIGKILL');
      });
    };
    /** After a kill, restarts any service still down (exited of its own, or failed to restart), so the run goes on. */
    const reviveExited = async () => {
      for (const [name, s] of services) {
        if (s.child.exitCode !== null || s.child.signalCode !== null) {
          log(`restarting ${name}, which is down`);
          killing.add(name);
          await restart(name).catch((error) => log(`${name} did not restart: ${error.message}`));
        }
      }
    };

    // ── One kill: down, restart, wait for work ─────────────────────────────────────────────────────────
    const runStart = Date.now();
    const kill = async (victim) => {
      const result = {
        victim,
        atMs: Date.now() - runStart,
        measure: '',
        downMs: undefined,
        healthyMs: undefined,
        recoveredMs: undefined,
        waitedMs: RECOVERY_WAIT_MS,
      };
      try {
        if (victim === 'relay-leader') {
          const leader = await relayLeader();
          if (!leader || !services.has(leader)) throw new Error(`no relay leader found (${leader ?? 'none'})`);
          result.measure = 'kill→publishing again';
          const killedAt = Date.now();
          await killService(leader);
          const published = await waitFor(() => relayPublishedAfter(killedAt), RECOVERY_WAIT_MS);
          result.recoveredMs = published === undefined ? undefined : published - killedAt;
          result.note = `leader was ${leader}, then ${(await relayLeader().catch(() => undefined)) ?? 'none'}`;
          await sleep(Math.max(0, options.down * 1000 - (Date.now() - killedAt)));
          result.downMs = Date.now() - killedAt;
          const restartAt = Date.now();
          await restart(leader);
          result.healthyMs = Date.now() - restartAt;
          return result;
        }
        if (victim === 'broker' || victim === 'postgres') {
          const infra = victim === 'broker' ? broker : postgres;
          result.measure = 'restart→new order through';
          const killedAt = Date.now();
          await infra.kill();
          await sleep(options.down * 1000);
          result.downMs = Date.now() - killedAt;
          const restartAt = Date.now();
          await infra.up();
          result.healthyMs = Date.now() - restartAt;
          const through = await waitFor(() => pipelineAfter(restartAt), RECOVERY_WAIT_MS);
          result.recoveredMs = through === undefined ? undefined : through - restartAt;
          return result;
        }
        const probe = probes[victim];
        result.measure = probe.measure;
        const killedAt = Date.now();
        await killService(victim);
        await sleep(options.down * 1000);
        result.downMs = Date.now() - killedAt;
        const restartAt = Date.now();
        const recovered = waitFor(() => probe.work(probe.since === 'kill' ? killedAt : restartAt), RECOVERY_WAIT_MS);
        await restart(victim);
        result.healthyMs = Date.now() - restartAt;
        const at = await recovered;
        result.recoveredMs = at === undefined ? undefined : at - restartAt;
        return result;
      } catch (error) {
        result.error = error.message;
        return result;
      } finally {
        await reviveExited();
      }
    };

    // ── Traffic, with the kills spread over it ─────────────────────────────────────────────────────────
    // The traffic lasts the duration, and past it while kills are still being recovered from (a probe needs fresh
    // reports), then TAIL_MS more; the count caps it whatever happens.
    const TAIL_MS = 10_000;
    const count = Math.ceil(
      options.rate * (options.duration + victims.length * (RECOVERY_WAIT_MS / 1000 + options.down + 60)),
    );
    const integrator = new Integrator({
      url: `${urls.intake}/v1/reports`,
      apiKey,
      rate: options.rate,
      count,
      urgentEvery: options.urgentEvery,
      stamp,
      connections: options.connections,
    });
    cleanups.push(async () => {
      integrator.stopped = true;
    });
    let killsDoneAt;
    const enough = () =>
      Date.now() - runStart >= options.duration * 1000 &&
      killsDoneAt !== undefined &&
      Date.now() - killsDoneAt >= TAIL_MS;
    log(`posting ${options.rate} reports/s for at least ${options.duration} s; kills: ${victims.join(', ')}`);
    const traffic = integrator.run(enough);
    const kills = [];
    const slot = (options.duration * 1000) / (victims.length + 1);
    for (const [index, victim] of victims.entries()) {
      const due = runStart + (index + 1) * slot;
      if (due > Date.now()) await sleep(due - Date.now());
      log(`killing ${victim}`);
      const result = await kill(victim);
      kills.push(result);
      log(
        `${victim}: ${
          result.error ??
          (result.recoveredMs === undefined
            ? 'no work resumed'
            : `${result.measure} ${(result.recoveredMs / 1000).toFixed(1)} s`)
        }`,
      );
    }
    killsDoneAt = Date.now();
    await traffic;
    const trafficEnded = Date.now();
    log(
      `traffic done: ${integrator.accepted().length} of ${integrator.reports.length} accepted; settling (up to ${options.settle} s)`,
    );

    // ── Checks ───────────────────────────────────────────────────────────────────────────────────────────
    // Every report has a building of its own, so the store's orders are matched to the reports that made them,
    // answered or not: an order whose report intake never answered is still an order the pipeline must handle.
    const perOrder = async (sql, params = []) => (await pool.query(sql, params)).rows;
    const storeOrders = async () => {
      const rows = await perOrder(
        `SELECT data->>'workOrderId' AS id, data->>'building' AS building FROM es_events WHERE event_type = $1`,
        [EventTypes.WorkOrderReported],
      );
      const byBuilding = new Map();
      for (const r of rows) byBuilding.set(r.building, [...(byBuilding.get(r.building) ?? []), r.id]);
      return { ids: rows.map((r) => r.id), byBuilding };
    };
    const counts = async (types) =>
      new Map(
        (
          await perOrder(
            `SELECT metadata->>'workOrderId' AS id, count(*)::int AS n FROM es_events WHERE event_type = ANY($1) GROUP BY 1`,
            [types],
          )
        ).map((r) => [r.id, r.n]),
      );
    const cutoff = new Date();
    const settleDeadline = Date.now() + options.settle * 1000;
    const verdicts = new Map();
    /** Compares one order's timeline with its events in the store recorded before the cutoff. */
    const compare = async (id, storeEvents) => {
      const events = await timeline(id).catch(() => undefined);
      if (!events) return 'no timeline';
      const shown = new Map(events.map((e) => [e.eventId, e]));
      const stored = new Map(storeEvents.map((e) => [e.event_id, e]));
      for (const e of events) {
        const s = stored.get(e.eventId);
        if (!s) {
          if (!(await pool.query('SELECT 1 FROM es_events WHERE event_id = $1', [e.eventId])).rowCount)
            return `${e.type} ${e.eventId} is not in the store`;
          continue;
        }
        if (s.event_type !== e.type || canonical(s.data) !== canonical(e.data))
          return `${e.type} ${e.eventId} differs from the store`;
      }
      for (const s of storeEvents)
        if (s.recorded_at <= cutoff && !shown.has(s.event_id)) return `${s.event_type} ${s.event_id} missing`;
      return 'ok';
    };
    const storeEventsOf = async (ids) => {
      const { rows } = await pool.query(
        `SELECT metadata->>'workOrderId' AS id, event_id::text, event_type, data, recorded_at FROM es_events
          WHERE metadata->>'workOrderId' = ANY($1) ORDER BY global_position`,
        [ids],
      );
      const byOrder = new Map(ids.map((id) => [id, []]));
      for (const r of rows) byOrder.get(r.id)?.push(r);
      return byOrder;
    };
    /** Compares the timelines of `ids` with the store, 8 at a time; returns the ids not shown as stored. */
    const comparePass = async (ids) => {
      const byOrder = await storeEventsOf(ids);
      const differ = [];
      for (let i = 0; i < ids.length; i += 8) {
        await Promise.all(
          ids.slice(i, i + 8).map(async (id) => {
            const verdict = await compare(id, byOrder.get(id) ?? []);
            verdicts.set(id, verdict);
            if (verdict !== 'ok') differ.push(id);
          }),
        );
      }
      return differ;
    };
    /** Orders the store holds that are not yet assigned (or queued) or not yet timed. */
    const unprocessed = async () => {
      const [{ ids }, assigned, timed] = await Promise.all([
        storeOrders(),
        counts([EventTypes.WorkOrderAssigned, EventTypes.WorkOrderQueuedForDispatch]),
        counts([EventTypes.SlaTargetsSet]),
      ]);
      return ids.filter((id) => !assigned.has(id) || !timed.has(id));
    };
    // The settle waits, up to its end, until every order is assigned and timed and a sample of timelines is shown
    // as stored: cheap checks, so the checking does not slow the catching up it waits for. Then every timeline is
    // compared once, and what differs again until the settle's end.
    const unsettledAtStart = (await unprocessed().catch(() => [])).length;
    let sample = [];
    while (Date.now() < settleDeadline) {
      const behind = await unprocessed().catch(() => undefined);
      const { ids } = await storeOrders().catch(() => ({ ids: [] }));
      sample = ids.length ? Array.from({ length: 20 }, () => ids[Math.floor(Math.random() * ids.length)]) : [];
      if (behind?.length === 0 && (await comparePass(sample).catch(() => sample)).length === 0) break;
      await sleep(5_000);
    }
    let differ = await comparePass((await storeOrders()).ids);
    while (differ.length > 0 && Date.now() < settleDeadline) {
      await sleep(5_000);
      differ = await comparePass(differ);
    }
    const unsettledAtEnd = (await unprocessed()).length;
    // The rest of the settle lets what the pipeline does after the traffic show: a storm that keeps raising alerts.
    if (Date.now() < settleDeadline) await sleep(settleDeadline - Date.now());
    const lastWindowStart = new Date(Date.now() - LAST_WINDOW_SECONDS * 1000);

    const { ids, byBuilding } = await storeOrders();
    const storeIds = new Set(ids);
    const assignments = await counts([EventTypes.WorkOrderAssigned, EventTypes.WorkOrderQueuedForDispatch]);
    const targetsSet = await counts([EventTypes.SlaTargetsSet]);
    const repeatedTimers = await perOrder(
      `SELECT DISTINCT id FROM (
         SELECT metadata->>'workOrderId' AS id FROM es_events WHERE event_type = $1 GROUP BY 1, data->>'target' HAVING count(*) > 1
         UNION ALL
         SELECT metadata->>'workOrderId' FROM es_events WHERE event_type = $2 GROUP BY 1, data->>'target', data->>'level' HAVING count(*) > 1) t`,
      [EventTypes.SlaBreached, EventTypes.SlaEscalated],
    );
    const alerts = await counts([EventTypes.AlertRaised]);
    const lastWindow = (
      await perOrder('SELECT count(*)::int AS n FROM es_events WHERE event_type = $1 AND recorded_at > $2', [
        EventTypes.AlertRaised,
        lastWindowStart,
      ])
    )[0].n;
    // How far behind the pipeline still is: an order missing from query with its group's lag at 0 was skipped, not late.
    const relayBehind = (
      await perOrder(
        `SELECT count(e.global_position)::int AS n FROM es_events e LEFT JOIN es_checkpoints c ON c.subscriber = $1
          WHERE c.checkpoint IS NULL
             OR (e.transaction_id, e.global_position) > (split_part(c.checkpoint, ':', 1)::xid8, split_part(c.checkpoint, ':', 2)::bigint)`,
        [relayName],
      )
    )[0].n;
    const consumerLag = await groupLag(
      kafka,
      `${prefix}workorders.events`,
      ['dispatch', 'sla-timer', 'notification', 'query'].map((g) => `${prefix}${g}`),
    ).catch((error) => ({ error: error.message }));
    const accepted = integrator.accepted();
    const ordersOf = (r) => byBuilding.get(r.building) ?? [];
    const doubleTimed = new Set([
      ...ids.filter((id) => (targetsSet.get(id) ?? 0) > 1),
      ...repeatedTimers.map((r) => r.id),
    ]);
    const alertCounts = [...alerts.values()];
    // An order without any timeline is counted as lost (when its report was accepted) or as never shown, not again here.
    const differing = ids.filter((id) => !['ok', 'no timeline'].includes(verdicts.get(id)));
    const notShown = ids.filter((id) => verdicts.get(id) === 'no timeline');
    const gaveUp = integrator.reports.filter((r) => r.outcome !== 'accepted' && r.outcome !== 'refused');

    const measured = {
      startedAt,
      machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), shared with whatever else runs`,
      brokerOwned: Boolean(broker),
      postgresOwned: Boolean(postgres),
      loadAverage: `${loadAtStart} at the start, ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end`,
      settle: { seconds: options.settle, unsettledAtStart, unsettledAtEnd },
      eventLoopDelayMs: Math.round(loopDelay.percentile(99) / 1e6),
      reports: {
        planned: integrator.reports.length,
        accepted: accepted.length,
        gaveUp: gaveUp.length,
        gaveUpButStored: gaveUp.filter((r) => ordersOf(r).length > 0).length,
        refused: integrator.reports.filter((r) => r.outcome === 'refused').length,
        retried: integrator.reports.filter((r) => r.attempts > 1).length,
        retries: integrator.reports.reduce((n, r) => n + Math.max(0, r.attempts - 1), 0),
        errors: integrator.errors,
        latencies: accepted.map((r) => r.acceptedAt - r.firstSentAt),
        urgent: accepted.filter((r) => r.tier === 'urgent').length,
      },
      orders: {
        created: storeIds.size,
        // Accepted, yet the store has no order of that report under the id intake answered, or query never shows it.
        lost: accepted.filter(
          (r) => !ordersOf(r).includes(r.workOrderId) || verdicts.get(r.workOrderId) === 'no timeline',
        ).length,
        notInStore: accepted.filter((r) => !ordersOf(r).includes(r.workOrderId)).length,
        withoutTimeline: accepted.filter(
          (r) => ordersOf(r).includes(r.workOrderId) && verdicts.get(r.workOrderId) === 'no timeline',
        ).length,
        notShown: notShown.length,
        createdTwice: integrator.reports.filter((r) => ordersOf(r).length > 1).length,
        doubleAssigned: ids.filter((id) => (assignments.get(id) ?? 0) > 1).length,
        neverAssigned: ids.filter((id) => !assignments.has(id)).length,
        doubleTimed: doubleTimed.size,
        neverTimed: ids.filter((id) => !targetsSet.has(id)).length,
      },
      timelines: {
        compared: ids.length,
        differing: differing.length,
        examples: differing.slice(0, 3).map((id) => `${id}: ${verdicts.get(id)}`),
      },
      alerts: {
        total: alertCounts.reduce((a, b) => a + b, 0),
        orders: alertCounts.length,
        max: alertCounts.length ? Math.max(...alertCounts) : 0,
        mean: alertCounts.length ? alertCounts.reduce((a, b) => a + b, 0) / alertCounts.length : 0,
        lastWindow,
        lastWindowSeconds: LAST_WINDOW_SECONDS,
      },
      webhookRequests: receiver.requests(),
      behind: {
        relay: relayBehind,
        consumers: Object.entries(consumerLag)
          .map(([g, n]) => `${g.slice(prefix.length) || g} ${n}`)
          .join(', '),
      },
      kills,
      servicesExited,
      trafficSeconds: (trafficEnded - runStart) / 1000,
    };
    const failures = failuresOf(measured, options);
    console.log(summaryOf(measured, options).join('\n'));
    console.log(
      failures.length === 0 ? 'verdict: PASS' : `verdict: FAIL\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
};

/** Messages of `topic` each consumer group has not committed yet, summed over partitions. */
const groupLag = async (kafka, topic, groups) => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // Commits first, ends after: events keep coming (alerts), and the other order would show a busy group as ahead.
    const committed = new Map();
    for (const groupId of groups)
      committed.set(groupId, (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []);
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const lag = {};
    for (const [groupId, partitions] of committed) {
      lag[groupId] = partitions.reduce(
        (sum, p) => sum + Math.max(0, (ends.get(p.partition) ?? 0) - Math.max(0, Number(p.offset))),
        0,
      );
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
};

/** JSON with object keys sorted, so jsonb read back from PostgreSQL and JSON from HTTP compare by content. */
const canonical = (value) =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`chaos failed: ${error.stack ?? error.message}`);
    process.exit(2);
  },
);
