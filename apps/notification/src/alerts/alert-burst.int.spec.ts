import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { caughtUp, serviceWithReceiver } from '../notification-under-test.spec';
import { putOnCall } from './on-call-under-test.spec';

// A burst of breaches at one site reaches the consumer in batches (ADR 42): the alerts of a batch are raised
// together and their deliveries sent together. Each breach and level is still one alert, however many times its
// escalation arrives, the site's storm rule pages the first ones and holds the rest as when decided one by one, and
// an order resolved right after its escalation has its alert closed.

describe('a burst of escalations at one site (in-process notification service, real PostgreSQL and Kafka)', () => {
  const under = serviceWithReceiver('alert-burst', {});
  const SITE = 'S9';
  const SECRET = `whsec_${Buffer.from('burst-secret-of-thirty-two-bytes').toString('base64')}`;

  beforeAll(async () => {
    const admin = await under.service.asStaff('admin-int', ['admin']);
    await putOnCall(under.service, admin, {
      siteId: SITE,
      staffId: 'oc-burst',
      destinations: [{ channel: 'webhook', url: under.receiver.url('/oc-burst'), secrets: [SECRET] }],
    });
  }, 60_000);

  const escalated = (workOrderId: string) => ({
    type: EventTypes.SlaEscalated,
    data: {
      workOrderId,
      target: 'response',
      level: 1,
      dueAt: new Date().toISOString(),
      escalatedAt: new Date().toISOString(),
    },
  });

  it('raises one alert per order and level, pages the first ten once each and holds the rest for the storm digest', async () => {
    const { service, receiver } = under;
    const orders: string[] = [];
    for (let i = 0; i < 30; i++) orders.push(await service.report(SITE, `Burst pipe in flat ${i}`));
    // Every order escalated, a third of them twice (a redelivered breach): thirty alerts, not forty.
    for (const workOrderId of orders) await service.recordSla(workOrderId, escalated(workOrderId));
    for (const workOrderId of orders.slice(0, 10)) await service.recordSla(workOrderId, escalated(workOrderId));

    // The site's storm threshold is 10 (the default): the first ten are paged one by one, the rest held for a digest.
    const pages = () => receiver.received.filter((r) => r.path === '/oc-burst');
    const held = async () =>
      (
        await service.db.pool.query<{ work_order_id: string }>(
          'SELECT work_order_id FROM notification_alert_digest_items WHERE work_order_id = ANY($1::uuid[])',
          [orders],
        )
      ).rows.map((r) => r.work_order_id);
    await eventually(
      'ten pages and twenty alerts held',
      async () => (pages().length >= 10 && (await held()).length >= 20 ? true : undefined),
      60_000,
    );
    await caughtUp(service);
    const paged = pages().map((r) => JSON.parse(r.body) as { alertId: string; workOrder: { id: string } });
    expect(paged).toHaveLength(10);
    expect(new Set(paged.map((p) => p.alertId)).size).toBe(10);
    expect(new Set(pages().map((r) => r.headers['webhook-id'])).size).toBe(10);
    const heldOrders = await held();
    expect(heldOrders).toHaveLength(20);
    expect(new Set([...paged.map((p) => p.workOrder.id), ...heldOrders])).toEqual(new Set(orders));

    const { rows } = await service.db.pool.query<{ work_order_id: string; alerts: number; status: string }>(
      `SELECT work_order_id, count(*)::int AS alerts, min(status) AS status FROM notification_alerts
       WHERE work_order_id = ANY($1::uuid[]) GROUP BY work_order_id`,
      [orders],
    );
    expect(rows).toHaveLength(orders.length);
    expect(rows.every((r) => r.alerts === 1 && r.status === 'open')).toBe(true);
    for (const workOrderId of orders.slice(0, 10)) {
      const raised = (await service.alertEventsOf(workOrderId)).filter((e) => e.type === EventTypes.AlertRaised);
      expect(raised).toHaveLength(1);
    }
  });

  it('closes the alert of an order resolved right behind its escalation', async () => {
    const { service } = under;
    const workOrderId = await service.report(SITE, 'Water through the ceiling of the lobby');
    await service.recordSla(workOrderId, escalated(workOrderId));
    await service.recordSla(workOrderId, {
      type: EventTypes.SlaTargetMet,
      data: {
        workOrderId,
        target: 'response',
        dueAt: new Date().toISOString(),
        metAt: new Date().toISOString(),
        onTime: false,
      },
    });
    await caughtUp(service);
    const closed = await eventually('the alert closed', async () => {
      const { rows } = await service.db.pool.query<{ status: string; closed_reason: string | null }>(
        'SELECT status, closed_reason FROM notification_alerts WHERE work_order_id = $1',
        [workOrderId],
      );
      return rows[0]?.status === 'closed' ? rows : undefined;
    });
    expect(closed).toEqual([{ status: 'closed', closed_reason: 'target-met' }]);
  });
});
