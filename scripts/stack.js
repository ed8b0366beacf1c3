#!/usr/bin/env node
// Starts and stops the five Closeloop services and the console as separate Node processes: used by `npm run up` (detached,
// pids under .local/run) and by the end-to-end tests (attached, killed when the test ends).
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { alive, portAnswers } = require('./local-processes');

const root = resolve(__dirname, '..');
// metricsPort: GET /metrics (Prometheus text), the services' defaults (docs/operations.md, "Metrics").
const SERVICES = [
  { name: 'intake', port: 3001, metricsPort: 9101 },
  { name: 'dispatch', port: 3002, metricsPort: 9102 },
  { name: 'sla-timer', port: 3003, metricsPort: 9103 },
  { name: 'notification', port: 3004, metricsPort: 9104 },
  { name: 'query', port: 3005, metricsPort: 9105 },
  { name: 'console', port: 3006, metricsPort: 9106 },
];

/** The console forwards the browser's API calls to the others: their addresses, moved like their ports. */
const upstreamsEnv = (portOffset) => ({
  ...Object.fromEntries(
    SERVICES.filter((s) => s.name !== 'console').map((s) => [
      `${s.name.toUpperCase().replace('-', '_')}_URL`,
      `http://127.0.0.1:${s.port + portOffset}`,
    ]),
  ),
});

/**
 * V8 flags every service runs with, here as in the image (Dockerfile) and the Kubernetes settings (closeloop-env):
 * a semi-space of 8 MB instead of Node 20's 16 MB halves the young generation, which every service otherwise grows
 * to its full 32 MB at start-up and keeps, idle or not; and the old generation capped at 128 MB, about four times
 * what a service keeps alive under load, so V8 collects instead of growing its heap to twice that (issue 15: each
 * service under 200 MB RSS; docs/adr/0049-heap-cap.md).
 */
const NODE_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=128'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy(service, port, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null)
      throw new Error(`${service} exited with code ${child.exitCode} while starting`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`${service} did not become healthy on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts every service (or the `only` ones) with the given environment. `portOffset` moves all ports (tests use
 * it so they never collide with a running demo, and to run a second instance of a service). Resolves once every
 * /health answers.
 */
async function startStack({
  env,
  logDir,
  detached = false,
  portOffset = 0,
  runDir,
  timeoutMs = 90_000,
  only,
  logSuffix = '',
}) {
  mkdirSync(logDir, { recursive: true });
  if (runDir) mkdirSync(runDir, { recursive: true });
  const chosen = SERVICES.filter((s) => !only || only.includes(s.name));
  for (const { name, port, metricsPort } of chosen) {
    // Something already listening there: a new service could not listen, yet /health would answer.
    if (await portAnswers(port + portOffset)) {
      throw new Error(
        `port ${port + portOffset} (${name}) is already in use: another Closeloop stack may be running from another checkout; ` +
          'stop it there with `node scripts/stack.js stop`, or free the port',
      );
    }
    if (await portAnswers(metricsPort + portOffset))
      throw new Error(
        `port ${metricsPort + portOffset} (${name} metrics) is already in use: free it, or stop the stack using it`,
      );
  }
  const started = [];
  for (const { name, port, metricsPort } of chosen) {
    const main = join(root, 'apps', name, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const log = openSync(join(logDir, `${name}${logSuffix}.log`), 'a');
    const child = spawn(process.execPath, [...NODE_FLAGS, main], {
      cwd: root,
      env: {
        // Residents' status links open on this stack's console unless the environment says otherwise.
        RESIDENT_LINK_BASE_URL: `http://127.0.0.1:${3006 + portOffset}/r/`,
        ...process.env,
        ...upstreamsEnv(portOffset),
        ...env,
        PORT: String(port + portOffset),
        METRICS_PORT: String(metricsPort + portOffset),
      },
      stdio: ['ignore', log, log],
      detached,
    });
    if (detached) {
      child.unref();
      writeFileSync(join(runDir, `${name}.pid`), String(child.pid));
    }
    started.push({ name, port: port + portOffset, metricsPort: metricsPort + portOffset, child });
  }
  try {
    await Promise.all(started.map((s) => waitHealthy(s.name, s.port, s.child, timeoutMs)));
  } catch (error) {
    if (!detached) await stopChildren(started);
    throw new Error(`${error.message}; see the logs in ${logDir}`);
  }
  return started;
}

async function stopChildren(started) {
  await Promise.all(
    started.map(
      ({ child }) =>
        new Promise((resolveStop) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
          const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => (clearTimeout(force), resolveStop()));
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function stopDetached(runDir) {
  for (const { name } of SERVICES) {
    const file = join(runDir, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8'));
    if (alive(pid)) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 150 && alive(pid); i++) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
      console.error(`stopped ${name} (pid ${pid})`);
    }
    rmSync(file, { force: true });
  }
}

/**
 * The local stack's console exchanges sign-in links for tokens signed with the admin tool's key (.local/keys), when
 * that is the key the services trust (scripts/up.sh points STAFF_JWKS_FILE at its JWKS); a deployment with a real
 * identity provider gets no such route.
 */
const localSignInEnv = () => {
  const keys = join(root, '.local', 'keys');
  const jwks = process.env.STAFF_JWKS_FILE;
  if (process.env.CONSOLE_LOCAL_SIGNING_KEY_DIR || !jwks || resolve(jwks) !== join(keys, 'jwks.json')) return {};
  return { CONSOLE_LOCAL_SIGNING_KEY_DIR: keys };
};

module.exports = { NODE_FLAGS, SERVICES, startStack, stopChildren };

if (require.main === module) {
  const runDir = join(root, '.local', 'run');
  const logDir = join(root, '.local', 'logs');
  const command = process.argv[2];
  const run = async () => {
    if (command === 'start') {
      await stopDetached(runDir);
      // The local stack's alert receivers (the demo's webhook and SMTP inbox) listen on 127.0.0.1, an address the
      // outbound rule refuses in production (docs/operations.md, "Outbound addresses"): allowed here unless the
      // shell says otherwise.
      const env = {
        OUTBOUND_ALLOW_PRIVATE_ADDRESSES: process.env.OUTBOUND_ALLOW_PRIVATE_ADDRESSES ?? 'true',
        // Readable lines in .local/logs; services log JSON lines unless told otherwise.
        LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
        ...localSignInEnv(),
      };
      await startStack({ env, logDir, runDir, detached: true });
      for (const { name, port, metricsPort } of SERVICES)
        console.error(
          `${name.padEnd(13)} http://127.0.0.1:${port}  metrics: http://127.0.0.1:${metricsPort}/metrics  log: .local/logs/${name}.log`,
        );
    } else if (command === 'stop') {
      await stopDetached(runDir);
    } else {
      throw new Error('usage: node scripts/stack.js start|stop');
    }
  };
  run().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
