import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { StaffRole } from '@closeloop/auth';
import { loadConfig } from '@closeloop/config';
import { AlertEvent, EventTypes, TopicBaseNames, topicName, toDomainEvents } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { alertStream } from '@closeloop/notification-domain';
import { cloudEventsTransport, startService } from '@closeloop/runtime';
import { slaStream } from '@closeloop/sla-domain';
import {
  inProcessServiceEnv,
  ServiceEnvironment,
  startServiceEnvironment,
  TestDatabase,
  testKafka,
} from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import { notificationConfigSchema } from './notification.config';
import { notificationModule } from './notification.module';

export interface NotificationUnderTest {
  readonly db: TestDatabase;
  readonly store: PostgresEventStore;
  readonly app: INestApplication;
  readonly prefix: string;
  readonly eventsTopic: string;
  readonly baseUrl: string;
  asStaff(staffId: string, roles?: StaffRole[], sites?: string[]): Promise<Record<string, string>>;
  /** Registers an integrator in this service's database; resolves with its API key. */
  readonly registerIntegrator: ServiceEnvironment['registerIntegrator'];
  /** Appends events about one order to a stream, as the stream's owner would; the relay publishes them. Their ids. */
  append(
    stream: string,
    workOrderId: string,
    events: { type: string; data: Record<string, unknown> }[],
  ): Promise<string[]>;
  /** Appends an order's report (and, if given, its triage) to its stream, as intake would; returns its id. */
  report(siteId: string, description: string, tier?: 'urgent' | 'normal'): Promise<string>;
  /** Appends an SLA event to the order's SLA stream, as sla-timer would; the relay publishes it. */
  recordSla(workOrderId: string, event: { type: string; data: Record<string, unknown> }): Promise<string>;
  alertEvents(alertId: string): Promise<AlertEvent[]>;
  /** Every event on the alert streams of one order, in store order. */
  alertEventsOf(workOrderId: string): Promise<AlertEvent[]>;
  stop(): Promise<void>;
}

/**
 * The notification service in this process, as runService starts it (apps/notification/src/main.ts) but on a free
 * port, with its own database, topics and staff-token key: its relay publishes what is appended to the store, and
 * its consumer group reads it back from the real broker. Alert and webhook deliveries are polled every 50 ms and
 * retried 50 to 200 ms apart, so a spec waits for a retry briefly; `env` overrides any setting.
 */
export const startNotificationUnderTest = async (
  label: string,
  env: Record<string, string>,
): Promise<NotificationUnderTest> => {
  const environment = await startServiceEnvironment(label, 'closeloop-notification-int');
  const { db, prefix } = environment;
  const store = new PostgresEventStore(db.pool);
  const config = loadConfig(
    notificationConfigSchema,
    inProcessServiceEnv(environment, {
      ALERT_LINK_SECRET: randomBytes(32).toString('hex'),
      ALERT_POLL_MILLIS: '50',
      ALERT_RETRY_BASE_MILLIS: '50',
      ALERT_RETRY_MAX_MILLIS: '200',
      ALERT_MAX_ATTEMPTS: '2',
      ALERT_RENOTIFY_SECONDS: '0',
      WEBHOOK_POLL_MILLIS: '50',
      WEBHOOK_RETRY_BASE_MILLIS: '50',
      WEBHOOK_RETRY_MAX_MILLIS: '200',
      // The tests' pagers listen on 127.0.0.1, which the outbound address rule refuses unless told otherwise.
      OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'true',
      ...env,
    }),
  );
  const eventsTopic = topicName(TopicBaseNames.events, prefix);
  const app = await startService(notificationModule(config), {
    host: config.HOST,
    port: 0,
    logLevel: config.LOG_LEVEL,
    transport: cloudEventsTransport(`${prefix}notification`, [eventsTopic], 'skip'),
  });
  const { port } = app.getHttpServer().address() as AddressInfo;
  const system = { kind: 'system' as const, id: 'test' };
  const append = async (
    stream: string,
    workOrderId: string,
    events: { type: string; data: Record<string, unknown> }[],
  ): Promise<string[]> => {
    const eventIds = events.map(() => randomUUID());
    await store.append(
      stream,
      events.map((e, i) => ({
        eventId: eventIds[i] as string,
        type: e.type,
        data: e.data,
        metadata: {
          workOrderId,
          correlationId: workOrderId,
          causationId: workOrderId,
          actor: system,
          producer: 'test',
        },
      })),
      'any',
    );
    return eventIds;
  };
  let numbers = 0;
  return {
    db,
    store,
    app,
    prefix,
    eventsTopic,
    baseUrl: `http://127.0.0.1:${port}`,
    append,
    asStaff: async (staffId, roles = ['on-call'], sites = ['*']) => ({
      authorization: `Bearer ${await environment.staffToken({ staffId, roles, sites })}`,
    }),
    registerIntegrator: environment.registerIntegrator,
    report: async (siteId, description, tier) => {
      const workOrderId = randomUUID();
      const at = new Date().toISOString();
      const number = `${siteId}-20261204-${String(++numbers).padStart(4, '0')}`;
      await append(workOrderStream(workOrderId), workOrderId, [
        {
          type: EventTypes.WorkOrderReported,
          data: {
            workOrderId,
            number,
            siteId,
            building: 'B2',
            unit: '0101',
            channel: 'phone',
            reporter: { name: 'Ms Lin' },
            description,
            reportedAt: at,
          },
        },
        ...(tier
          ? [
              {
                type: EventTypes.WorkOrderTriaged,
                data: { workOrderId, tier, category: 'plumbing', ruleId: 'test', reason: 'test', triagedAt: at },
              },
            ]
          : []),
      ]);
      return workOrderId;
    },
    recordSla: async (workOrderId, event) => (await append(slaStream(workOrderId), workOrderId, [event]))[0] as string,
    alertEvents: async (alertId) => toDomainEvents(await store.readStream(alertStream(alertId))) as AlertEvent[],
    alertEventsOf: async (workOrderId) => {
      const { rows } = await db.pool.query<{ event_type: string; data: unknown }>(
        `SELECT event_type, data FROM es_events WHERE stream_id LIKE 'alert-%' AND data->>'workOrderId' = $1 ORDER BY global_position`,
        [workOrderId],
      );
      return toDomainEvents(rows.map((r) => ({ type: r.event_type, data: r.data }))) as AlertEvent[];
    },
    stop: async () => {
      await app.close();
      await environment.remove();
    },
  };
};

export interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A loopback receiver for webhook and robot channels: records every request; paths in `failing` answer 503. */
export const startReceiver = async () => {
  const received: Received[] = [];
  const failing = new Set<string>();
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '/';
      if (failing.has(path)) {
        response.writeHead(503).end();
        return;
      }
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      // WeCom's robot answers errcode 0; a webhook receiver's 200 with the same body is as good.
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return { received, failing, url, close: () => new Promise((r) => server.close(r)) };
};

/**
 * The service and a loopback receiver for the tests of one describe block: started before its first test (the
 * receiver first, so addresses on it can be set up), stopped after its last. Read them inside the tests.
 */
export const serviceWithReceiver = (label: string, env: Record<string, string>) => {
  const under = {} as { service: NotificationUnderTest; receiver: Awaited<ReturnType<typeof startReceiver>> };
  beforeAll(async () => {
    under.receiver = await startReceiver();
    under.service = await startNotificationUnderTest(label, env);
  }, 120_000);
  afterAll(async () => {
    await under.receiver?.close();
    await under.service?.stop();
  });
  return under;
};

/** The offsets the service's consumer group has committed on the events topic, by partition. */
export const committedOffsets = async (service: NotificationUnderTest): Promise<Map<number, number>> => {
  const admin = testKafka('notification-committed').admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({
      groupId: `${service.prefix}notification`,
      topics: [service.eventsTopic],
    });
    return new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
};

/** Waits until the service's consumer group has committed every record on the events topic: all of it was handled. */
export const caughtUp = async (service: NotificationUnderTest, timeoutMs = 30_000): Promise<void> => {
  const admin = testKafka('notification-caught-up').admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ends = await admin.fetchTopicOffsets(service.eventsTopic);
      const at = await committedOffsets(service);
      if (ends.every((e) => Number(e.high) === 0 || (at.get(e.partition) ?? -1) >= Number(e.high))) return;
      if (Date.now() > deadline)
        throw new Error(`the notification consumer did not catch up with ${service.eventsTopic} in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
};

// The alert specs import the rotation body they send with the rest of the service's helpers.
export { allDayRotation } from '@closeloop/testing';
