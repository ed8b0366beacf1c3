import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { EventTypes, toDomainEvents } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { alertStream } from '@closeloop/notification-domain';
import { eventually, freshDatabase, TestDatabase } from '@closeloop/testing';
import { Webhook } from 'standardwebhooks';
import { NotificationConfig } from '../notification.config';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertService } from './alert.service';
import {
  deliveryWorkerConfig,
  queueWebhookDelivery,
  raiseWebhookEscalation,
  webhookDeliveryWorker,
} from './delivery-worker-under-test.spec';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface Hit {
  readonly webhookId: string;
  readonly at: number;
}

/** A receiver that checks signatures with the reference library and fails the first `failFirst` requests. */
const receiver = async (failFirst: number) => {
  const hits: Hit[] = [];
  const failures: number[] = [];
  const verifier = new Webhook(SECRET);
  const server: Server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (failures.length < failFirst) {
        failures.push(Date.now());
        response.writeHead(503).end();
        return;
      }
      verifier.verify(Buffer.concat(chunks).toString('utf8'), request.headers as Record<string, string>);
      hits.push({ webhookId: String(request.headers['webhook-id']), at: Date.now() });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    hits,
    failures,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pager`,
    close: () => new Promise((r) => server.close(r)),
  };
};

describe('AlertDeliveryWorker against a real PostgreSQL and a loopback receiver', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let alerts: AlertService;
  const workers: AlertDeliveryWorker[] = [];

  beforeAll(async () => {
    db = await freshDatabase('alert_delivery');
    store = new PostgresEventStore(db.pool);
    alerts = new AlertService(store, db.pool, { DATABASE_URL: db.url } as NotificationConfig);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.onApplicationShutdown()));
  });

  afterAll(async () => {
    await alerts.onApplicationShutdown();
    await db.drop();
  });

  const startWorker = (overrides: Partial<NotificationConfig>) => {
    const worker = webhookDeliveryWorker(alerts, db.pool, deliveryWorkerConfig(db.url, overrides));
    workers.push(worker);
    worker.onApplicationBootstrap();
  };

  /** An escalation alert to one on-call person, queued for their webhook, as the raiser leaves it. */
  const queuedAlert = async (url: string) => {
    const alertId = randomUUID();
    const workOrderId = randomUUID();
    const ids = {
      correlationId: 'test',
      causationId: `test:${alertId}`,
      actor: { kind: 'system' as const, id: 'test' },
    };
    await raiseWebhookEscalation(alerts, { alertId, workOrderId, siteId: 'S1', staffId: 'oc-zhao' }, ids);
    await queueWebhookDelivery(
      db.pool,
      alertId,
      'oc-zhao',
      JSON.stringify({ channel: 'webhook', url, secrets: [SECRET] }),
    );
    return alertId;
  };

  /** The alert's delivery rows, with the columns named. */
  const deliveryRows = async (alertId: string, columns: string) =>
    (await db.pool.query(`SELECT ${columns} FROM notification_alert_deliveries WHERE alert_id = $1`, [alertId])).rows;

  const attemptsOf = async (alertId: string) =>
    toDomainEvents(await store.readStream(alertStream(alertId))).flatMap((e) =>
      e.type === EventTypes.AlertDeliveryAttempted ? [e.data] : [],
    );

  it('retries a failing receiver with growing delays, then delivers, each attempt on the alert stream', async () => {
    const pager = await receiver(2);
    try {
      const alertId = await queuedAlert(pager.url);
      startWorker({});
      await eventually('the delivery', async () => pager.hits[0]);
      const attempts = await eventually('three attempts recorded', async () => {
        const recorded = await attemptsOf(alertId);
        return recorded.length === 3 ? recorded : undefined;
      });
      expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'delivered'],
      ]);
      expect(attempts[0]?.error).toMatch(/503/);
      expect(pager.hits.map((h) => h.webhookId)).toEqual([alertId]);
      // Backoff with jitter: the second wait is drawn from a range twice the first's.
      const [first, second] = pager.failures as [number, number];
      expect(second - first).toBeGreaterThanOrEqual(50);
      expect(await deliveryRows(alertId, 'status, attempts')).toEqual([{ status: 'delivered', attempts: 3 }]);
    } finally {
      await pager.close();
    }
  });

  it.each([
    { rounds: 1, settleMs: 1_500 },
    { rounds: 2, settleMs: 2_500 }, // more than two more intervals
  ])(
    'pages again while nobody acknowledges, each time a new message, and stops after $rounds configured round(s)',
    async ({ rounds, settleMs }) => {
      const pager = await receiver(0);
      try {
        const alertId = await queuedAlert(pager.url);
        startWorker({ ALERT_RENOTIFY_SECONDS: 1, ALERT_RENOTIFY_ROUNDS: rounds });
        const messages = rounds + 1;
        await eventually(
          `re-notification ${rounds}`,
          async () => (pager.hits.length >= messages ? pager.hits : undefined),
          10_000,
        );
        await new Promise((r) => setTimeout(r, settleMs));
        const renotifications = Array.from({ length: rounds }, (_, i) => `${alertId}.${i + 2}`);
        expect(pager.hits.map((h) => h.webhookId)).toEqual([alertId, ...renotifications]);
        expect((pager.hits[1]?.at ?? 0) - (pager.hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
        expect(await deliveryRows(alertId, 'status, round')).toEqual([{ status: 'delivered', round: messages }]);
      } finally {
        await pager.close();
      }
    },
  );

  it("pages a chain's fallback once, with no re-notification rounds", async () => {
    const pager = await receiver(0);
    try {
      // The top of a chain as the raiser leaves it once every delivery died: exhausted, its fallback queued.
      const workOrderId = randomUUID();
      const ids = {
        correlationId: 'test',
        causationId: 'test:exhausted',
        actor: { kind: 'system' as const, id: 'test' },
      };
      const fallback = { staffId: 'fallback:S1', source: 'site-fallback' as const, channels: ['webhook' as const] };
      const topId = randomUUID();
      await raiseWebhookEscalation(
        alerts,
        { alertId: topId, workOrderId, siteId: 'S1', staffId: 'oc-head', level: 3 },
        ids,
      );
      await alerts.execute(
        topId,
        workOrderId,
        {
          type: 'RecordDeliveryAttempt',
          staffId: 'oc-head',
          channel: 'webhook',
          destination: '127.0.0.1:9',
          outcome: 'failed',
          latencyMs: 1,
          at: new Date(),
        },
        ids,
      );
      await alerts.execute(
        topId,
        workOrderId,
        { type: 'DeadLetterDelivery', staffId: 'oc-head', channel: 'webhook', reason: 'refused', at: new Date() },
        ids,
      );
      const exhausted = await alerts.execute(
        topId,
        workOrderId,
        { type: 'ExhaustChain', fallback, at: new Date() },
        ids,
      );
      expect(exhausted.events.map((e) => e.type)).toEqual([EventTypes.AlertChainExhausted]);
      await queueWebhookDelivery(
        db.pool,
        topId,
        'fallback:S1',
        JSON.stringify({ channel: 'webhook', url: pager.url, secrets: [SECRET] }),
      );
      startWorker({ ALERT_RENOTIFY_SECONDS: 1, ALERT_RENOTIFY_ROUNDS: 2 });
      await eventually('the fallback paged', async () => pager.hits[0]);
      await new Promise((r) => setTimeout(r, 2_500)); // more than two re-notification intervals
      expect(pager.hits.map((h) => h.webhookId)).toEqual([topId]);
      expect(await deliveryRows(topId, 'status, round')).toEqual([{ status: 'delivered', round: 1 }]);
    } finally {
      await pager.close();
    }
  });

  it('dead-letters after the last attempt and records why', async () => {
    const pager = await receiver(1_000);
    try {
      const alertId = await queuedAlert(pager.url);
      startWorker({ ALERT_MAX_ATTEMPTS: 2, ALERT_RETRY_BASE_MILLIS: 50 });
      const dead = await eventually('the dead letter', async () =>
        toDomainEvents(await store.readStream(alertStream(alertId))).find(
          (e) => e.type === EventTypes.AlertDeadLettered,
        ),
      );
      expect(dead?.data).toMatchObject({ staffId: 'oc-zhao', channel: 'webhook', attempts: 2 });
      expect(pager.hits).toEqual([]);
    } finally {
      await pager.close();
    }
  });

  it('on shutdown finishes the sends in hand and gives back the deliveries it claimed but did not start', async () => {
    let received = 0;
    const slow: Server = createServer((request, response) => {
      received++;
      request.resume();
      setTimeout(() => response.writeHead(204).end(), 1_000);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/pager`;
      const alertIds: string[] = [];
      for (let i = 0; i < 12; i++) alertIds.push(await queuedAlert(url));
      startWorker({});
      await eventually('the first sends under way', async () => (received > 0 ? true : undefined));
      await Promise.all(workers.splice(0).map((w) => w.onApplicationShutdown())); // 8 sends at a time: 4 never started

      const { rows } = await db.pool.query<{ status: string; claimed: boolean }>(
        'SELECT status, claimed_until IS NOT NULL AS claimed FROM notification_alert_deliveries WHERE alert_id = ANY($1)',
        [alertIds],
      );
      const delivered = rows.filter((r) => r.status === 'delivered').length;
      expect(delivered).toBe(received);
      expect(rows.filter((r) => r.status === 'pending' && !r.claimed)).toHaveLength(12 - delivered);
      expect(12 - delivered).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => slow.close(r));
    }
  });

  it('sends a burst in batches side by side: every alert paged once, its attempt recorded once, every delivery finished', async () => {
    const pager = await receiver(0);
    try {
      // More than two batches of 100, so both of the worker's loops claim while the other sends.
      const alertIds: string[] = [];
      for (let i = 0; i < 250; i++) alertIds.push(await queuedAlert(pager.url));
      startWorker({});
      await eventually('every page', async () => (pager.hits.length >= alertIds.length ? true : undefined), 20_000);
      await eventually('every delivery finished', async () => {
        const { rows } = await db.pool.query<{ status: string; attempts: number }>(
          'SELECT status, attempts FROM notification_alert_deliveries WHERE alert_id = ANY($1)',
          [alertIds],
        );
        return rows.every((r) => r.status === 'delivered') ? rows : undefined;
      });
      expect(pager.hits.map((h) => h.webhookId).sort()).toEqual([...alertIds].sort());
      const { rows: attempts } = await db.pool.query<{ stream_id: string; n: number }>(
        `SELECT stream_id, count(*)::int AS n FROM es_events
         WHERE stream_id = ANY($1) AND event_type = $2 GROUP BY stream_id`,
        [alertIds.map(alertStream), EventTypes.AlertDeliveryAttempted],
      );
      expect(attempts).toHaveLength(alertIds.length);
      expect(attempts.every((a) => a.n === 1)).toBe(true);
      const { rows: finished } = await db.pool.query<{ attempts: number }>(
        'SELECT attempts FROM notification_alert_deliveries WHERE alert_id = ANY($1)',
        [alertIds],
      );
      expect(finished.map((r) => r.attempts)).toEqual(alertIds.map(() => 1));
    } finally {
      await pager.close();
    }
  });
});
