import { Inject, Injectable, Optional } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import { RetryPolicy } from '@closeloop/notification-domain';
import { Clock, METRICS, PollingWorkerSettings, ServiceMetrics } from '@closeloop/runtime';
import { LeasedQueue, LeasedQueueWorker } from '../leased-queue-worker';
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
    @Optional() @Inject(METRICS) private readonly metrics?: ServiceMetrics,
  ) {}

  /** closeloop_alert_deliveries_total: each delivery's or digest's end, and each message a re-notified one got through. */
  counted(channel: AlertChannel, outcome: 'delivered' | 'failed' | 'dead'): void {
    this.metrics?.counter('closeloop_alert_deliveries_total').inc({ channel, outcome });
  }
}

// Longer than any send may take (the channel timeout), so a lease never runs out under a living worker.
const LEASE_SECONDS = 60;

/**
 * A worker that sends alert messages, one by one or as digests: it claims them with a lease, so several instances
 * share the work and one that dies mid-send leaves it to another once the lease runs out; polls as often as the
 * configuration says; retries a failed send by the send retry policy; and signs links that expire after the
 * configured time.
 */
export abstract class AlertSendingWorker<T> extends LeasedQueueWorker<T> {
  protected readonly retryPolicy: RetryPolicy;

  protected constructor(
    protected readonly sending: AlertSending,
    queue: LeasedQueue<T>,
    settings: Omit<PollingWorkerSettings, 'idleMillis'>,
  ) {
    super(queue, LEASE_SECONDS, { ...settings, idleMillis: sending.config.ALERT_POLL_MILLIS });
    this.retryPolicy = sendRetryPolicy(sending.config);
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
