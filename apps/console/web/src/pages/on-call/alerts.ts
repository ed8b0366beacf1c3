// The notification service's alerts and on-call shifts as the console reads them (docs/openapi.yaml: Alert,
// AlertWithDeliveries, OnCallShift), and the rules the pages apply to them.
import { hasRole, type StaffSession } from '../../session';

export type AlertStatus = 'open' | 'acknowledged' | 'closed';
export type AlertChannel = 'webhook' | 'email' | 'wecom' | 'dingtalk' | 'feishu' | 'slack' | 'sms';

export interface AlertRecipient {
  /** A person's staff id, the site's dispatcher queue `dispatch:<site>`, or a fallback contact. */
  readonly staffId: string;
  readonly role: 'on-call' | 'owner' | 'dispatcher' | 'fallback';
  readonly channels: readonly AlertChannel[];
}

export interface Alert {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly kind: 'escalation' | 'warning' | 'urgent-order';
  readonly siteId: string;
  readonly target: 'response' | 'resolution' | null;
  readonly level: number | null;
  readonly recipients: readonly AlertRecipient[];
  readonly status: AlertStatus;
  readonly raisedAt: string;
  readonly acknowledgedBy: { readonly staffId: string; readonly name: string } | null;
  readonly acknowledgedAt: string | null;
  readonly closedReason: string | null;
  readonly closedAt: string | null;
}

export interface AlertDelivery {
  readonly staffId: string;
  readonly channel: AlertChannel;
  /** pending, delivered, dead (retries ran out) or cancelled (acknowledged or closed first). */
  readonly status: string;
  readonly round: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export interface AlertWithDeliveries extends Alert {
  readonly deliveries: readonly AlertDelivery[];
}

export interface OnCallShift {
  readonly siteId: string;
  readonly level: 1 | 2 | 3;
  readonly staffId: string;
  readonly source: 'rotation' | 'override';
  readonly from: string;
  readonly to: string;
}

export const ESCALATION_LEVELS = [1, 2, 3] as const;

/** Who may list and acknowledge alerts at all (GET /v1/alerts, POST /v1/alerts/{id}/ack). */
export const mayReadAlerts = (session: StaffSession | undefined): boolean =>
  hasRole(session, 'on-call', 'supervisor', 'dispatcher', 'admin');

/** The site's dispatcher queue, which stands in as recipient when nobody is on call. */
export const dispatcherQueueOf = (siteId: string): string => `dispatch:${siteId}`;

/**
 * Whether the signed-in person may say "I've got it": the alert is open and addressed to them, or to the site's
 * dispatcher queue and they dispatch (the notification service's rule; it answers 403 to anyone else).
 */
export const mayAcknowledge = (alert: Alert, session: StaffSession | undefined): boolean => {
  if (!session || alert.status !== 'open' || !mayReadAlerts(session)) return false;
  const addressedTo = (staffId: string) => alert.recipients.some((r) => r.staffId === staffId);
  return (
    addressedTo(session.staffId) || (hasRole(session, 'dispatcher') && addressedTo(dispatcherQueueOf(alert.siteId)))
  );
};

const STATUS_ORDER: Readonly<Record<AlertStatus, number>> = { open: 0, acknowledged: 1, closed: 2 };

/** Alerts still in play (not closed), open ones first, each group newest first. */
export const alertsInPlay = (alerts: readonly Alert[]): Alert[] =>
  alerts
    .filter((alert) => alert.status !== 'closed')
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || Date.parse(b.raisedAt) - Date.parse(a.raisedAt));

/** The orders the alerts are about, each once, in the order first met. */
export const orderIdsOf = (alerts: readonly Alert[]): string[] => [...new Set(alerts.map((a) => a.workOrderId))];
