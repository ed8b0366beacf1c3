import { Inject, Injectable } from '@nestjs/common';
import { StaffMemberRef } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** A notification_alerts row: an alert stream folded to its state (alert.projection.ts writes it). */
export interface AlertRow {
  alert_id: string;
  work_order_id: string;
  kind: string;
  site_id: string;
  target: string | null;
  level: number | null;
  recipients: unknown;
  status: string;
  raised_at: Date;
  acknowledged_by: StaffMemberRef | null;
  acknowledged_at: Date | null;
  closed_reason: string | null;
  closed_at: Date | null;
}

export interface AlertDeliveryRow {
  staff_id: string;
  channel: string;
  status: string;
  round: number;
  attempts: number;
  last_error: string | null;
  delivered_at: Date | null;
}

/** What a list of alerts is narrowed by; an absent filter does not narrow it. */
export interface AlertFilter {
  readonly siteId?: string;
  readonly status?: string;
  readonly workOrderId?: string;
  /** Only these sites (a caller's visible sites); undefined for every site. */
  readonly sites?: readonly string[];
}

const LIST_LIMIT = 200;

/** The alerts as staff read them, with their deliveries, and the ack links used up. */
@Injectable()
export class AlertsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The newest alerts first, at most 200. */
  async list(filter: AlertFilter): Promise<AlertRow[]> {
    const { rows } = await this.pool.query<AlertRow>(
      `SELECT * FROM notification_alerts
       WHERE ($1::text IS NULL OR site_id = $1) AND ($2::text IS NULL OR status = $2)
         AND ($3::uuid IS NULL OR work_order_id = $3)
         AND ($4::text[] IS NULL OR site_id = ANY($4))
       ORDER BY raised_at DESC LIMIT $5`,
      [filter.siteId ?? null, filter.status ?? null, filter.workOrderId ?? null, filter.sites ?? null, LIST_LIMIT],
    );
    return rows;
  }

  /** Open alerts by escalation level, 0 for alerts without one (closeloop_alerts_open). */
  async countOpenByLevel(): Promise<{ level: number; count: number }[]> {
    const { rows } = await this.pool.query<{ level: number; count: string }>(
      `SELECT coalesce(level, 0) AS level, count(*) AS count FROM notification_alerts
       WHERE status = 'open' GROUP BY coalesce(level, 0)`,
    );
    return rows.map((r) => ({ level: Number(r.level), count: Number(r.count) }));
  }

  async find(alertId: string): Promise<AlertRow | undefined> {
    const { rows } = await this.pool.query<AlertRow>('SELECT * FROM notification_alerts WHERE alert_id = $1', [
      alertId,
    ]);
    return rows[0];
  }

  async deliveriesOf(alertId: string): Promise<AlertDeliveryRow[]> {
    const { rows } = await this.pool.query<AlertDeliveryRow>(
      `SELECT staff_id, channel, status, round, attempts, last_error, delivered_at
         FROM notification_alert_deliveries WHERE alert_id = $1 ORDER BY staff_id, channel`,
      [alertId],
    );
    return rows;
  }

  /** Marks an ack link used; false if it was used before (each link acknowledges once). */
  async useAckLink(linkDigest: string, alertId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'INSERT INTO notification_alert_ack_links_used (link_digest, alert_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [linkDigest, alertId],
    );
    return (rowCount ?? 0) > 0;
  }
}
