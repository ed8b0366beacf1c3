import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { EventTypes, toDomainEvents } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { alertStream } from '@closeloop/notification-domain';
import { adminJson, eventuallyWhere, freshDatabase, runAdminCli, TestDatabase } from '@closeloop/testing';
import { NotificationConfig } from '../notification.config';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertService } from './alert.service';
import {
  deliveryWorkerConfig,
  queueWebhookDelivery,
  raiseWebhookEscalation,
  webhookDeliveryWorker,
} from './delivery-worker-under-test.spec';

/**
 * A delivery the worker cannot process (here the event store refuses the alert's events, so no attempt can be
 * recorded) is retried with backoff ALERT_PROCESSING_MAX_ATTEMPTS times, then waits as failed; the admin tool lists
 * it and queues it again, and once the cause is gone it is delivered. Real PostgreSQL, a loopback receiver, the
 * admin tool as a separate process.
 */
describe('an alert delivery that cannot be processed', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let alerts: AlertService;
  let worker: AlertDeliveryWorker;
  const hits: string[] = [];
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeAll(async () => {
    db = await freshDatabase('alert_delivery_failures');
    store = new PostgresEventStore(db.pool);
    alerts = new AlertService(store, db.pool, { DATABASE_URL: db.url } as NotificationConfig);
    server = createServer((request, response) => {
      hits.push(String(request.headers['webhook-id']));
      request.resume().on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pager`;
    const config = deliveryWorkerConfig(db.url, {
      ALERT_PROCESSING_MAX_ATTEMPTS: 3,
      ALERT_PROCESSING_RETRY_BASE_MILLIS: 100,
      ALERT_PROCESSING_RETRY_MAX_MILLIS: 200,
    });
    worker = webhookDeliveryWorker(alerts, db.pool, config);
  });

  afterAll(async () => {
    await worker?.onApplicationShutdown();
    await alerts?.onApplicationShutdown();
    await new Promise((r) => server?.close(r));
    await db?.drop();
  });

  const deliveryOf = async (alertId: string) =>
    (
      await db.pool.query<{
        status: string;
        processing_failures: number;
        failed_at: Date | null;
        last_error: string | null;
      }>(
        'SELECT status, processing_failures, failed_at, last_error FROM notification_alert_deliveries WHERE alert_id = $1',
        [alertId],
      )
    ).rows[0];

  it('is failed after ALERT_PROCESSING_MAX_ATTEMPTS, is listed, and is delivered once an operator retries it', async () => {
    const alertId = randomUUID();
    await raiseWebhookEscalation(
      alerts,
      { alertId, workOrderId: randomUUID(), siteId: 'S1', staffId: 'oc-zhao' },
      { correlationId: 'test', causationId: `test:${alertId}`, actor: { kind: 'system', id: 'test' } },
    );
    // From here on the store refuses this alert's events: an attempt is sent but cannot be recorded.
    await db.pool.query(
      `CREATE FUNCTION refuse_alert_events() RETURNS trigger LANGUAGE plpgsql
         AS $$ BEGIN RAISE EXCEPTION 'refusing events of %', NEW.stream_id; END $$`,
    );
    await db.pool.query(
      `CREATE TRIGGER refuse_alert_events BEFORE INSERT ON es_events
         FOR EACH ROW WHEN (NEW.stream_id = '${alertStream(alertId)}') EXECUTE FUNCTION refuse_alert_events()`,
    );
    await queueWebhookDelivery(
      db.pool,
      alertId,
      'oc-zhao',
      JSON.stringify({ channel: 'webhook', url, secrets: [`whsec_${randomBytes(24).toString('base64')}`] }),
    );
    worker.onApplicationBootstrap();

    const failed = await eventuallyWhere(
      'the delivery failed',
      () => deliveryOf(alertId),
      (row) => row.status === 'failed',
      20_000,
    );
    expect(failed).toMatchObject({
      processing_failures: 3,
      failed_at: expect.any(Date),
      last_error: expect.stringMatching(/refusing events/),
    });
    await new Promise((r) => setTimeout(r, 500)); // a failed delivery is not claimed again
    expect(hits).toHaveLength(3);

    const listed = adminJson<{
      failed: number;
      deliveries: { alertId: string; staffId: string; channel: string; processingFailures: number }[];
    }>(await runAdminCli(db.url, 'deliveries', 'list-failed', '--json'));
    expect(listed.failed).toBe(1);
    expect(listed.deliveries).toEqual([
      expect.objectContaining({ alertId, staffId: 'oc-zhao', channel: 'webhook', processingFailures: 3 }),
    ]);

    await db.pool.query('DROP TRIGGER refuse_alert_events ON es_events');
    const retried = adminJson<{ retried: unknown[] }>(
      await runAdminCli(db.url, 'deliveries', 'retry', alertId, '--channel', 'webhook', '--json'),
    );
    expect(retried.retried).toEqual([{ alertId, staffId: 'oc-zhao', channel: 'webhook' }]);

    const delivered = await eventuallyWhere(
      'the retried delivery delivered',
      () => deliveryOf(alertId),
      (row) => row.status === 'delivered',
      20_000,
    );
    expect(delivered).toMatchObject({ processing_failures: 0, failed_at: null });
    const attempts = toDomainEvents(await store.readStream(alertStream(alertId))).filter(
      (e) => e.type === EventTypes.AlertDeliveryAttempted,
    );
    expect(attempts.map((e) => (e.data as { outcome: string }).outcome)).toEqual(['delivered']);
    expect(new Set(hits)).toEqual(new Set([alertId])); // every try was the same message, which the receiver deduplicates

    expect((await runAdminCli(db.url, 'deliveries', 'retry', alertId)).code).toBe(1);
    expect((await runAdminCli(db.url, 'deliveries', 'retry', '--all', '--channel', 'webhook')).code).toBe(2);
  }, 60_000);
});
