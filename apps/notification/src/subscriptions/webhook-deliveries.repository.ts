import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** A delivery the worker has leased: one event for one subscription, with where it goes and the key to sign with. */
export interface DueWebhookDelivery {
  readonly subscriptionId: string;
  readonly eventId: string;
  readonly attempts: number;
  /** The CloudEvent, as stored when the delivery was queued. */
  readonly payload: unknown;
  readonly url: string;
  readonly secret: string;
}

/** What an integrator sees of a delivery; `retrying` is a pending delivery that has been tried. */
export interface WebhookDeliveryLogEntry {
  readonly eventId: string;
  readonly eventType: string;
  readonly workOrderId: string | null;
  readonly state: 'pending' | 'retrying' | 'delivered' | 'dead';
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date | null;
  readonly createdAt: Date;
  readonly finishedAt: Date | null;
}

interface DueRow {
  subscription_id: string;
  event_id: string;
  attempts: number;
  payload: unknown;
  url: string;
  secret: string;
}

interface LogRow {
  event_id: string;
  event_type: string;
  work_order_id: string | null;
  status: 'pending' | 'delivered' | 'dead';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  finished_at: Date | null;
}

const keyOf = (d: Pick<DueWebhookDelivery, 'subscriptionId' | 'eventId'>): [string, string] => [
  d.subscriptionId,
  d.eventId,
];

/**
 * The webhook deliveries' working state (notification_webhook_deliveries, migration 0036), claimed as alert
 * deliveries are: a short lease taken with FOR UPDATE SKIP LOCKED, "due" by the database's clock, so several
 * instances share the work and one that dies mid-send leaves it to another once the lease runs out.
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async claimDue(batchSize: number, leaseSeconds: number): Promise<DueWebhookDelivery[]> {
    const { rows } = await this.pool.query<DueRow>(
      `WITH claimed AS (
         UPDATE notification_webhook_deliveries d SET claimed_until = now() + make_interval(secs => $2)
         FROM (SELECT subscription_id, event_id FROM notification_webhook_deliveries
               WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) due
         WHERE d.subscription_id = due.subscription_id AND d.event_id = due.event_id
         RETURNING d.subscription_id, d.event_id, d.attempts, d.payload)
       SELECT claimed.*, s.url, s.secret FROM claimed
       JOIN notification_webhook_subscriptions s ON s.subscription_id = claimed.subscription_id`,
      [batchSize, leaseSeconds],
    );
    return rows.map((r) => ({
      subscriptionId: r.subscription_id,
      eventId: r.event_id,
      attempts: r.attempts,
      payload: r.payload,
      url: r.url,
      secret: r.secret,
    }));
  }

  /** Gives back deliveries claimed but not attempted (a graceful shutdown), for any instance's next poll. */
  async release(deliveries: readonly DueWebhookDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    await this.pool.query(
      `UPDATE notification_webhook_deliveries d SET claimed_until = NULL
       FROM unnest($1::uuid[], $2::uuid[]) AS u(subscription_id, event_id)
       WHERE d.subscription_id = u.subscription_id AND d.event_id = u.event_id AND d.status = 'pending'`,
      [deliveries.map((d) => d.subscriptionId), deliveries.map((d) => d.eventId)],
    );
  }

  async retryLater(
    delivery: DueWebhookDelivery,
    attempts: number,
    delayMs: number,
    lastStatus: number | undefined,
    error: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE notification_webhook_deliveries SET attempts = $3, last_status = $4, last_error = $5, claimed_until = NULL,
         next_attempt_at = now() + make_interval(secs => $6)
       WHERE subscription_id = $1 AND event_id = $2 AND status = 'pending'`,
      [...keyOf(delivery), attempts, lastStatus ?? null, error.slice(0, 500), delayMs / 1000],
    );
  }

  async finish(
    delivery: DueWebhookDelivery,
    status: 'delivered' | 'dead',
    attempts: number,
    lastStatus: number | undefined,
    error?: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE notification_webhook_deliveries SET status = $3, attempts = $4, last_status = $5,
         last_error = COALESCE($6, last_error), claimed_until = NULL, finished_at = now()
       WHERE subscription_id = $1 AND event_id = $2`,
      [...keyOf(delivery), status, attempts, lastStatus ?? null, error?.slice(0, 500) ?? null],
    );
  }

  /** The newest deliveries of a subscription first, at most `limit`. */
  async logOf(subscriptionId: string, limit: number): Promise<WebhookDeliveryLogEntry[]> {
    const { rows } = await this.pool.query<LogRow>(
      `SELECT event_id, event_type, work_order_id, status, attempts, last_status, last_error, next_attempt_at,
              created_at, finished_at
       FROM notification_webhook_deliveries WHERE subscription_id = $1
       ORDER BY position DESC, created_at DESC LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      eventType: r.event_type,
      workOrderId: r.work_order_id,
      state: r.status === 'pending' ? (r.attempts > 0 ? 'retrying' : 'pending') : r.status,
      attempts: r.attempts,
      lastStatus: r.last_status,
      lastError: r.last_error,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
    }));
  }
}
