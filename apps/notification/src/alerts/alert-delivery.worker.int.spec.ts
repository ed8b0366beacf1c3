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
import { deliveryWorkerConfig, webhookDeliveryWorker } from './delivery-worker-under-test.spec';

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
    await alerts.execute(
      alertId,
      workOrderId,
      {
        type: 'RaiseAlert',
        alertId,
        workOrderId,
        kind: 'escalation',
        siteId: 'S1',
        target: 'response',
        level: 1,
        recipients: [{ staffId: 'oc-zhao', role: 'on-call', channels: ['webhook'] }],
        causeEventId: randomUUID(),
        raisedAt: new Date().toISOString(),
      },
      ids,
    );
    await db.pool.query(
      `INSERT INTO notification_alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at) VALUES ($1, 'oc-zhao', 'webhook', $2, 'pending', now())`,
      [alertId, JSON.stringify({ channel: 'webhook', url, secrets: [SECRET] })],
    );
    return alertId;
  };

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
      const { rows } = await db.pool.query(
        'SELECT status, attempts FROM notification_alert_deliveries WHERE alert_id = $1',
        [alertId],
      );
      expect(rows).toEqual([{ status: 'delivered', attempts: 3 }]);
    } finally {
      await pager.close();
    }
  });

  it('pages again while nobody acknowledges, as a new message, and stops after the configured rounds', async () => {
    const pager = await receiver(0);
    try {
      const alertId = await queuedAlert(pager.url);
      startWorker({ ALERT_RENOTIFY_SECONDS: 1, ALERT_RENOTIFY_ROUNDS: 1 });
      await eventually('the re-notification', async () => (pager.hits.length >= 2 ? pager.hits : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(pager.hits.map((h) => h.webhookId)).toEqual([alertId, `${alertId}.2`]);
      expect((pager.hits[1]?.at ?? 0) - (pager.hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(900);
      const { rows } = await db.pool.query(
        'SELECT status, round FROM notification_alert_deliveries WHERE alert_id = $1',
        [alertId],
      );
      expect(rows).toEqual([{ status: 'delivered', round: 2 }]);
    } finally {
      await pager.close();
    }
  });

  it('re-notifies for the configured rounds and then stops, however long nobody acknowledges', async () => {
    const pager = await receiver(0);
    try {
      const alertId = await queuedAlert(pager.url);
      startWorker({ ALERT_RENOTIFY_SECONDS: 1, ALERT_RENOTIFY_ROUNDS: 2 });
      await eventually(
        'the second re-notification',
        async () => (pager.hits.length >= 3 ? pager.hits : undefined),
        10_000,
      );
      await new Promise((r) => setTimeout(r, 2_500)); // more than two more intervals
      expect(pager.hits.map((h) => h.webhookId)).toEqual([alertId, `${alertId}.2`, `${alertId}.3`]);
      const { rows } = await db.pool.query(
        'SELECT status, round FROM notification_alert_deliveries WHERE alert_id = $1',
        [alertId],
      );
      expect(rows).toEqual([{ status: 'delivered', round: 3 }]);
    } finally {
      await pager.close();
    }
  });

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
      await alerts.execute(
        topId,
        workOrderId,
        {
          type: 'RaiseAlert',
          alertId: topId,
          workOrderId,
          kind: 'escalation',
          siteId: 'S1',
          target: 'response',
          level: 3,
          recipients: [{ staffId: 'oc-head', role: 'on-call', channels: ['webhook'] }],
          causeEventId: randomUUID(),
          raisedAt: new Date().toISOString(),
        },
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
      await db.pool.query(
        `INSERT INTO notification_alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at) VALUES ($1, 'fallback:S1', 'webhook', $2, 'pending', now())`,
        [topId, JSON.stringify({ channel: 'webhook', url: pager.url, secrets: [SECRET] })],
      );
      startWorker({ ALERT_RENOTIFY_SECONDS: 1, ALERT_RENOTIFY_ROUNDS: 2 });
      await eventually('the fallback paged', async () => pager.hits[0]);
      await new Promise((r) => setTimeout(r, 2_500)); // more than two re-notification intervals
      expect(pager.hits.map((h) => h.webhookId)).toEqual([topId]);
      const { rows } = await db.pool.query(
        'SELECT status, round FROM notification_alert_deliveries WHERE alert_id = $1',
        [topId],
      );
      expect(rows).toEqual([{ status: 'delivered', round: 1 }]);
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
});
