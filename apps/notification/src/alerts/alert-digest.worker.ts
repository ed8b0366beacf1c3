import { Injectable } from '@nestjs/common';
import {
  AlertState,
  mayDeliver,
  nextRetryDelayMs,
  renderDigest,
  shouldDeadLetter,
} from '@closeloop/notification-domain';
import { describeDestination, sendThrough } from '../channels/alert-channel.port';
import { createDigestLinkToken } from './ack-links';
import { AlertDigestRepository, DigestRow } from './alert-digest.repository';
import { AlertSending, AlertSendingWorker } from './alert-sending';
import { deadLetterDelivery, NOTIFICATION_ACTOR, recordDeliveryAttempt } from './delivery-commands';

type OpenAlert = Extract<AlertState, { status: 'open' }>;

const POLLING = { logContext: 'alert-digest', itemName: 'digest', batchSize: 20, concurrency: 4 };

/**
 * Sends the storm digests whose window closed (ADR 12): one message per recipient and channel, listing every alert
 * held for them that is still open. Claimed like deliveries (a lease taken FOR UPDATE SKIP LOCKED), so instances
 * share the work. Each attempt is recorded on every alert it listed, so each order's timeline shows it was paged,
 * and a digest whose retries run out dead-letters each listed alert's delivery, which escalates as any dead letter
 * does.
 */
@Injectable()
export class AlertDigestWorker extends AlertSendingWorker<DigestRow> {
  constructor(
    sending: AlertSending,
    private readonly digests: AlertDigestRepository,
  ) {
    // A digest claimed when the service stops is kept until its lease runs out.
    super(sending, { claimDue: (size, lease) => digests.claimDue(size, lease) }, POLLING);
  }

  protected async work(digest: DigestRow): Promise<void> {
    try {
      await this.attempt(digest);
    } catch (error) {
      this.logger.warn(`digest ${digest.digest_id} could not be processed: ${(error as Error).message}`);
      await this.digests.release(digest.digest_id);
    }
  }

  private async attempt(digest: DigestRow): Promise<void> {
    const listed = await this.stillOpen(digest);
    // Every alert it held was acknowledged or closed meanwhile: nobody needs the digest.
    if (listed.length === 0) return this.digests.finish(digest.digest_id, 'cancelled', digest.attempts);
    const attempt = digest.attempts + 1;
    const sent = await sendThrough(this.sending.senders, digest.channel, digest.destination, () =>
      this.outgoing(digest, listed, attempt),
    );
    const { failure } = sent;
    const addressee = { staffId: digest.staff_id, channel: digest.channel };
    const destination = `digest of ${listed.length} · ${describeDestination(digest.destination)}`;
    for (const alert of listed) {
      const ids = {
        correlationId: `alert:${alert.alertId}`,
        causationId: `digest:${digest.digest_id}:${attempt}`,
        actor: NOTIFICATION_ACTOR,
      };
      await this.sending.alerts.withAlertLock(alert.alertId, () =>
        this.sending.alerts.execute(
          alert.alertId,
          alert.workOrderId,
          recordDeliveryAttempt({ ...addressee, destination }, sent, this.sending.clock.now()),
          ids,
        ),
      );
    }
    if (!failure) {
      this.sending.counted(digest.channel, 'delivered');
      return this.digests.finish(digest.digest_id, 'delivered', attempt);
    }
    if (failure.retryable && !shouldDeadLetter(this.retryPolicy, attempt)) {
      return this.digests.retryLater(
        digest.digest_id,
        attempt,
        failure.message.slice(0, 500),
        nextRetryDelayMs(this.retryPolicy, attempt, Math.random),
      );
    }
    await this.digests.finish(digest.digest_id, 'dead', attempt, failure.message.slice(0, 500));
    this.sending.counted(digest.channel, 'dead');
    for (const alert of listed) {
      await this.sending.alerts.withAlertLock(alert.alertId, () =>
        this.sending.alerts.execute(
          alert.alertId,
          alert.workOrderId,
          deadLetterDelivery(addressee, `digest ${digest.digest_id}: ${failure.message}`, this.sending.clock.now()),
          {
            correlationId: `alert:${alert.alertId}`,
            causationId: `digest:${digest.digest_id}:dead`,
            actor: NOTIFICATION_ACTOR,
          },
        ),
      );
    }
    this.logger.warn(
      `digest ${digest.digest_id} of ${listed.length} alerts on ${digest.channel} to ${digest.staff_id} ` +
        `dead-lettered after ${attempt} attempts: ${failure.message}`,
    );
  }

  /** The alerts held in the digest that may still be sent to its recipient on its channel, oldest first. */
  private async stillOpen(digest: DigestRow): Promise<OpenAlert[]> {
    const open: OpenAlert[] = [];
    for (const item of await this.digests.items(digest.digest_id)) {
      const { state } = await this.sending.alerts.load(item.alert_id);
      if (state.status === 'open' && mayDeliver(state, digest.staff_id, digest.channel)) open.push(state);
    }
    return open;
  }

  private async outgoing(digest: DigestRow, listed: readonly OpenAlert[], attempt: number) {
    const now = this.sending.clock.now();
    const token = createDigestLinkToken(this.sending.config.ALERT_LINK_SECRET, {
      digestId: digest.digest_id,
      staffId: digest.staff_id,
      expiresAt: this.linkExpiresAt(now),
    });
    const ackUrl = `${this.sending.config.PUBLIC_NOTIFICATION_URL}/v1/alert-digest-links/${token}`;
    const entries = await Promise.all(
      listed.map(async (alert) => {
        const order = await this.sending.orders.of(alert.workOrderId);
        return {
          alert,
          order,
          timelineUrl: this.timelineUrlOf(alert.workOrderId),
        };
      }),
    );
    const message = renderDigest({
      siteId: digest.site_id,
      windowSeconds: digest.window_seconds,
      ackUrl,
      entries: entries.map(({ alert, order, timelineUrl }) => ({
        kind: alert.kind,
        level: alert.level,
        target: alert.target,
        number: order?.number ?? alert.workOrderId,
        building: order?.building,
        category: order?.category,
        timelineUrl,
      })),
    });
    return {
      // The receiver's idempotency key: the same on every attempt of this digest.
      alertId: digest.digest_id,
      attempt,
      ...message,
      payload: {
        type: 'closeloop.alert-digest',
        digestId: digest.digest_id,
        siteId: digest.site_id,
        windowSeconds: digest.window_seconds,
        alerts: entries.map(({ alert, order, timelineUrl }) => ({
          alertId: alert.alertId,
          kind: alert.kind,
          level: alert.level ?? null,
          target: alert.target ?? null,
          workOrder: {
            id: alert.workOrderId,
            number: order?.number ?? null,
            building: order?.building ?? null,
            category: order?.category ?? null,
            tier: order?.tier ?? null,
          },
          timelineUrl,
        })),
        text: message.text,
        ackUrl,
      },
    };
  }
}
