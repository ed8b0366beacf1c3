import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repositoryRoot } from './infrastructure';

/**
 * A Kafka broker of one test's own, for faults that cannot be played on the shared broker (restarting it would break
 * every other test running). It is scripts/infra/kafka.sh's broker, the same jars (fetched by kafka.sh into
 * .local/kafka/<version>/libs, or KAFKA_LIBS_DIR) and the same server.properties template, on free ports and in a
 * temporary folder. kafka.sh itself cannot serve: its data folder and pid file are fixed per checkout.
 */
export interface PrivateBroker {
  readonly brokers: readonly string[];
  /** Kills the broker as a crash would (SIGKILL, no controlled shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it accepts connections. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

const KAFKA_VERSION = '3.9.1';
const kafkaLibs = (): string =>
  process.env['KAFKA_LIBS_DIR'] ?? resolve(repositoryRoot, '.local', 'kafka', KAFKA_VERSION, 'libs');

/** Why a private broker cannot run here, or undefined when it can: decided synchronously, as jest collects tests. */
export const privateBrokerUnavailable = (): string | undefined => {
  if (!existsSync(join(kafkaLibs(), `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    return `no Kafka ${KAFKA_VERSION} jars in ${kafkaLibs()} (scripts/infra/kafka.sh fetches them when it starts the project's broker; or set KAFKA_LIBS_DIR)`;
  }
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).status !== 0) return 'java is not installed';
  return undefined;
};

const freePort = (): Promise<number> =>
  new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolveOpen(true)));
    socket.once('error', () => resolveOpen(false));
  });

export const startPrivateBroker = async (): Promise<PrivateBroker> => {
  const unavailable = privateBrokerUnavailable();
  if (unavailable) throw new Error(`cannot start a private Kafka broker: ${unavailable}`);
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-private-kafka-'));
  const logDirs = join(dir, 'logs');
  const logsDir = join(dir, 'server-logs');
  mkdirSync(logDirs);
  mkdirSync(logsDir);
  const config = join(dir, 'server.properties');
  const template = readFileSync(join(repositoryRoot, 'deploy', 'kafka-local', 'server.properties.template'), 'utf8');
  writeFileSync(
    config,
    template
      .replaceAll('@HOST@', '127.0.0.1')
      .replaceAll('@KAFKA_PORT@', String(port))
      .replaceAll('@CONTROLLER_PORT@', String(controllerPort))
      .replaceAll('@LOG_DIRS@', logDirs),
  );
  const java = (mainClass: string, ...args: string[]) => [
    '-Xms256m',
    '-Xmx512m',
    `-Dlog4j.configuration=file:${join(repositoryRoot, 'deploy', 'kafka-local', 'log4j.properties')}`,
    `-Dkafka.logs.dir=${logsDir}`,
    '-cp',
    `${kafkaLibs()}/*`,
    mainClass,
    ...args,
  ];
  // A cluster id is 16 random bytes in URL-safe base64, as StorageTool random-uuid prints it.
  const format = spawnSync(
    'java',
    java('kafka.tools.StorageTool', 'format', '-t', randomBytes(16).toString('base64url'), '-c', config),
    { encoding: 'utf8' },
  );
  if (format.status !== 0)
    throw new Error(`formatting the private broker's storage failed: ${format.stderr || format.stdout}`);

  let child: ChildProcess | undefined;
  const killNow = () => child?.kill('SIGKILL');
  process.once('exit', killNow);

  const start = async (): Promise<void> => {
    const proc = spawn('java', java('kafka.Kafka', config), { stdio: ['ignore', 'ignore', 'ignore'] });
    child = proc;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null)
        throw new Error(`the private broker exited with ${proc.exitCode} while starting; see ${logsDir}/server.log`);
      if (await accepts(port)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`the private broker did not open 127.0.0.1:${port} within 120 s; see ${logsDir}/server.log`);
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise((resolveExit) => (proc.once('exit', resolveExit), proc.kill('SIGKILL')));
  };

  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    kill,
    start,
    dispose: async () => {
      await kill();
      process.removeListener('exit', killNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
