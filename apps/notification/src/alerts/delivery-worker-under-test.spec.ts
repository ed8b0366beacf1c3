import { randomBytes, randomUUID } from 'node:crypto';
import { AlertChannel } from '@closeloop/contracts';
import { Pool } from 'pg';
import { AlertChannelSender } from '../channels/alert-channel.port';
import { ANY_ADDRESS } from '../channels/outbound-addresses';
import { WebhookChannel } from '../channels/webhook.channel';
import { NotificationConfig } from '../notification.config';
import { AlertDeliveriesRepository } from './alert-deliveries.repository';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertSending } from './alert-sending';
import { AlertContextIds, AlertService } from './alert.service';
import { OrderFactsRepository } from './order-facts.repository';
import { OrderSnapshots } from './order-snapshot';

/** A delivery worker's configuration for specs: fast polls and retries, no re-notification, then the overrides. */
export const deliveryWorkerConfig = (
  databaseUrl: string,
  overrides: Partial<NotificationConfig> = {},
): NotificationConfig =>
  ({
    DATABASE_URL: databaseUrl,
    ALERT_LINK_SECRET: randomBytes(32).toString('hex'),
    ALERT_LINK_TTL_SECONDS: 3600,
    ALERT_POLL_MILLIS: 50,
    ALERT_MAX_ATTEMPTS: 4,
    ALERT_RETRY_BASE_MILLIS: 200,
    ALERT_RETRY_MAX_MILLIS: 2_000,
    ALERT_RENOTIFY_SECONDS: 0,
    ALERT_RENOTIFY_ROUNDS: 0,
    PUBLIC_QUERY_URL: 'http://127.0.0.1:3005',
    PUBLIC_NOTIFICATION_URL: 'http://127.0.0.1:3004',
    ...overrides,
  }) as NotificationConfig;

/** A delivery worker (not started) that sends on the webhook channel only, to any address: receivers are on loopback. */
export const webhookDeliveryWorker = (
  alerts: AlertService,
  pool: Pool,
  config: NotificationConfig,
): AlertDeliveryWorker => {
  const senders = new Map<AlertChannel, AlertChannelSender>([
    ['webhook', new WebhookChannel({ now: () => new Date(), timeoutMs: 2_000, addresses: ANY_ADDRESS })],
  ]);
  const orders = new OrderSnapshots(new OrderFactsRepository(pool));
  const sending = new AlertSending(alerts, orders, senders, config, { now: () => new Date() });
  return new AlertDeliveryWorker(sending, new AlertDeliveriesRepository(pool));
};

interface WebhookEscalation {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly siteId: string;
  readonly staffId: string;
  /** 1 unless said. */
  readonly level?: 1 | 2 | 3;
}

/** An escalation alert of the response target to one on-call person by webhook, raised as the raiser would. */
export const raiseWebhookEscalation = (alerts: AlertService, alert: WebhookEscalation, ids: AlertContextIds) =>
  alerts.execute(
    alert.alertId,
    alert.workOrderId,
    {
      type: 'RaiseAlert',
      alertId: alert.alertId,
      workOrderId: alert.workOrderId,
      kind: 'escalation',
      siteId: alert.siteId,
      target: 'response',
      level: alert.level ?? 1,
      recipients: [{ staffId: alert.staffId, role: 'on-call', channels: ['webhook'] }],
      causeEventId: randomUUID(),
      raisedAt: new Date().toISOString(),
    },
    ids,
  );

/** The alert's delivery to the person's webhook, due now, as the raiser queues it. */
export const queueWebhookDelivery = (pool: Pool, alertId: string, staffId: string, destination: string) =>
  pool.query(
    `INSERT INTO notification_alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at)
     VALUES ($1, $2, 'webhook', $3, 'pending', now())`,
    [alertId, staffId, destination],
  );
