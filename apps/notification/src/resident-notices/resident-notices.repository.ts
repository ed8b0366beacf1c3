import { Inject, Injectable } from '@nestjs/common';
import { Actor, ResidentSendChannel, ResidentStep } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** Where a notice goes: the reporter's number for SMS, their openid for WeChat. */
export type NoticeDestination = { readonly phone: string } | { readonly openId: string };

/** What is sent, rendered when the step was planned. */
export interface NoticeMessage {
  readonly text: string;
  readonly wechat?: {
    readonly templateId: string;
    readonly page?: string | undefined;
    readonly data: Record<string, { value: string }>;
  };
}

export interface NewNotice {
  readonly noticeId: string;
  readonly workOrderId: string;
  readonly step: ResidentStep;
  readonly channel: ResidentSendChannel;
  readonly destination: NoticeDestination;
  readonly message: NoticeMessage;
  readonly deferred: boolean;
  readonly dueAt: Date;
}

/** A notice the worker has leased. */
export interface DueNotice {
  readonly notice_id: string;
  readonly work_order_id: string;
  readonly step: ResidentStep;
  readonly channel: ResidentSendChannel;
  readonly destination: NoticeDestination;
  readonly message: NoticeMessage;
  readonly attempts: number;
}

export type FinishedNoticeStatus = 'sent' | 'dead' | 'failed';

/**
 * notification_resident_notices, the notices' working state. One order's notices go out one after the other in the
 * order they were planned (a notice waits while an earlier one of its order is pending, being sent or retried), so
 * the resident never reads "started" before "assigned".
 *
 * The notices' working state (leases, attempts, next-attempt times; the same
 * scheme as the alert deliveries: claimed FOR UPDATE SKIP LOCKED with a short lease, "due" by the database's
 * clock), and notification_resident_opt_outs, by phone digest.
 */
@Injectable()
export class ResidentNoticesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Queues a notice; one already queued (a redelivered step) stays as it is. */
  async queue(notice: NewNotice): Promise<void> {
    await this.pool.query(
      `INSERT INTO notification_resident_notices (notice_id, work_order_id, step, channel, destination, message, deferred, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (notice_id) DO NOTHING`,
      [
        notice.noticeId,
        notice.workOrderId,
        notice.step,
        notice.channel,
        JSON.stringify(notice.destination),
        JSON.stringify(notice.message),
        notice.deferred,
        notice.dueAt,
      ],
    );
  }

  /** Whether a notice was queued already (sent, waiting or given up on since). */
  async exists(noticeId: string): Promise<boolean> {
    const { rows } = await this.pool.query('SELECT 1 FROM notification_resident_notices WHERE notice_id = $1', [
      noticeId,
    ]);
    return rows.length > 0;
  }

  /** The order's notices still waiting for quiet hours to end, other than this one, and not being sent right now. */
  async waitingDeferred(
    workOrderId: string,
    exceptNoticeId: string,
  ): Promise<{ noticeId: string; step: ResidentStep; channel: ResidentSendChannel }[]> {
    const { rows } = await this.pool.query<{ notice_id: string; step: ResidentStep; channel: ResidentSendChannel }>(
      `SELECT notice_id, step, channel FROM notification_resident_notices
       WHERE work_order_id = $1 AND status = 'pending' AND deferred AND notice_id <> $2
         AND (claimed_until IS NULL OR claimed_until < now())`,
      [workOrderId, exceptNoticeId],
    );
    return rows.map((r) => ({ noticeId: r.notice_id, step: r.step, channel: r.channel }));
  }

  async markSuperseded(noticeId: string): Promise<void> {
    await this.pool.query(
      `UPDATE notification_resident_notices SET status = 'superseded', claimed_until = NULL, finished_at = now()
       WHERE notice_id = $1 AND status = 'pending'`,
      [noticeId],
    );
  }

  async claimDue(batchSize: number, leaseSeconds: number): Promise<DueNotice[]> {
    const { rows } = await this.pool.query<DueNotice>(
      `UPDATE notification_resident_notices n SET claimed_until = now() + make_interval(secs => $2)
       FROM (SELECT notice_id FROM notification_resident_notices p
             WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
               AND NOT EXISTS (SELECT 1 FROM notification_resident_notices e
                               WHERE e.work_order_id = p.work_order_id AND e.status = 'pending' AND e.seq < p.seq)
             ORDER BY next_attempt_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) due
       WHERE n.notice_id = due.notice_id
       RETURNING n.notice_id, n.work_order_id, n.step, n.channel, n.destination, n.message, n.attempts`,
      [batchSize, leaseSeconds],
    );
    return rows;
  }

  /** Gives back notices claimed but not attempted (a graceful shutdown), for any instance's next poll. */
  async release(notices: readonly DueNotice[]): Promise<void> {
    await this.pool.query(
      `UPDATE notification_resident_notices SET claimed_until = NULL WHERE notice_id = ANY($1::uuid[]) AND status = 'pending'`,
      [notices.map((n) => n.notice_id)],
    );
  }

  /** One more failure to process a pending notice (not a channel's failure); answers how many so far. */
  async countProcessingFailure(notice: DueNotice): Promise<number> {
    const { rows } = await this.pool.query<{ processing_failures: number }>(
      `UPDATE notification_resident_notices SET processing_failures = processing_failures + 1
       WHERE notice_id = $1 AND status = 'pending' RETURNING processing_failures`,
      [notice.notice_id],
    );
    return rows[0]?.processing_failures ?? 0;
  }

  async retryLater(notice: DueNotice, delayMs: number, error: string, attempts?: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_resident_notices SET attempts = COALESCE($2, attempts), last_error = $3, claimed_until = NULL,
         next_attempt_at = now() + make_interval(secs => $4)
       WHERE notice_id = $1 AND status = 'pending'`,
      [notice.notice_id, attempts ?? null, error, delayMs / 1000],
    );
  }

  async finish(notice: DueNotice, status: FinishedNoticeStatus, error?: string, attempts?: number): Promise<void> {
    await this.pool.query(
      `UPDATE notification_resident_notices SET status = $2, claimed_until = NULL, last_error = COALESCE($3, last_error),
         attempts = COALESCE($4, attempts), finished_at = now()
       WHERE notice_id = $1`,
      [notice.notice_id, status, error ?? null, attempts ?? null],
    );
  }

  // ── Opt-outs ─────────────────────────────────────────────────────────────────────────────────────────────

  async isOptedOut(siteId: string, phoneDigest: string): Promise<boolean> {
    const { rows } = await this.pool.query(
      'SELECT 1 FROM notification_resident_opt_outs WHERE site_id = $1 AND phone_digest = $2',
      [siteId, phoneDigest],
    );
    return rows.length > 0;
  }

  /** Records an opt-out; answers whether it is new (false: it was recorded before, and stays as it was). */
  async optOut(siteId: string, phoneDigest: string, by: Actor, at: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO notification_resident_opt_outs (site_id, phone_digest, recorded_by, recorded_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, phone_digest) DO NOTHING`,
      [siteId, phoneDigest, JSON.stringify(by), at],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Removes an opt-out; answers whether there was one. */
  async optIn(siteId: string, phoneDigest: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM notification_resident_opt_outs WHERE site_id = $1 AND phone_digest = $2',
      [siteId, phoneDigest],
    );
    return (rowCount ?? 0) > 0;
  }
}
