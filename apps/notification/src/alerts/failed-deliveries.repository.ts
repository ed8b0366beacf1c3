import { NotFoundError } from '@closeloop/contracts';
import { queryCamelRows } from '@closeloop/database';
import { Pool } from 'pg';

export interface FailedDelivery {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly siteId: string;
  readonly staffId: string;
  readonly channel: string;
  readonly round: number;
  readonly attempts: number;
  readonly processingFailures: number;
  readonly lastError: string | null;
  readonly failedAt: Date;
}

export interface DeliverySelection {
  readonly alertId: string;
  readonly staffId?: string;
  readonly channel?: string;
}

/**
 * The operator's side of deliveries that could not be processed and were given up on (status 'failed', migration
 * 0020): list them, and queue them again with a fresh budget. Free of Nest so the admin tool can load it.
 */
export class FailedDeliveries {
  constructor(private readonly pool: Pool) {}

  async list(limit: number): Promise<{ failed: number; deliveries: FailedDelivery[] }> {
    const deliveries = await queryCamelRows<FailedDelivery>(
      this.pool,
      `SELECT d.alert_id, a.work_order_id, a.site_id, d.staff_id, d.channel, d.round, d.attempts, d.processing_failures, d.last_error, d.failed_at
       FROM notification_alert_deliveries d JOIN notification_alerts a USING (alert_id) WHERE d.status = 'failed' ORDER BY d.failed_at LIMIT $1`,
      [limit],
    );
    const { rows: count } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM notification_alert_deliveries WHERE status = 'failed'`,
    );
    return { failed: Number(count[0]?.n ?? 0), deliveries };
  }

  /**
   * Queues failed deliveries again, due now: one alert's (narrowed by recipient or channel), or every one ('all').
   * The worker then works them as any pending delivery: an alert acknowledged or closed meanwhile sends nothing.
   */
  async retry(which: DeliverySelection | 'all'): Promise<{ alertId: string; staffId: string; channel: string }[]> {
    const selection = which === 'all' ? undefined : which;
    const { rows } = await this.pool.query<{ alert_id: string; staff_id: string; channel: string }>(
      `UPDATE notification_alert_deliveries SET status = 'pending', failed_at = NULL, processing_failures = 0, claimed_until = NULL, next_attempt_at = now()
       WHERE status = 'failed' AND ($1::uuid IS NULL OR alert_id = $1::uuid) AND ($2::text IS NULL OR staff_id = $2) AND ($3::text IS NULL OR channel = $3)
       RETURNING alert_id, staff_id, channel`,
      [selection?.alertId ?? null, selection?.staffId ?? null, selection?.channel ?? null],
    );
    if (selection && rows.length === 0) throw new NotFoundError('Failed delivery of alert', selection.alertId);
    return rows.map((r) => ({ alertId: r.alert_id, staffId: r.staff_id, channel: r.channel }));
  }
}
