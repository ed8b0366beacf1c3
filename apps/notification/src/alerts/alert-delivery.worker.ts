import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import { AlertState, nextRetryDelayMs, renderAlert, RetryPolicy, shouldDeadLetter } from '@closeloop/notification-domain';
import { CLOCK, Clock, PG_POOL, PollingLoop } from '@closeloop/runtime';
import { Pool } from 'pg';
import { AlertChannelSender, DeliveryFailedError, describeDestination, Destination } from '../channels/alert-channel.port';
import { CHANNEL_SENDERS, NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { createAckLinkToken } from './ack-links';
import { AlertService } from './alert.service';
import { OrderSnapshot, OrderSnapshots } from './order-snapshot';

interface DueDelivery {
  readonly alert_id: string;
  readonly staff_id: string;
  readonly channel: AlertChannel;
  readonly destination: Destination;
  readonly round: number;
  readonly attempts: number;
}

const BATCH = 50;
const CONCURRENCY = 8;
// Longer than any send may take (the channel timeout), so a lease never runs out under a living worker.
const LEASE_SECONDS = 60;

/**
 * Sends queued deliveries. A delivery is claimed with a short lease (FOR UPDATE SKIP LOCKED in a short
 * transaction, "due" by the database's clock), so several instances share the work and one that dies mid-send
 * leaves it to another once the lease runs out. The send itself happens under the alert's lock and only while the
 * alert is open. Each attempt, its outcome and latency are an event on the alert, hence on the order's timeline.
 */
@Injectable()
export class AlertDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('alert-delivery');
  private readonly retryPolicy: RetryPolicy;
  private readonly loop: PollingLoop<DueDelivery>;

  constructor(
    private readonly alerts: AlertService,
    private readonly orders: OrderSnapshots,
    @Inject(CHANNEL_SENDERS) private readonly senders: ReadonlyMap<AlertChannel, AlertChannelSender>,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.retryPolicy = { maxAttempts: config.ALERT_MAX_ATTEMPTS, baseDelayMs: config.ALERT_RETRY_BASE_MILLIS, maxDelayMs: config.ALERT_RETRY_MAX_MILLIS };
    this.loop = new PollingLoop({
      claim: (batchSize) => this.claimDue(batchSize),
      work: (delivery) => this.deliver(delivery),
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      idleMillis: config.ALERT_POLL_MILLIS,
      onPollFailed: (error) => this.logger.warn(`delivery poll failed: ${error.message}`),
      release: (deliveries) => this.releaseUnsent(deliveries),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  private async claimDue(batchSize: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<DueDelivery>(
      `UPDATE notification_alert_deliveries d SET claimed_until = now() + make_interval(secs => $2)
       FROM (SELECT alert_id, staff_id, channel FROM notification_alert_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE d.alert_id = due.alert_id AND d.staff_id = due.staff_id AND d.channel = due.channel
       RETURNING d.alert_id, d.staff_id, d.channel, d.destination, d.round, d.attempts`,
      [batchSize, LEASE_SECONDS],
    );
    return rows;
  }

  /** Gives back deliveries claimed but not attempted (a graceful shutdown), for any instance's next poll. */
  private async releaseUnsent(deliveries: readonly DueDelivery[]): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries d SET claimed_until = NULL
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(alert_id, staff_id, channel)
       WHERE d.alert_id = u.alert_id AND d.staff_id = u.staff_id AND d.channel = u.channel AND d.status = 'pending'`,
      [deliveries.map((d) => d.alert_id), deliveries.map((d) => d.staff_id), deliveries.map((d) => d.channel)],
    );
  }

  private async deliver(delivery: DueDelivery): Promise<void> {
    try {
      await this.alerts.withAlertLock(delivery.alert_id, async () => {
        const { state } = await this.alerts.load(delivery.alert_id);
        // Acknowledged or closed since it was queued: a retry already waiting is dropped, not sent.
        if (state.status !== 'open') return this.finish(delivery, 'cancelled');
        await this.attempt(delivery, state);
      });
    } catch (error) {
      // Not a channel's failure (those are attempts, retried and dead-lettered in attempt()): this delivery could
      // not be worked at all. Retried with backoff a bounded number of times, then failed, for an operator.
      const message = (error as Error).message;
      const { rows } = await this.pool.query<{ processing_failures: number }>(
        `UPDATE notification_alert_deliveries SET processing_failures = processing_failures + 1
         WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending' RETURNING processing_failures`,
        [delivery.alert_id, delivery.staff_id, delivery.channel],
      );
      const failures = rows[0]?.processing_failures ?? 0;
      const policy: RetryPolicy = {
        maxAttempts: this.config.ALERT_PROCESSING_MAX_ATTEMPTS,
        baseDelayMs: this.config.ALERT_PROCESSING_RETRY_BASE_MILLIS,
        maxDelayMs: this.config.ALERT_PROCESSING_RETRY_MAX_MILLIS,
      };
      if (shouldDeadLetter(policy, failures)) {
        await this.finish(delivery, 'failed', message.slice(0, 500));
        this.logger.error(
          `ALERT_DELIVERY_FAILED delivery of alert ${delivery.alert_id} on ${delivery.channel} to ${delivery.staff_id} could not be processed ${failures} times and is given up on: ${message}; ` +
            `npm run -s admin -- deliveries retry ${delivery.alert_id} sends it again`,
        );
        return;
      }
      const delayMs = nextRetryDelayMs(policy, failures, Math.random);
      this.logger.warn(`delivery of alert ${delivery.alert_id} on ${delivery.channel} could not be processed (${failures} of ${policy.maxAttempts}), retrying in ${delayMs} ms: ${message}`);
      await this.pool.query(
        `UPDATE notification_alert_deliveries SET claimed_until = NULL, last_error = $4, next_attempt_at = now() + make_interval(secs => $5)
         WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending'`,
        [delivery.alert_id, delivery.staff_id, delivery.channel, message.slice(0, 500), delayMs / 1000],
      );
    }
  }

  private async attempt(delivery: DueDelivery, alert: Extract<AlertState, { status: 'open' }>): Promise<void> {
    const sender = this.senders.get(delivery.channel);
    const attempt = delivery.attempts + 1;
    const started = Date.now();
    let failure: DeliveryFailedError | undefined;
    if (!sender) {
      failure = new DeliveryFailedError(`the ${delivery.channel} channel is not configured on this service`, false);
    } else {
      try {
        const order = await this.orders.of(alert.workOrderId);
        await sender.send(delivery.destination, this.outgoing(alert, delivery, attempt, order));
      } catch (error) {
        failure = error instanceof DeliveryFailedError ? error : new DeliveryFailedError((error as Error).message, true);
      }
    }
    const latencyMs = Date.now() - started;
    const ids = { correlationId: `alert:${alert.alertId}`, causationId: `delivery:${alert.alertId}:${delivery.staff_id}:${delivery.channel}:${delivery.round}:${attempt}`, actor: { kind: 'system' as const, id: 'notification' } };
    await this.alerts.execute(
      alert.alertId,
      alert.workOrderId,
      {
        type: 'RecordDeliveryAttempt',
        staffId: delivery.staff_id,
        channel: delivery.channel,
        destination: describeDestination(delivery.destination),
        outcome: failure ? 'failed' : 'delivered',
        latencyMs,
        error: failure?.message.slice(0, 500),
        at: this.clock.now(),
      },
      ids,
    );
    if (!failure) {
      // A chain's fallback is paged once per channel (ADR 12); everyone else the configured rounds, then no more.
      const isFallback = alert.exhausted?.fallback.staffId === delivery.staff_id;
      const renotify = !isFallback && this.config.ALERT_RENOTIFY_SECONDS > 0 && delivery.round <= this.config.ALERT_RENOTIFY_ROUNDS;
      if (!renotify) return this.finish(delivery, 'delivered', undefined, attempt);
      // Still unacknowledged after the interval: page again, a new message (a new webhook id) with fresh context.
      await this.pool.query(
        `UPDATE notification_alert_deliveries SET status = 'pending', round = round + 1, attempts = 0, claimed_until = NULL, last_error = NULL,
           delivered_at = COALESCE(delivered_at, now()), next_attempt_at = now() + make_interval(secs => $4)
         WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending'`,
        [delivery.alert_id, delivery.staff_id, delivery.channel, this.config.ALERT_RENOTIFY_SECONDS],
      );
      return;
    }
    if (!failure.retryable || shouldDeadLetter(this.retryPolicy, attempt)) {
      await this.finish(delivery, 'dead', failure.message, attempt);
      await this.alerts.execute(
        alert.alertId,
        alert.workOrderId,
        { type: 'DeadLetterDelivery', staffId: delivery.staff_id, channel: delivery.channel, reason: failure.message.slice(0, 500), at: this.clock.now() },
        { ...ids, causationId: `${ids.causationId}:dead` },
      );
      this.logger.warn(`alert ${alert.alertId}: ${delivery.channel} to ${delivery.staff_id} dead-lettered after ${attempt} attempts: ${failure.message}`);
      return;
    }
    const delayMs = nextRetryDelayMs(this.retryPolicy, attempt, Math.random);
    await this.pool.query(
      `UPDATE notification_alert_deliveries SET attempts = $4, last_error = $5, claimed_until = NULL, next_attempt_at = now() + make_interval(secs => $6)
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending'`,
      [delivery.alert_id, delivery.staff_id, delivery.channel, attempt, failure.message.slice(0, 500), delayMs / 1000],
    );
  }

  private async finish(delivery: DueDelivery, status: 'delivered' | 'dead' | 'cancelled' | 'failed', error?: string, attempts?: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries SET status = $4, claimed_until = NULL, last_error = COALESCE($5, last_error), attempts = COALESCE($6, attempts),
         delivered_at = CASE WHEN $4 = 'delivered' THEN COALESCE(delivered_at, now()) ELSE delivered_at END,
         failed_at = CASE WHEN $4 = 'failed' THEN now() ELSE failed_at END
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3`,
      [delivery.alert_id, delivery.staff_id, delivery.channel, status, error ?? null, attempts ?? null],
    );
  }

  private outgoing(alert: Extract<AlertState, { status: 'open' }>, delivery: DueDelivery, attempt: number, order: OrderSnapshot | undefined) {
    const now = this.clock.now();
    const token = createAckLinkToken(this.config.ALERT_LINK_SECRET, {
      alertId: alert.alertId,
      staffId: delivery.staff_id,
      expiresAt: Math.floor(now.getTime() / 1000) + this.config.ALERT_LINK_TTL_SECONDS,
    });
    const ackUrl = `${this.config.PUBLIC_NOTIFICATION_URL}/v1/alert-links/${token}`;
    const timelineUrl = `${this.config.PUBLIC_QUERY_URL}/v1/work-orders/${alert.workOrderId}/timeline`;
    const dueAt = alert.dueAt;
    const message = renderAlert({
      kind: alert.kind,
      level: alert.level,
      target: alert.target,
      number: order?.number ?? alert.workOrderId,
      siteId: alert.siteId,
      building: order?.building,
      unit: order?.unit,
      category: order?.category,
      tier: order?.tier,
      description: order?.description,
      reporterPhone: order?.reporterPhone,
      dueAt,
      now,
      ownerName: order?.owner?.name,
      recentEvents: order?.recentEvents ?? [],
      timelineUrl,
      ackUrl,
      chainExhausted: alert.exhausted?.fallback.staffId === delivery.staff_id,
    });
    // A re-notification is a new message; a retry of one is the same message (the receiver's idempotency key).
    const messageId = delivery.round === 1 ? alert.alertId : `${alert.alertId}.${delivery.round}`;
    return {
      alertId: messageId,
      attempt,
      ...message,
      payload: {
        type: 'closeloop.alert',
        alertId: alert.alertId,
        kind: alert.kind,
        level: alert.level ?? null,
        target: alert.target ?? null,
        round: delivery.round,
        workOrder: {
          id: alert.workOrderId,
          number: order?.number ?? null,
          siteId: alert.siteId,
          building: order?.building ?? null,
          unit: order?.unit ?? null,
          category: order?.category ?? null,
          tier: order?.tier ?? null,
          owner: order?.owner?.name ?? null,
          status: order?.status ?? null,
        },
        text: message.text,
        timelineUrl,
        ackUrl,
      },
    };
  }
}
