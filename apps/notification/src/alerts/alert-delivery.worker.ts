import { Inject, Injectable, Optional } from '@nestjs/common';
import { METRICS, ServiceMetrics } from '@closeloop/runtime';
import {
  afterFailedAttempt,
  AlertState,
  nextRetryDelayMs,
  renderAlert,
  shouldDeadLetter,
} from '@closeloop/notification-domain';
import { describeDestination, sendThrough } from '../channels/alert-channel.port';
import { processingRetryPolicy } from '../notification.config';
import { createAckLinkToken } from './ack-links';
import { AlertDeliveriesRepository, DueDelivery } from './alert-deliveries.repository';
import { AlertSending, AlertSendingWorker } from './alert-sending';
import { deadLetterDelivery, NOTIFICATION_ACTOR, recordDeliveryAttempt } from './delivery-commands';
import { OrderSnapshot } from './order-snapshot';

const POLLING = { logContext: 'alert-delivery', itemName: 'delivery', batchSize: 50, concurrency: 8 };

/**
 * Sends queued deliveries, each claimed with a short lease (AlertDeliveriesRepository), so several instances share
 * the work and one that dies mid-send leaves it to another once the lease runs out. The send itself happens under
 * the alert's lock and only while the alert is open. Each attempt, its outcome and latency are an event on the
 * alert, hence on the order's timeline.
 */
@Injectable()
export class AlertDeliveryWorker extends AlertSendingWorker<DueDelivery> {
  constructor(
    sending: AlertSending,
    private readonly deliveries: AlertDeliveriesRepository,
    @Optional() @Inject(METRICS) private readonly metrics?: ServiceMetrics,
  ) {
    super(sending, deliveries, POLLING);
  }

  /** closeloop_alert_deliveries_total: each delivery's end, and each message a re-notified one got through. */
  private counted(delivery: DueDelivery, outcome: 'delivered' | 'failed' | 'dead'): void {
    this.metrics?.counter('closeloop_alert_deliveries_total').inc({ channel: delivery.channel, outcome });
  }

  protected override release(unsent: readonly DueDelivery[]): Promise<void> {
    return this.deliveries.release(unsent);
  }

  protected async work(delivery: DueDelivery): Promise<void> {
    try {
      await this.sending.alerts.withAlertLock(delivery.alert_id, async () => {
        const { state } = await this.sending.alerts.load(delivery.alert_id);
        // Acknowledged or closed since it was queued: a retry already waiting is dropped, not sent.
        if (state.status !== 'open') return this.deliveries.finish(delivery, 'cancelled');
        await this.attempt(delivery, state);
      });
    } catch (error) {
      // Not a channel's failure (those are attempts, retried and dead-lettered in attempt()): this delivery could
      // not be worked at all. Retried with backoff a bounded number of times, then failed, for an operator.
      const message = (error as Error).message;
      const failures = await this.deliveries.countProcessingFailure(delivery);
      const policy = processingRetryPolicy(this.sending.config);
      if (shouldDeadLetter(policy, failures)) {
        await this.deliveries.finish(delivery, 'failed', message.slice(0, 500));
        this.counted(delivery, 'failed');
        this.logger.error(
          `ALERT_DELIVERY_FAILED delivery of alert ${delivery.alert_id} on ${delivery.channel} to ${delivery.staff_id} ` +
            `could not be processed ${failures} times and is given up on: ${message}; ` +
            `npm run -s admin -- deliveries retry ${delivery.alert_id} sends it again`,
        );
        return;
      }
      const delayMs = nextRetryDelayMs(policy, failures, Math.random);
      this.logger.warn(
        `delivery of alert ${delivery.alert_id} on ${delivery.channel} could not be processed ` +
          `(${failures} of ${policy.maxAttempts}), retrying in ${delayMs} ms: ${message}`,
      );
      await this.deliveries.retryLater(delivery, delayMs, message.slice(0, 500));
    }
  }

  private async attempt(delivery: DueDelivery, alert: Extract<AlertState, { status: 'open' }>): Promise<void> {
    const attempt = delivery.attempts + 1;
    const sent = await sendThrough(this.sending.senders, delivery.channel, delivery.destination, async () =>
      this.outgoing(alert, delivery, attempt, await this.sending.orders.of(alert.workOrderId)),
    );
    const { failure } = sent;
    const ids = {
      correlationId: `alert:${alert.alertId}`,
      causationId: `delivery:${alert.alertId}:${delivery.staff_id}:${delivery.channel}:${delivery.round}:${attempt}`,
      actor: NOTIFICATION_ACTOR,
    };
    const addressee = { staffId: delivery.staff_id, channel: delivery.channel };
    await this.sending.alerts.execute(
      alert.alertId,
      alert.workOrderId,
      recordDeliveryAttempt(
        { ...addressee, destination: describeDestination(delivery.destination) },
        sent,
        this.sending.clock.now(),
      ),
      ids,
    );
    if (!failure) {
      this.counted(delivery, 'delivered');
      // A chain's fallback is paged once per channel (ADR 12); everyone else the configured rounds, then no more.
      const isFallback = alert.exhausted?.fallback.staffId === delivery.staff_id;
      const renotify =
        !isFallback &&
        this.sending.config.ALERT_RENOTIFY_SECONDS > 0 &&
        delivery.round <= this.sending.config.ALERT_RENOTIFY_ROUNDS;
      if (!renotify) return this.deliveries.finish(delivery, 'delivered', undefined, attempt);
      // Still unacknowledged after the interval: page again, a new message (a new webhook id) with fresh context.
      await this.deliveries.renotifyLater(delivery, this.sending.config.ALERT_RENOTIFY_SECONDS);
      return;
    }
    const next = afterFailedAttempt(this.retryPolicy, attempt, failure, Math.random);
    if (next.next === 'dead') {
      await this.deliveries.finish(delivery, 'dead', failure.message, attempt);
      this.counted(delivery, 'dead');
      await this.sending.alerts.execute(
        alert.alertId,
        alert.workOrderId,
        deadLetterDelivery(addressee, failure.message, this.sending.clock.now()),
        { ...ids, causationId: `${ids.causationId}:dead` },
      );
      this.logger.warn(
        `alert ${alert.alertId}: ${delivery.channel} to ${delivery.staff_id} dead-lettered after ${attempt} attempts: ${failure.message}`,
      );
      return;
    }
    await this.deliveries.retryLater(delivery, next.delayMs, failure.message.slice(0, 500), attempt);
  }

  private outgoing(
    alert: Extract<AlertState, { status: 'open' }>,
    delivery: DueDelivery,
    attempt: number,
    order: OrderSnapshot | undefined,
  ) {
    const now = this.sending.clock.now();
    const token = createAckLinkToken(this.sending.config.ALERT_LINK_SECRET, {
      alertId: alert.alertId,
      staffId: delivery.staff_id,
      expiresAt: this.linkExpiresAt(now),
    });
    const ackUrl = `${this.sending.config.PUBLIC_NOTIFICATION_URL}/v1/alert-links/${token}`;
    const timelineUrl = this.timelineUrlOf(alert.workOrderId);
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
