import { Inject, Injectable } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { Destination } from '../channels/alert-channel.port';

/** A delivery the worker has leased: one recipient and channel of one alert. */
export interface DueDelivery {
  readonly alert_id: string;
  readonly staff_id: string;
  readonly channel: AlertChannel;
  readonly destination: Destination;
  readonly round: number;
  readonly attempts: number;
}

/** A first attempt to queue: one recipient and channel of one alert. */
export interface QueuedDelivery {
  readonly alertId: string;
  readonly staffId: string;
  readonly destination: Destination;
}

export type FinishedDeliveryStatus = 'delivered' | 'dead' | 'cancelled' | 'failed';

// Every statement that changes one delivery names it by its key: $1 alert, $2 recipient, $3 channel.
const keyOf = (delivery: DueDelivery): [string, string, string] => [
  delivery.alert_id,
  delivery.staff_id,
  delivery.channel,
];

/**
 * The alert deliveries' working state (notification_alert_deliveries): leases, attempts and next-attempt times,
 * which no event records. A delivery is claimed with a short lease (FOR UPDATE SKIP LOCKED in a short transaction,
 * "due" by the database's clock), so several instances share the work and one that dies mid-send leaves it to
 * another once the lease runs out.
 */
@Injectable()
export class AlertDeliveriesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  private readonly listeners: (() => void)[] = [];

  /** Calls `listener` after deliveries were queued in this process (the delivery worker wakes from its sleep). */
  onQueued(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Queues first attempts in one statement; a delivery already queued for this person and channel stays as it is.
   */
  async queueMany(deliveries: readonly QueuedDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.pool.query(
      `INSERT INTO notification_alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at)
       SELECT alert_id, staff_id, channel, destination, 'pending', now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[]) AS q(alert_id, staff_id, channel, destination)
       ON CONFLICT DO NOTHING`,
      [
        deliveries.map((d) => d.alertId),
        deliveries.map((d) => d.staffId),
        deliveries.map((d) => d.destination.channel),
        deliveries.map((d) => JSON.stringify(d.destination)),
      ],
    );
    for (const listener of this.listeners) listener();
  }

  async claimDue(batchSize: number, leaseSeconds: number): Promise<DueDelivery[]> {
    const { rows } = await this.pool.query<DueDelivery>(
      `UPDATE notification_alert_deliveries d SET claimed_until = now() + make_interval(secs => $2)
       FROM (SELECT alert_id, staff_id, channel FROM notification_alert_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE d.alert_id = due.alert_id AND d.staff_id = due.staff_id AND d.channel = due.channel
       RETURNING d.alert_id, d.staff_id, d.channel, d.destination, d.round, d.attempts`,
      [batchSize, leaseSeconds],
    );
    return rows;
  }

  /** Gives back deliveries claimed but not attempted (a graceful shutdown), for any instance's next poll. */
  async release(deliveries: readonly DueDelivery[]): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries d SET claimed_until = NULL
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(alert_id, staff_id, channel)
       WHERE d.alert_id = u.alert_id AND d.staff_id = u.staff_id AND d.channel = u.channel AND d.status = 'pending'`,
      [deliveries.map((d) => d.alert_id), deliveries.map((d) => d.staff_id), deliveries.map((d) => d.channel)],
    );
  }

  /** Counts one more failure to process a pending delivery (not a channel's failure); answers how many in a row. */
  async countProcessingFailure(delivery: DueDelivery): Promise<number> {
    const { rows } = await this.pool.query<{ processing_failures: number }>(
      `UPDATE notification_alert_deliveries SET processing_failures = processing_failures + 1
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending' RETURNING processing_failures`,
      keyOf(delivery),
    );
    return rows[0]?.processing_failures ?? 0;
  }

  /** Puts a pending delivery back to be tried again after a delay, with its attempt count (if one was made) and error. */
  async retryLater(delivery: DueDelivery, delayMs: number, error: string, attempts?: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries SET attempts = COALESCE($4, attempts), last_error = $5, claimed_until = NULL,
         next_attempt_at = now() + make_interval(secs => $6)
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending'`,
      [...keyOf(delivery), attempts ?? null, error, delayMs / 1000],
    );
  }

  /** Pages a delivered recipient again after a delay: the next round, a new message with a fresh attempt budget. */
  async renotifyLater(delivery: DueDelivery, delaySeconds: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries SET status = 'pending', round = round + 1, attempts = 0, claimed_until = NULL, last_error = NULL,
         delivered_at = COALESCE(delivered_at, now()), next_attempt_at = now() + make_interval(secs => $4)
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3 AND status = 'pending'`,
      [...keyOf(delivery), delaySeconds],
    );
  }

  /**
   * Finishes many deliveries with one status in one statement (the delivered ones of a batch, or the cancelled), each
   * with the attempts it made, if any.
   */
  async finishMany(
    finished: readonly { delivery: DueDelivery; attempts?: number }[],
    status: Extract<FinishedDeliveryStatus, 'delivered' | 'cancelled'>,
  ): Promise<void> {
    if (finished.length === 0) return;
    await this.pool.query(
      `UPDATE notification_alert_deliveries d SET status = $5, claimed_until = NULL, attempts = COALESCE(u.attempts, d.attempts),
         delivered_at = CASE WHEN $5 = 'delivered' THEN COALESCE(d.delivered_at, now()) ELSE d.delivered_at END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS u(alert_id, staff_id, channel, attempts)
       WHERE d.alert_id = u.alert_id AND d.staff_id = u.staff_id AND d.channel = u.channel`,
      [
        finished.map((f) => f.delivery.alert_id),
        finished.map((f) => f.delivery.staff_id),
        finished.map((f) => f.delivery.channel),
        finished.map((f) => f.attempts ?? null),
        status,
      ],
    );
  }

  async finish(
    delivery: DueDelivery,
    status: FinishedDeliveryStatus,
    error?: string,
    attempts?: number,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE notification_alert_deliveries SET status = $4, claimed_until = NULL, last_error = COALESCE($5, last_error), attempts = COALESCE($6, attempts),
         delivered_at = CASE WHEN $4 = 'delivered' THEN COALESCE(delivered_at, now()) ELSE delivered_at END,
         failed_at = CASE WHEN $4 = 'failed' THEN now() ELSE failed_at END
       WHERE alert_id = $1 AND staff_id = $2 AND channel = $3`,
      [...keyOf(delivery), status, error ?? null, attempts ?? null],
    );
  }
}
