import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deleteTopicsWithPrefix, eventually, freshDatabase, infrastructure, repositoryRoot, TestDatabase, testKafka, uniqueTopicPrefix } from '@closeloop/testing';
import { Kafka } from 'kafkajs';

// The five services run as separate processes, built from this checkout, on their own database and topics,
// with ports moved by 10000 so a running demo is never disturbed.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startStack, stopChildren } = require(join(repositoryRoot, 'scripts', 'stack.js'));

const PORT_OFFSET = 10_000;
export const urls = {
  intake: `http://127.0.0.1:${3001 + PORT_OFFSET}`,
  dispatch: `http://127.0.0.1:${3002 + PORT_OFFSET}`,
  notification: `http://127.0.0.1:${3004 + PORT_OFFSET}`,
  query: `http://127.0.0.1:${3005 + PORT_OFFSET}`,
};

export interface TestStack {
  readonly db: TestDatabase;
  readonly kafka: Kafka;
  readonly prefix: string;
  /** Kills one service abruptly (SIGKILL, no shutdown hooks), as a crash would. */
  kill(service: string): Promise<void>;
  /** Starts another instance of a service on the same database and topics; `instance` moves its port. */
  startInstance(service: string, instance: number): Promise<void>;
  stop(): Promise<void>;
}

interface Child {
  readonly name: string;
  readonly child: import('node:child_process').ChildProcess;
}

export const startTestStack = async (label: string, extraEnv: Record<string, string> = {}): Promise<TestStack> => {
  const prefix = uniqueTopicPrefix(label);
  const db = await freshDatabase(label.replace(/-/g, '_'));
  const kafka = testKafka(label);
  const options = {
    env: { DATABASE_URL: db.url, KAFKA_BROKERS: infrastructure().kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn', ALERT_LINK_SECRET: randomBytes(32).toString('hex'), ...extraEnv },
    logDir: join(repositoryRoot, '.local', 'logs', `e2e-${prefix.replace(/\.$/, '')}`),
    portOffset: PORT_OFFSET,
  };
  const services: Child[] = await startStack(options);
  return {
    db,
    kafka,
    prefix,
    kill: async (service) => {
      const victims = services.filter((s) => s.name === service && s.child.exitCode === null && s.child.signalCode === null);
      await Promise.all(victims.map(({ child }) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')))));
    },
    startInstance: async (service, instance) => {
      services.push(...(await startStack({ ...options, only: [service], portOffset: PORT_OFFSET + 100 * instance, logSuffix: `-${instance}` })));
    },
    stop: async () => {
      await stopChildren(services);
      await deleteTopicsWithPrefix(kafka, prefix);
      await db.drop();
    },
  };
};

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export const post = async (url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};

export const get = async (url: string): Promise<HttpResult> => {
  const response = await fetch(url);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
};

export interface TimelineEvent {
  eventId: string;
  type: string;
  actor: string;
  correlationId: string;
  causationId: string;
  data: Record<string, unknown>;
}

/** Waits until the query side's timeline of an order holds every one of the given event types. */
export const timelineWith = (workOrderId: string, expectedTypes: readonly string[]) =>
  eventually(`the timeline of ${workOrderId} to hold ${expectedTypes.join(', ')}`, async () => {
    const { status, body } = await get(`${urls.query}/v1/work-orders/${workOrderId}/timeline`);
    if (status !== 200) return undefined;
    const events = body['events'] as TimelineEvent[];
    return expectedTypes.every((t) => events.some((e) => e.type === t)) ? events : undefined;
  });

/** Waits until the query side shows an order in the given status. */
export const orderInStatus = (workOrderId: string, status: string) =>
  eventually(`work order ${workOrderId} to be ${status}`, async () => {
    const result = await get(`${urls.query}/v1/work-orders/${workOrderId}`);
    return result.status === 200 && result.body['status'] === status ? result.body : undefined;
  });
