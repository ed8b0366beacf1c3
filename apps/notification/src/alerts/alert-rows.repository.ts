import { Pool, PoolClient } from 'pg';

/** An alert's row as alert.projection.ts derives it from the alert's state. */
export interface AlertRowValues {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly kind: string;
  readonly siteId: string;
  readonly target: string | null;
  readonly level: number | null;
  readonly recipients: unknown;
  readonly status: string;
  readonly raisedAt: string;
  readonly acknowledgedBy: unknown;
  readonly acknowledgedAt: string | null;
  readonly closedReason: string | null;
  readonly closedAt: string | null;
}

// What a new state changes in an alert's row.
const UPDATE_FROM_EXCLUDED = `DO UPDATE SET status = EXCLUDED.status, recipients = EXCLUDED.recipients,
  acknowledged_by = EXCLUDED.acknowledged_by, acknowledged_at = EXCLUDED.acknowledged_at,
  closed_reason = EXCLUDED.closed_reason, closed_at = EXCLUDED.closed_at`;

// The live table's statement, and a rebuild's (ADR 16): the same write, pointed at another table.
const upsertStatements = new Map<string, string>();
const upsertFor = (table: string): string => {
  let statement = upsertStatements.get(table);
  if (!statement) {
    statement = `INSERT INTO ${table} (alert_id, work_order_id, kind, site_id, target, level, recipients, status,
         raised_at, acknowledged_by, acknowledged_at, closed_reason, closed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (alert_id) ${UPDATE_FROM_EXCLUDED}`;
    upsertStatements.set(table, statement);
  }
  return statement;
};

/** Writes an alert's whole row in the caller's transaction, so writing it twice changes nothing. */
export const upsertAlertRow = async (client: PoolClient, table: string, row: AlertRowValues): Promise<void> => {
  await client.query(upsertFor(table), [
    row.alertId,
    row.workOrderId,
    row.kind,
    row.siteId,
    row.target,
    row.level,
    JSON.stringify(row.recipients),
    row.status,
    row.raisedAt,
    row.acknowledgedBy === null ? null : JSON.stringify(row.acknowledgedBy),
    row.acknowledgedAt,
    row.closedReason,
    row.closedAt,
  ]);
};

/**
 * Writes many alerts' rows in one statement: a row already there is replaced, or kept (`keep`: for alerts just
 * raised, whose row can only have been written from a later state, an acknowledgement or a close projected first).
 */
export const writeAlertRows = async (
  client: PoolClient,
  table: string,
  rows: readonly AlertRowValues[],
  existing: 'keep' | 'replace',
): Promise<void> => {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO ${table} (alert_id, work_order_id, kind, site_id, target, level, recipients, status,
         raised_at, acknowledged_by, acknowledged_at, closed_reason, closed_at)
     SELECT r."alertId", r."workOrderId", r.kind, r."siteId", r.target, r.level, r.recipients, r.status,
         r."raisedAt", r."acknowledgedBy", r."acknowledgedAt", r."closedReason", r."closedAt"
     FROM jsonb_to_recordset($1::jsonb) AS r("alertId" uuid, "workOrderId" uuid, kind text, "siteId" text, target text,
       level smallint, recipients jsonb, status text, "raisedAt" timestamptz, "acknowledgedBy" jsonb,
       "acknowledgedAt" timestamptz, "closedReason" text, "closedAt" timestamptz)
     ON CONFLICT (alert_id) ${existing === 'keep' ? 'DO NOTHING' : UPDATE_FROM_EXCLUDED}`,
    [JSON.stringify(rows)],
  );
};

/** The alerts whose row in one table differs from their row in the other, or that only the first has. */
export const alertsDiffering = async (client: PoolClient, table: string, from: string): Promise<string[]> => {
  const { rows } = await client.query<{ alert_id: string }>(
    `SELECT alert_id FROM (SELECT * FROM ${table} EXCEPT SELECT * FROM ${from}) AS differing`,
  );
  return rows.map((r) => r.alert_id);
};

/** A retry already queued is cancelled with its alert: nothing is sent after an acknowledgement or a close. */
export const cancelPendingDeliveries = async (client: PoolClient, alertId: string): Promise<void> => {
  await client.query(
    `UPDATE notification_alert_deliveries SET status = 'cancelled', claimed_until = NULL WHERE alert_id = $1 AND status = 'pending'`,
    [alertId],
  );
};

/** The alerts of one order still waiting for an acknowledgement, with the SLA target each is about. */
export const openAlertsOfOrder = async (
  pool: Pool,
  workOrderId: string,
): Promise<{ alertId: string; target: string | null }[]> => {
  const { rows } = await pool.query<{ alert_id: string; target: string | null }>(
    `SELECT alert_id, target FROM notification_alerts WHERE work_order_id = $1 AND status = 'open'`,
    [workOrderId],
  );
  return rows.map((r) => ({ alertId: r.alert_id, target: r.target }));
};
