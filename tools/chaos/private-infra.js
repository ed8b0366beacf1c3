// A broker and a PostgreSQL cluster that belong to one chaos run, so the harness may SIGKILL them without touching
// the shared ones every other checkout, test and demo on the machine uses. Both come from the project's own
// scripts (scripts/infra/kafka.sh and postgres.sh) pointed at another folder and other ports; the harness kills
// only a pid read from its own folder, and checks that pid is the process it started.
'use strict';
const { spawn } = require('node:child_process');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { alive, portAnswers } = require('../../scripts/local-processes');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const commandLine = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

/** The children of a process, from /proc: a killed postmaster's backends are part of the crash. */
const childrenOf = (pid) => {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name is in parentheses and may hold spaces: the parent pid is the second field after it.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return children;
};

/** Runs one of the infrastructure scripts with its settings; resolves with its last stdout line. */
const runScript = (root, script, command, env, timeoutMs) =>
  new Promise((resolve, reject) => {
    const child = spawn('bash', [join(root, 'scripts', 'infra', script), command], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else
        reject(
          new Error(
            `${script} ${command} failed (${code ?? 'killed'}): ${err.trim().split('\n').slice(-8).join(' | ')}`,
          ),
        );
    });
  });

/** SIGKILLs a process (and the given children) and waits until every one is gone. */
const killAndWait = async (pids) => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (let i = 0; i < 100 && pids.some(alive); i++) await sleep(100);
  if (pids.some(alive)) throw new Error(`processes ${pids.filter(alive).join(', ')} survived SIGKILL`);
};

/** A run's private single-node KRaft broker on 127.0.0.1:portBase+92 (controller +93), data under runDir/kafka. */
class PrivateBroker {
  constructor({ root, runDir, logDir: runLogDir, portBase }) {
    const dir = join(runDir, 'kafka');
    const logDir = join(runLogDir, 'kafka');
    const port = portBase + 92;
    const controllerPort = portBase + 93;
    this.root = root;
    this.dir = dir;
    this.port = port;
    this.brokers = `127.0.0.1:${port}`;
    this.env = {
      ...process.env,
      KAFKA_BROKERS: this.brokers,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_DATA_DIR: dir,
      KAFKA_LOG_DIR: logDir,
      // The shared broker, PostgreSQL and the five services share two cores: the harness's broker stays small.
      KAFKA_HEAP_OPTS: process.env.CHAOS_KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m',
    };
    this.controllerPort = controllerPort;
  }

  /** Refuses ports something else answers on: kafka.sh would reuse that broker, and the harness would kill it. */
  async assertPortsFree() {
    for (const port of [this.port, this.controllerPort]) {
      if (await portAnswers(port))
        throw new Error(`port ${port} is in use; the private broker needs it (move it with --infra-port-base)`);
    }
  }

  async up() {
    await runScript(this.root, 'kafka.sh', 'up', this.env, 200_000);
  }

  pid() {
    const file = join(this.dir, 'broker.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return commandLine(pid).includes(join(this.dir, 'server.properties')) ? pid : undefined;
  }

  async kill() {
    const pid = this.pid();
    if (!pid) throw new Error(`no private broker runs from ${this.dir}`);
    await killAndWait([pid]);
  }

  async down() {
    await runScript(this.root, 'kafka.sh', 'down', this.env, 90_000).catch((error) =>
      console.error(`chaos: ${error.message}`),
    );
  }
}

/** A run's private PostgreSQL cluster (trust authentication) on 127.0.0.1:portBase+432, under runDir/postgres. */
class PrivatePostgres {
  constructor({ root, runDir, logDir, portBase }) {
    const dir = join(runDir, 'postgres');
    const logFile = join(logDir, 'postgres.log');
    const port = portBase + 432;
    this.root = root;
    this.dir = dir;
    this.port = port;
    this.adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const env = {
      ...process.env,
      LOCAL_PG_PORT: String(port),
      LOCAL_PG_HOME: dir,
      LOCAL_PG_LOG: logFile,
      PG_PROBE_URL: 'postgres://postgres@127.0.0.1:1/postgres',
    };
    // postgres.sh prefers DATABASE_URL, the shared server: without it, it must start the cluster under `dir`.
    delete env.DATABASE_URL;
    this.env = env;
  }

  async assertPortsFree() {
    if (await portAnswers(this.port))
      throw new Error(`port ${this.port} is in use; the private PostgreSQL needs it (move it with --infra-port-base)`);
  }

  async up() {
    const line = await runScript(this.root, 'postgres.sh', 'up', this.env, 120_000);
    if (line !== `DATABASE_URL=${this.adminUrl}`)
      throw new Error(`postgres.sh up answered ${line}, not the private cluster ${this.adminUrl}`);
  }

  pid() {
    const file = join(this.dir, 'data', 'postmaster.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    return commandLine(pid).includes(join(this.dir, 'data')) ? pid : undefined;
  }

  /** A crash of the server: the postmaster and every backend at once, as when its machine loses power. */
  async kill() {
    const pid = this.pid();
    if (!pid) throw new Error(`no private PostgreSQL runs from ${this.dir}`);
    await killAndWait([pid, ...childrenOf(pid)]);
  }

  async down() {
    await runScript(this.root, 'postgres.sh', 'down', this.env, 90_000).catch((error) =>
      console.error(`chaos: ${error.message}`),
    );
  }
}

module.exports = { PrivateBroker, PrivatePostgres, portAnswers };
