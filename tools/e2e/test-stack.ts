import { randomBytes, randomUUID } from 'node:crypto';
import { StaffRole } from '@closeloop/auth';
import { join } from 'node:path';
import {
  eventually,
  repositoryRoot,
  ServiceEnvironment,
  startServiceEnvironment,
  TestDatabase,
  testKafka,
} from '@closeloop/testing';
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
  console: `http://127.0.0.1:${3006 + PORT_OFFSET}`,
};

/** Where each service of the stack serves GET /metrics: the local stack's ports, moved like the others. */
export const metricsUrls = {
  intake: `http://127.0.0.1:${9101 + PORT_OFFSET}/metrics`,
  dispatch: `http://127.0.0.1:${9102 + PORT_OFFSET}/metrics`,
  'sla-timer': `http://127.0.0.1:${9103 + PORT_OFFSET}/metrics`,
  notification: `http://127.0.0.1:${9104 + PORT_OFFSET}/metrics`,
  query: `http://127.0.0.1:${9105 + PORT_OFFSET}/metrics`,
  console: `http://127.0.0.1:${9106 + PORT_OFFSET}/metrics`,
};

export interface TestStack {
  readonly db: TestDatabase;
  readonly kafka: Kafka;
  readonly prefix: string;
  /** Where the services' logs go. */
  readonly logDir: string;
  /** The signing key's folder and the issuer its tokens carry, for a client (the demo) that issues its own. */
  readonly staffKeys: { readonly dir: string; readonly issuer: string; readonly audience: string };
  /** The services' RESIDENT_SECRET, for a tool that must key phone digests as they do (a rebuild). */
  readonly residentSecret: string;
  /** Kills a service abruptly (SIGKILL, no shutdown hooks), as a crash would: every instance, or the one named. */
  kill(service: string, instance?: number): Promise<void>;
  /** Stops one instance as an orchestrator does (SIGTERM) and resolves with how its process ended. */
  terminate(
    service: string,
    instance?: number,
  ): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  /** Starts another instance of a service on the same database and topics; `instance` moves its port. */
  startInstance(service: string, instance: number): Promise<void>;
  /** The instances of a service whose processes are still running. */
  running(service: string): readonly number[];
  stop(): Promise<void>;
}

interface Child {
  readonly name: string;
  readonly child: import('node:child_process').ChildProcess;
  /** 0 for the stack's own, else the number given to startInstance (its ports are moved by 100 × instance). */
  readonly instance: number;
}

/** The address of an instance of a service: the stack's ports, moved by 100 per instance number. */
export const instanceUrl = (service: keyof typeof urls, instance: number): string => {
  const url = new URL(urls[service]);
  url.port = String(Number(url.port) + 100 * instance);
  return url.origin;
};

// Staff tokens come from a signing key of the test run's own, whose JWKS file the services are pointed at; the
// integrator is registered in the stack's database with a key for every site, as `npm run admin` would do.
let credentials: { environment: ServiceEnvironment; integratorKey: string; readerToken: string } | undefined;

/** A signed token naming a staff member: a technician of S1 unless told otherwise. */
export const staffToken = async (
  staffId: string,
  name = staffId,
  roles: StaffRole[] = ['technician'],
  sites: string[] = ['S1'],
): Promise<string> => {
  if (!credentials) throw new Error('start the test stack first');
  return credentials.environment.staffToken({ staffId, name, roles, sites });
};

/** Headers naming a staff member by a signed token: a technician of S1 unless told otherwise. */
export const asStaff = async (...staff: Parameters<typeof staffToken>): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await staffToken(...staff)}`,
});

export const asIntegrator = (): Record<string, string> => {
  if (!credentials) throw new Error('start the test stack first');
  return { 'x-api-key': credentials.integratorKey };
};

/** Without credentials of its own, a request to intake comes from the integrator and any other from a supervisor of every site. */
const withCredentials = (url: string, headers: Record<string, string>): Record<string, string> => {
  if (!credentials || 'authorization' in headers || 'x-api-key' in headers) return headers;
  return url.startsWith(urls.intake)
    ? { ...asIntegrator(), ...headers }
    : { authorization: `Bearer ${credentials.readerToken}`, ...headers };
};

export const startTestStack = async (label: string, extraEnv: Record<string, string> = {}): Promise<TestStack> => {
  const environment = await startServiceEnvironment(label, 'closeloop-e2e');
  const { db, prefix } = environment;
  const kafka = testKafka(label);
  const apiKey = await environment.registerIntegrator({
    integratorId: 'e2e-hotline',
    name: 'End-to-end hotline',
    sites: ['*'],
  });
  const readerToken = await environment.staffToken({
    staffId: 'sup-e2e',
    name: 'E2E Supervisor',
    roles: ['supervisor'],
    sites: ['*'],
  });
  credentials = { environment, integratorKey: apiKey, readerToken };
  const options = {
    env: {
      ...environment.env,
      LOG_LEVEL: 'warn',
      ALERT_LINK_SECRET: randomBytes(32).toString('hex'),
      // The tests' alert receivers listen on 127.0.0.1, which the outbound address rule refuses in production.
      OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
      // The console signs sign-in links' tokens with the key the services trust, as the local stack's does.
      CONSOLE_LOCAL_SIGNING_KEY_DIR: environment.staffKeys.dir,
      // Residents' status links open this stack's console, not a demo's on the usual port.
      RESIDENT_LINK_BASE_URL: `${urls.console}/r/`,
      ...extraEnv,
    },
    logDir: join(repositoryRoot, '.local', 'logs', `e2e-${prefix.replace(/\.$/, '')}`),
    portOffset: PORT_OFFSET,
  };
  const services: Child[] = (await startStack(options)).map((s: Omit<Child, 'instance'>) => ({ ...s, instance: 0 }));
  const alive = (service: string, instance?: number) =>
    services.filter(
      (s) =>
        s.name === service &&
        (instance === undefined || s.instance === instance) &&
        s.child.exitCode === null &&
        s.child.signalCode === null,
    );
  return {
    db,
    kafka,
    prefix,
    logDir: options.logDir,
    staffKeys: environment.staffKeys,
    residentSecret: environment.env['RESIDENT_SECRET'] as string,
    kill: async (service, instance) => {
      await Promise.all(
        alive(service, instance).map(
          ({ child }) => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))),
        ),
      );
    },
    terminate: async (service, instance = 0) => {
      const [victim] = alive(service, instance);
      if (!victim) throw new Error(`no running instance ${instance} of ${service}`);
      return new Promise((resolve) => {
        victim.child.once('exit', (code, signal) => resolve({ code, signal }));
        victim.child.kill('SIGTERM');
      });
    },
    startInstance: async (service, instance) => {
      const started = await startStack({
        ...options,
        only: [service],
        portOffset: PORT_OFFSET + 100 * instance,
        logSuffix: `-${instance}`,
      });
      services.push(...started.map((s: Omit<Child, 'instance'>) => ({ ...s, instance })));
    },
    running: (service) => alive(service).map((s) => s.instance),
    stop: async () => {
      await stopChildren(services);
      await environment.remove();
    },
  };
};

/**
 * Starts a stack before the tests of the describe block it is called in, and stops it after them; the stack is
 * there from the first test on.
 */
export const testStackAround = (label: string, extraEnv: Record<string, string> = {}): (() => TestStack) => {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await startTestStack(label, extraEnv);
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
  });
  return () => {
    if (!stack) throw new Error(`the ${label} stack has not started`);
    return stack;
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
    headers: { 'content-type': 'application/json', ...withCredentials(url, headers) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
};

/**
 * Reports a new order at intake, on site S1 and in a unit of its own unless told otherwise, so that duplicate detection
 * never links it to another test's order.
 */
export const reportOrder = (report: {
  siteId?: string;
  building: string;
  unit?: string;
  channel: string;
  category?: string;
  description: string;
  reporter?: Record<string, string>;
}): Promise<HttpResult> =>
  post(`${urls.intake}/v1/reports`, { siteId: 'S1', unit: randomUUID().slice(0, 8), ...report });

export const put = async (url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> => {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...withCredentials(url, headers) },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
};

/** A 204 has no body; its result's body is then empty. */
export const del = async (url: string, headers: Record<string, string> = {}): Promise<HttpResult> => {
  const response = await fetch(url, { method: 'DELETE', headers: withCredentials(url, headers) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  };
};

/** An event stream (GET /v1/stream) never ends by itself: its status and headers are its answer, and it is closed. */
export const get = async (url: string, headers: Record<string, string> = {}): Promise<HttpResult> => {
  const response = await fetch(url, { headers: withCredentials(url, headers) });
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, headers: response.headers, body: {} };
  }
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
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
