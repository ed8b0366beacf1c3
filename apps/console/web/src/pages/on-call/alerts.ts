// The notification service's alerts and on-call shifts (docs/openapi.yaml, generated into ../../generated), and the
// rules the pages apply to them.
import type { components } from '../../generated/openapi';

type Schemas = components['schemas'];

export type Alert = Schemas['Alert'];
/** A person's staff id, the site's dispatcher queue `dispatch:<site>`, or the fallback paged when the chain ran out. */
export type AlertRecipient = Alert['recipients'][number];
export type AlertWithDeliveries = Schemas['AlertWithDeliveries'];
export type OnCallShift = Schemas['OnCallShift'];
type AlertStatus = Schemas['AlertStatus'];

export const ESCALATION_LEVELS = [1, 2, 3] as const;

/** The signed-in person as these rules need them (a StaffSession is one). */
export interface Caller {
  readonly staffId: string;
  readonly roles: readonly string[];
}

const ALERT_ROLES: readonly string[] = ['on-call', 'supervisor', 'dispatcher', 'admin'];

/** Who may list and acknowledge alerts at all (GET /v1/alerts, POST /v1/alerts/{id}/ack). */
export const mayReadAlerts = (caller: Caller | undefined): boolean =>
  !!caller && caller.roles.some((role) => ALERT_ROLES.includes(role));

/** The site's dispatcher queue, which stands in as recipient when nobody is on call. */
export const dispatcherQueueOf = (siteId: string): string => `dispatch:${siteId}`;

/**
 * Whether the signed-in person may say "I've got it": the alert is open and addressed to them, or to the site's
 * dispatcher queue and they dispatch (the notification service's rule; it answers 403 to anyone else).
 */
export const mayAcknowledge = (alert: Alert, caller: Caller | undefined): boolean => {
  if (!caller || alert.status !== 'open' || !mayReadAlerts(caller)) return false;
  const addressedTo = (staffId: string) => alert.recipients.some((r) => r.staffId === staffId);
  return (
    addressedTo(caller.staffId) || (caller.roles.includes('dispatcher') && addressedTo(dispatcherQueueOf(alert.siteId)))
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
