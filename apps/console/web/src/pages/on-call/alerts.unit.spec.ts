import { alertWith } from './alert-fixture';
import { alertsInPlay, mayAcknowledge, orderIdsOf, type Alert, type Caller } from './alerts';

const alert = (fields: Partial<Alert>): Alert =>
  alertWith({ recipients: [{ staffId: 'sup-chen', role: 'on-call', channels: ['sms'] }], ...fields });

const session = (staffId: string, ...roles: string[]): Caller => ({ staffId, roles });

describe('mayAcknowledge', () => {
  it('lets a recipient acknowledge an open alert addressed to them', () => {
    expect(mayAcknowledge(alert({}), session('sup-chen', 'on-call'))).toBe(true);
  });

  it('refuses someone it was not addressed to, whatever their role', () => {
    expect(mayAcknowledge(alert({}), session('sup-li', 'supervisor'))).toBe(false);
    expect(mayAcknowledge(alert({}), session('admin-1', 'admin'))).toBe(false);
  });

  it('lets a dispatcher acknowledge for the site’s dispatcher queue, and nobody else for it', () => {
    const queued = alert({ recipients: [{ staffId: 'dispatch:S1', role: 'dispatcher', channels: [] }] });
    expect(mayAcknowledge(queued, session('disp-wu', 'dispatcher'))).toBe(true);
    expect(mayAcknowledge(queued, session('sup-chen', 'on-call'))).toBe(false);
  });

  it('offers nothing for an alert acknowledged or closed already, or to a technician or nobody', () => {
    expect(mayAcknowledge(alert({ status: 'acknowledged' }), session('sup-chen', 'on-call'))).toBe(false);
    expect(mayAcknowledge(alert({ status: 'closed' }), session('sup-chen', 'on-call'))).toBe(false);
    expect(mayAcknowledge(alert({}), session('sup-chen', 'technician'))).toBe(false);
    expect(mayAcknowledge(alert({}), undefined)).toBe(false);
  });
});

describe('alertsInPlay', () => {
  it('leaves out closed alerts and lists open ones first, each group newest first', () => {
    const alerts = [
      alert({ alertId: 'acked-old', status: 'acknowledged', raisedAt: '2026-12-05T07:00:00Z' }),
      alert({ alertId: 'open-old', raisedAt: '2026-12-05T07:30:00Z' }),
      alert({ alertId: 'closed', status: 'closed', raisedAt: '2026-12-05T09:00:00Z' }),
      alert({ alertId: 'open-new', raisedAt: '2026-12-05T08:30:00Z' }),
      alert({ alertId: 'acked-new', status: 'acknowledged', raisedAt: '2026-12-05T08:45:00Z' }),
    ];
    expect(alertsInPlay(alerts).map((a) => a.alertId)).toEqual(['open-new', 'open-old', 'acked-new', 'acked-old']);
  });
});

describe('orderIdsOf', () => {
  it('names each order once, in the order first met', () => {
    expect(orderIdsOf([alert({ workOrderId: 'b' }), alert({ workOrderId: 'a' }), alert({ workOrderId: 'b' })])).toEqual(
      ['b', 'a'],
    );
  });
});
