import type { Alert } from './alerts';

/** For specs: an open level-1 escalation of order wo-1 on S1 addressed to nobody, with the fields given. */
export const alertWith = (fields: Partial<Alert>): Alert => ({
  alertId: 'a1',
  workOrderId: 'wo-1',
  kind: 'escalation',
  siteId: 'S1',
  target: 'response',
  level: 1,
  recipients: [],
  status: 'open',
  raisedAt: '2026-12-05T08:00:00Z',
  acknowledgedBy: null,
  acknowledgedAt: null,
  closedReason: null,
  closedAt: null,
  ...fields,
});
