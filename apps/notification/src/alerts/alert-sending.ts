import { Inject, Injectable } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import { RetryPolicy } from '@closeloop/notification-domain';
import { Clock, PollingWorker, PollingWorkerSettings } from '@closeloop/runtime';
import { AlertChannelSender } from '../channels/alert-channel.port';
import { CHANNEL_SENDERS, NOTIFICATION_CONFIG, NotificationConfig, sendRetryPolicy } from '../notification.config';
import { AlertService } from './alert.service';
import { OrderSnapshots } from './order-snapshot';

/**
 * What every sender of alert messages works with: the alerts (to record each attempt on), what they say of their
 * orders, the channels, the configuration (links, retries, polling) and the clock.
 */
@Injectable()
export class AlertSending {
  constructor(
    readonly alerts: AlertService,
    readonly orders: OrderSnapshots,
    @Inject(CHANNEL_SENDERS) readonly senders: ReadonlyMap<AlertChannel, AlertChannelSender>,
    @Inject(NOTIFICATION_CONFIG) readonly config: NotificationConfig,
    readonly clock: Clock,
  ) {}
}

/** Where a sending worker's messages wait: claimed in batches, each with a lease (FOR UPDATE SKIP LOCKED). */
export interface SendQueue<T> {
  claimDue(batchSize: number, leaseSeconds: number): Promise<T[]>;
}

// Longer than any send may take (the channel timeout), so a lease never runs out under a living worker.
const LEASE_SECONDS = 60;

/**
 * A worker that sends alert messages, one by one or as digests: it claims them with a lease, so several instances
 * share the work and one that dies mid-send leaves it to another once the lease runs out; polls as often as the
 * configuration says; retries a failed send by the send retry policy; and signs links that expire after the
 * configured time.
 */
export abstract class AlertSendingWorker<T> extends PollingWorker<T> {
  protected readonly retryPolicy: RetryPolicy;

  protected constructor(
    protected readonly sending: AlertSending,
    private readonly queue: SendQueue<T>,
    settings: Omit<PollingWorkerSettings, 'idleMillis'>,
  ) {
    super({ ...settings, idleMillis: sending.config.ALERT_POLL_MILLIS });
    this.retryPolicy = sendRetryPolicy(sending.config);
  }

  protected claim(batchSize: number): Promise<T[]> {
    return this.queue.claimDue(batchSize, LEASE_SECONDS);
  }

  /** When a link sent at `now` stops working, in Unix seconds. */
  protected linkExpiresAt(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.sending.config.ALERT_LINK_TTL_SECONDS;
  }

  /** The order's timeline in the query service, which a message links to. */
  protected timelineUrlOf(workOrderId: string): string {
    return `${this.sending.config.PUBLIC_QUERY_URL}/v1/work-orders/${workOrderId}/timeline`;
  }
}
