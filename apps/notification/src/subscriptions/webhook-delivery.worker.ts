import { Inject, Injectable } from '@nestjs/common';
import { afterFailedAttempt, RetryPolicy } from '@closeloop/notification-domain';
import { LeasedQueueWorker } from '../leased-queue-worker';
import { NOTIFICATION_CONFIG, NotificationConfig, webhookRetryPolicy } from '../notification.config';
import { DueWebhookDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { SubscriptionWebhookSender } from './subscription-webhook.sender';

export const WEBHOOK_SENDER = Symbol('SubscriptionWebhookSender');

// Longer than any send may take (the channel timeout is at most 60 s), so a lease never runs out under a living worker.
const LEASE_SECONDS = 90;

/**
 * Sends the integrators' queued webhook deliveries (docs/adr/0030), each claimed with a lease as alert deliveries
 * are. A 2xx is delivered; a 5xx, 408, 425, 429, a timeout or a network failure is tried again with exponential
 * backoff and jitter, or after the receiver's Retry-After when longer, by the rule alert deliveries follow
 * (afterFailedAttempt); any other answer (a 4xx, a redirect, a target the outbound rule refuses) and the last allowed
 * attempt make the delivery dead, to be seen in the subscription's delivery log.
 */
@Injectable()
export class WebhookDeliveryWorker extends LeasedQueueWorker<DueWebhookDelivery> {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    @Inject(WEBHOOK_SENDER) private readonly sender: SubscriptionWebhookSender,
    @Inject(NOTIFICATION_CONFIG) config: NotificationConfig,
  ) {
    super(deliveries, LEASE_SECONDS, {
      logContext: 'webhook-delivery',
      itemName: 'webhook delivery',
      batchSize: 50,
      concurrency: 8,
      idleMillis: config.WEBHOOK_POLL_MILLIS,
    });
    this.policy = webhookRetryPolicy(config);
  }

  protected async work(delivery: DueWebhookDelivery): Promise<void> {
    try {
      await this.attempt(delivery);
    } catch (error) {
      // Not the receiver's failure (those are attempts): the outcome could not be recorded. The lease runs out and
      // the delivery is tried again; the receiver deduplicates by webhook-id should it have arrived.
      this.logger.warn(
        `webhook delivery of ${delivery.eventId} to subscription ${delivery.subscriptionId} could not be worked: ${(error as Error).message}`,
      );
    }
  }

  private async attempt(delivery: DueWebhookDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    const { status, failure } = await this.sender.send(
      delivery.url,
      delivery.secret,
      delivery.eventId,
      JSON.stringify(delivery.payload),
    );
    if (!failure) return this.deliveries.finish(delivery, 'delivered', attempt, status);
    const next = afterFailedAttempt(this.policy, attempt, failure, Math.random);
    if (next.next === 'dead') {
      await this.deliveries.finish(delivery, 'dead', attempt, status, failure.message);
      this.logger.warn(
        `WEBHOOK_DELIVERY_DEAD ${delivery.eventId} to subscription ${delivery.subscriptionId} after ${attempt} attempts: ${failure.message}`,
      );
      return;
    }
    await this.deliveries.retryLater(delivery, attempt, next.delayMs, status, failure.message);
  }
}
