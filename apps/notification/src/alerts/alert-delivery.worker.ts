import { Injectable } from '@nestjs/common';
import { workThrough } from '@closeloop/runtime';
import {
  afterFailedAttempt,
  AlertState,
  nextRetryDelayMs,
  renderAlert,
  shouldDeadLetter,
} from '@closeloop/notification-domain';
import { describeDestination, SendOutcome, sendThrough } from '../channels/alert-channel.port';
import { processingRetryPolicy } from '../notification.config';
import { createAckLinkToken } from './ack-links';
import { AlertDeliveriesRepository, DueDelivery } from './alert-deliveries.repository';
import { AlertSending, AlertSendingWorker } from './alert-sending';
import { LoadedAlerts } from './alert.service';
import { deadLetterDelivery, NOTIFICATION_ACTOR, recordDeliveryAttempt } from './delivery-commands';
import { OrderSnapshot } from './order-snapshot';

// One batch at a time: two side by side took CPU the raising needed and made every stage slower (ADR 45, later).
const POLLING = { logContext: 'alert-delivery', itemName: 'delivery', batchSize: 100, concurrency: 8 };

type OpenAlert = Extract<AlertState, { status: 'open' }>;

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
  ) {
    super(sending, deliveries, POLLING);
    deliveries.onQueued(() => this.wake());
  }

  /**
   * A claimed batch sent together (ADR 45): one delivery per alert, under all their alerts' locks taken at once; the
   * alerts read in one call, their orders' facts in one statement, the messages sent side by side (as many at a
   * time as the worker's concurrency), every attempt recorded in one multi-stream append and the delivered ones finished in
   * one statement. A second delivery of an alert in the batch, and every delivery of a batch that failed as a whole,
   * is worked one by one after it.
   */
  protected override async workBatch(items: readonly DueDelivery[]): Promise<readonly DueDelivery[]> {
    const alertIds = new Set<string>();
    const batch = items.filter((d) => !alertIds.has(d.alert_id) && (alertIds.add(d.alert_id), true));
    if (batch.length < 2) return items;
    try {
      const unstarted = await this.sending.alerts.withAlertLocks([...alertIds], () => this.sendAll(batch));
      // A shutdown: what was not started is given back with the rest.
      return [...unstarted, ...items.filter((d) => !batch.includes(d))];
    } catch (error) {
      this.logger.warn(
        `a batch of ${batch.length} deliveries could not be worked as one, each is worked on its own: ${(error as Error).message}`,
      );
      return items;
    }
  }

  /** Sends the batch and records what came of it; answers the deliveries a shutdown left unstarted. */
  private async sendAll(batch: readonly DueDelivery[]): Promise<readonly DueDelivery[]> {
    const loaded = await this.sending.alerts.loadMany(batch.map((d) => d.alert_id));
    const open: { delivery: DueDelivery; alert: OpenAlert }[] = [];
    const closed: DueDelivery[] = [];
    for (const delivery of batch) {
      const state = loaded.states.get(delivery.alert_id);
      if (state?.status === 'open') open.push({ delivery, alert: state });
      else closed.push(delivery);
    }
    // Acknowledged or closed since it was queued: a retry already waiting is dropped, not sent.
    await this.deliveries.finishMany(
      closed.map((delivery) => ({ delivery })),
      'cancelled',
    );
    const orders = await this.sending.orders.ofMany(open.map((o) => o.alert.workOrderId));
    const sent = new Map<DueDelivery, SendOutcome>();
    const unstarted = await workThrough(
      open,
      async ({ delivery, alert }) => {
        sent.set(delivery, await this.send(delivery, alert, orders.get(alert.workOrderId)));
      },
      POLLING.concurrency,
      () => this.running,
    );
    await this.record(open.slice(0, open.length - unstarted.length), sent, loaded);
    return unstarted.map((u) => u.delivery);
  }

  /**
   * Every attempt of the batch recorded in one append, decided on the alerts as loaded before the sends (the batch
   * holds their locks, so nobody else wrote them since; the append checks that anyway), and the delivered ones
   * finished in one statement.
   */
  private async record(
    open: readonly { delivery: DueDelivery; alert: OpenAlert }[],
    sent: ReadonlyMap<DueDelivery, SendOutcome>,
    loaded: LoadedAlerts,
  ): Promise<void> {
    const recorded = await this.sending.alerts.executeMany(
      open.map(({ delivery, alert }) => this.attemptRecord(delivery, alert, sent.get(delivery) as SendOutcome)),
      loaded,
    );
    await this.sending.alerts.projectMany(
      recorded.flatMap((r) => ('result' in r && r.result.events.length > 0 ? [r.result.state] : [])),
      false,
    );
    const delivered: { delivery: DueDelivery; attempts: number }[] = [];
    for (const [i, { delivery, alert }] of open.entries()) {
      const outcome = recorded[i] as (typeof recorded)[number];
      const result = sent.get(delivery) as SendOutcome;
      if ('error' in outcome) await this.failedToProcess(delivery, outcome.error);
      else if (!result.failure && !this.renotifies(delivery, alert)) {
        this.sending.counted(delivery.channel, 'delivered');
        delivered.push({ delivery, attempts: delivery.attempts + 1 });
      } else await this.settle(delivery, alert, result);
    }
    await this.deliveries.finishMany(delivered, 'delivered');
  }

  protected async work(delivery: DueDelivery): Promise<void> {
    try {
      await this.sending.alerts.withAlertLock(delivery.alert_id, async () => {
        const { state } = await this.sending.alerts.load(delivery.alert_id);
        // Acknowledged or closed since it was queued: a retry already waiting is dropped, not sent.
        if (state.status !== 'open') return this.deliveries.finish(delivery, 'cancelled');
        const sent = await this.send(delivery, state, await this.sending.orders.of(state.workOrderId));
        const { alertId, workOrderId, command, ids } = this.attemptRecord(delivery, state, sent);
        await this.sending.alerts.execute(alertId, workOrderId, command, ids);
        await this.settle(delivery, state, sent);
      });
    } catch (error) {
      await this.failedToProcess(delivery, error);
    }
  }

  /**
   * Not a channel's failure (those are attempts, retried and dead-lettered in settle()): this delivery could not be
   * worked at all. Retried with backoff a bounded number of times, then failed, for an operator.
   */
  private async failedToProcess(delivery: DueDelivery, error: unknown): Promise<void> {
    const message = (error as Error).message;
    const failures = await this.deliveries.countProcessingFailure(delivery);
    const policy = processingRetryPolicy(this.sending.config);
    if (shouldDeadLetter(policy, failures)) {
      await this.deliveries.finish(delivery, 'failed', message.slice(0, 500));
      this.sending.counted(delivery.channel, 'failed');
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

  private send(delivery: DueDelivery, alert: OpenAlert, order: OrderSnapshot | undefined): Promise<SendOutcome> {
    return sendThrough(this.sending.senders, delivery.channel, delivery.destination, async () =>
      this.outgoing(alert, delivery, delivery.attempts + 1, order),
    );
  }

  /** The attempt as an event on the alert, hence on the order's timeline, with its outcome and latency. */
  private attemptRecord(delivery: DueDelivery, alert: OpenAlert, sent: SendOutcome) {
    const attempt = delivery.attempts + 1;
    return {
      alertId: alert.alertId,
      workOrderId: alert.workOrderId,
      command: recordDeliveryAttempt(
        {
          staffId: delivery.staff_id,
          channel: delivery.channel,
          destination: describeDestination(delivery.destination),
        },
        sent,
        this.sending.clock.now(),
      ),
      ids: this.idsOf(delivery, alert, attempt),
    };
  }

  private idsOf(delivery: DueDelivery, alert: OpenAlert, attempt: number) {
    return {
      correlationId: `alert:${alert.alertId}`,
      causationId: `delivery:${alert.alertId}:${delivery.staff_id}:${delivery.channel}:${delivery.round}:${attempt}`,
      actor: NOTIFICATION_ACTOR,
    };
  }

  /** A chain's fallback is paged once per channel (ADR 12); everyone else the configured rounds, then no more. */
  private renotifies(delivery: DueDelivery, alert: OpenAlert): boolean {
    const isFallback = alert.exhausted?.fallback.staffId === delivery.staff_id;
    return (
      !isFallback &&
      this.sending.config.ALERT_RENOTIFY_SECONDS > 0 &&
      delivery.round <= this.sending.config.ALERT_RENOTIFY_ROUNDS
    );
  }

  /** After an attempt was recorded: finished, paged again later, retried later or dead-lettered. */
  private async settle(delivery: DueDelivery, alert: OpenAlert, { failure }: SendOutcome): Promise<void> {
    const attempt = delivery.attempts + 1;
    if (!failure) {
      this.sending.counted(delivery.channel, 'delivered');
      if (!this.renotifies(delivery, alert)) return this.deliveries.finish(delivery, 'delivered', undefined, attempt);
      // Still unacknowledged after the interval: page again, a new message (a new webhook id) with fresh context.
      await this.deliveries.renotifyLater(delivery, this.sending.config.ALERT_RENOTIFY_SECONDS);
      return;
    }
    const next = afterFailedAttempt(this.retryPolicy, attempt, failure, Math.random);
    if (next.next === 'dead') {
      await this.deliveries.finish(delivery, 'dead', failure.message, attempt);
      this.sending.counted(delivery.channel, 'dead');
      const ids = this.idsOf(delivery, alert, attempt);
      await this.sending.alerts.execute(
        alert.alertId,
        alert.workOrderId,
        deadLetterDelivery(
          { staffId: delivery.staff_id, channel: delivery.channel },
          failure.message,
          this.sending.clock.now(),
        ),
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
