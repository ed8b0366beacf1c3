import { Inject, Injectable } from '@nestjs/common';
import { EventTypes } from '@closeloop/contracts';
import { nextRetryDelayMs, shouldDeadLetter } from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { DeliveryFailedError, describeDestination, SendOutcome, timedSend } from '../channels/alert-channel.port';
import {
  NOTIFICATION_CONFIG,
  NotificationConfig,
  processingRetryPolicy,
  sendRetryPolicy,
} from '../notification.config';
import { LeasedQueueWorker } from '../leased-queue-worker';
import { maskOpenId } from './wechat-subscribe-message.channel';
import { ResidentNotices } from './resident-notices.service';
import { DueNotice, ResidentNoticesRepository } from './resident-notices.repository';
import { RESIDENT_SENDERS, ResidentSenders } from './resident-senders';

// Longer than any send may take (the channel timeout), so a lease never runs out under a living worker.
const LEASE_SECONDS = 60;

/**
 * Sends queued resident notices, each claimed with a short lease (FOR UPDATE SKIP LOCKED), so several instances
 * share the work and one that dies mid-send leaves it to another once the lease runs out. Retries, backoff and
 * dead-lettering follow the alert deliveries' policy (ALERT_MAX_ATTEMPTS, ALERT_RETRY_*); a notice that cannot be
 * processed at all is retried by ALERT_PROCESSING_* and then failed. What came of each notice is an event on the
 * order's resident-notice stream: Sent, or Failed once its retries ran out or the channel refused it for good.
 */
@Injectable()
export class ResidentNoticeWorker extends LeasedQueueWorker<DueNotice> {
  constructor(
    private readonly notices: ResidentNoticesRepository,
    private readonly residents: ResidentNotices,
    @Inject(RESIDENT_SENDERS) private readonly senders: ResidentSenders,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    private readonly clock: Clock,
  ) {
    super(notices, LEASE_SECONDS, {
      logContext: 'resident-notices',
      itemName: 'resident notice',
      batchSize: 50,
      concurrency: 8,
      idleMillis: config.ALERT_POLL_MILLIS,
    });
  }

  protected async work(notice: DueNotice): Promise<void> {
    try {
      await this.attempt(notice);
    } catch (error) {
      const message = (error as Error).message;
      const failures = await this.notices.countProcessingFailure(notice);
      const policy = processingRetryPolicy(this.config);
      if (shouldDeadLetter(policy, failures)) {
        await this.notices.finish(notice, 'failed', message.slice(0, 500));
        this.logger.error(
          `RESIDENT_NOTICE_FAILED notice ${notice.notice_id} (${notice.step}) of order ${notice.work_order_id} ` +
            `could not be processed ${failures} times and is given up on: ${message}`,
        );
        return;
      }
      await this.notices.retryLater(notice, nextRetryDelayMs(policy, failures, Math.random), message.slice(0, 500));
    }
  }

  private async attempt(notice: DueNotice): Promise<void> {
    const attempt = notice.attempts + 1;
    const { failure, latencyMs } = await this.send(notice);
    const at = this.clock.now().toISOString();
    const ids = { workOrderId: notice.work_order_id, noticeId: notice.notice_id, step: notice.step };
    if (!failure) {
      await this.residents.record(notice.work_order_id, 'sent', {
        type: EventTypes.ResidentNotificationSent,
        data: {
          ...ids,
          channel: notice.channel,
          destination: this.masked(notice),
          attempts: attempt,
          latencyMs,
          sentAt: at,
        },
      });
      return this.notices.finish(notice, 'sent', undefined, attempt);
    }
    const policy = sendRetryPolicy(this.config);
    if (!failure.retryable || shouldDeadLetter(policy, attempt)) {
      await this.residents.record(notice.work_order_id, 'failed', {
        type: EventTypes.ResidentNotificationFailed,
        data: {
          ...ids,
          channel: notice.channel,
          attempts: attempt,
          reason: failure.message.slice(0, 500),
          failedAt: at,
        },
      });
      await this.notices.finish(notice, 'dead', failure.message.slice(0, 500), attempt);
      this.logger.warn(
        `resident notice ${notice.notice_id} dead-lettered after ${attempt} attempts: ${failure.message}`,
      );
      return;
    }
    await this.notices.retryLater(
      notice,
      nextRetryDelayMs(policy, attempt, Math.random),
      failure.message.slice(0, 500),
      attempt,
    );
  }

  private send(notice: DueNotice): Promise<SendOutcome> {
    const { destination, message } = notice;
    if (notice.channel === 'sms' && 'phone' in destination) {
      const sms = this.senders.sms;
      if (!sms) return unavailable('sms');
      return timedSend(() =>
        sms.send(
          { channel: 'sms', phone: destination.phone },
          // The resident's SMS is its text alone: no title line, no alert around it.
          {
            alertId: notice.notice_id,
            attempt: notice.attempts + 1,
            title: '',
            text: message.text,
            html: message.text,
            markdown: message.text,
            payload: {},
          },
        ),
      );
    }
    if (notice.channel === 'wechat' && 'openId' in destination && message.wechat) {
      const wechat = this.senders.wechat;
      if (!wechat) return unavailable('wechat');
      const { templateId, page, data } = message.wechat;
      return timedSend(() => wechat.send({ touser: destination.openId, template_id: templateId, page, data }));
    }
    return Promise.resolve({
      failure: new DeliveryFailedError(`a ${notice.channel} notice without its address or message`, false),
      latencyMs: 0,
    });
  }

  private masked(notice: DueNotice): string {
    const { destination } = notice;
    return 'phone' in destination
      ? describeDestination({ channel: 'sms', phone: destination.phone })
      : maskOpenId(destination.openId);
  }
}

const unavailable = (channel: string): Promise<SendOutcome> =>
  Promise.resolve({
    failure: new DeliveryFailedError(`the ${channel} channel is not configured on this service`, false),
    latencyMs: 0,
  });
