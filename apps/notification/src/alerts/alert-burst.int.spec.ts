import { EventTypes } from '@closeloop/contracts';
import { lockReadModelExclusive } from '@closeloop/messaging';
import { slaStream } from '@closeloop/sla-domain';
import { eventually } from '@closeloop/testing';
import { caughtUp, committedOffsets, serviceWithReceiver } from '../notification-under-test.spec';
import { putOnCall } from './on-call-under-test.spec';
import { AlertService } from './alert.service';
import { NOTIFICATION_READ_MODEL } from './notification.read-model';

// A burst of breaches at one site reaches the consumer in batches (ADR 45): the alerts of a batch are raised
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

  const escalated = (workOrderId: string, target = 'response', level = 1) => ({
    type: EventTypes.SlaEscalated,
    data: {
      workOrderId,
      target,
      level,
      dueAt: new Date().toISOString(),
      escalatedAt: new Date().toISOString(),
    },
  });

  const responseMetLate = (workOrderId: string) => ({
    type: EventTypes.SlaTargetMet,
    data: {
      workOrderId,
      target: 'response',
      dueAt: new Date().toISOString(),
      metAt: new Date().toISOString(),
      onTime: false,
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
    await service.recordSla(workOrderId, responseMetLate(workOrderId));
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

  it('leaves neither facts, alerts, pages nor offsets behind when a batch fails half-way, then raises and pages each alert once', async () => {
    const { service, receiver } = under;
    const site = 'S8';
    const admin = await service.asStaff('admin-int', ['admin']);
    for (const level of [1, 2])
      await putOnCall(service, admin, {
        siteId: site,
        level,
        staffId: `oc-half-${level}`,
        destinations: [{ channel: 'webhook', url: under.receiver.url(`/oc-half-${level}`), secrets: [SECRET] }],
      });
    const workOrderId = await service.report(site, 'Gas smell in the boiler room');
    await caughtUp(service);
    const offsetsBefore = await committedOffsets(service);
    const factsOf = async () =>
      (
        await service.db.pool.query<{ sla_position: string; recent_events: unknown }>(
          'SELECT sla_position::text, recent_events FROM notification_order_facts WHERE work_order_id = $1',
          [workOrderId],
        )
      ).rows[0];
    const factsBefore = await factsOf();

    // The batch's write of the order's facts (its three records' facts in one statement, ADR 48) fails, once, after
    // the records were handled; every write after that failure waits for the test's lock, so what the failed batch
    // left is seen before its records are handled again one by one.
    const HELD = 4_151_001;
    await service.db.pool.query(`CREATE SEQUENCE test_facts_writes`);
    await service.db.pool.query(`CREATE FUNCTION test_fail_half_way() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE n bigint;
      BEGIN
        IF NEW.work_order_id <> '${workOrderId}' THEN RETURN NEW; END IF;
        n := nextval('test_facts_writes');
        IF n = 1 THEN RAISE EXCEPTION 'the connection dropped half-way'; END IF;
        IF n > 1 THEN PERFORM pg_advisory_xact_lock_shared(${HELD}); END IF;
        RETURN NEW;
      END $$`);
    await service.db.pool.query(
      `CREATE TRIGGER test_fail_half_way BEFORE INSERT OR UPDATE ON notification_order_facts
         FOR EACH ROW EXECUTE FUNCTION test_fail_half_way()`,
    );
    const hold = await service.db.pool.connect();
    await hold.query('SELECT pg_advisory_lock($1)', [HELD]);
    const pagesOf = () => receiver.received.filter((r) => r.path.startsWith('/oc-half-'));
    try {
      // One append on the order's partition: the relay publishes the three in one send, the consumer gets one batch.
      await service.append(slaStream(workOrderId), workOrderId, [
        escalated(workOrderId, 'response', 1),
        escalated(workOrderId, 'resolution', 1),
        escalated(workOrderId, 'response', 2),
      ]);
      await eventually('the batch failed and its first record waits to be handled alone', async () => {
        const { rows } = await service.db.pool.query<{ last_value: string }>(
          'SELECT last_value::text FROM test_facts_writes',
        );
        return Number(rows[0]?.last_value) > 1 ? true : undefined;
      });
      expect(await factsOf()).toEqual(factsBefore);
      expect(await service.alertEventsOf(workOrderId)).toEqual([]);
      const { rows: alerts } = await service.db.pool.query(
        'SELECT alert_id FROM notification_alerts WHERE work_order_id = $1',
        [workOrderId],
      );
      expect(alerts).toEqual([]);
      expect(pagesOf()).toEqual([]);
      expect(await committedOffsets(service)).toEqual(offsetsBefore);
    } finally {
      await hold.query('SELECT pg_advisory_unlock($1)', [HELD]);
      hold.release();
    }

    await eventually('three pages', async () => (pagesOf().length >= 3 ? true : undefined), 60_000);
    await caughtUp(service);
    await service.db.pool.query('DROP TRIGGER test_fail_half_way ON notification_order_facts');
    const paged = pagesOf().map((r) => JSON.parse(r.body) as { alertId: string });
    expect(paged).toHaveLength(3);
    expect(new Set(paged.map((p) => p.alertId)).size).toBe(3);
    const raised = (await service.alertEventsOf(workOrderId)).filter((e) => e.type === EventTypes.AlertRaised);
    expect(raised).toHaveLength(3);
    expect((await factsOf())?.sla_position).not.toBe(factsBefore?.sla_position);
  });

  it('lets a rebuild swap in while a batch waits to close an alert whose lock a send holds', async () => {
    const { service } = under;
    const workOrderId = await service.report(SITE, 'Leak under the sink in the caretaker flat');
    await service.recordSla(workOrderId, escalated(workOrderId));
    const alertId = await eventually('the alert raised', async () => {
      const { rows } = await service.db.pool.query<{ alert_id: string }>(
        'SELECT alert_id FROM notification_alerts WHERE work_order_id = $1',
        [workOrderId],
      );
      return rows[0]?.alert_id;
    });
    await caughtUp(service);
    // A send in flight holds the alert's lock, and writes the alert's row (under the read model's shared lock) next.
    let sendDone: () => void = () => undefined;
    const sending = service.app
      .get(AlertService)
      .withAlertLock(alertId, () => new Promise<void>((resolve) => (sendDone = resolve)));
    const waitingForAdvisoryLock = async () => {
      const { rows } = await service.db.pool.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return (rows[0]?.waiting ?? 0) > 0 ? true : undefined;
    };
    const swap = await service.db.pool.connect();
    try {
      await service.recordSla(workOrderId, responseMetLate(workOrderId));
      await eventually('the batch waiting for the alert’s lock to close it', waitingForAdvisoryLock);
      // The swap's side (ADR 16): no batch may be holding the read model's lock while it waits for the send, or the
      // send's write would queue behind the swap, the swap behind the batch, and the batch behind the send.
      await swap.query('BEGIN');
      await swap.query(`SET LOCAL lock_timeout = '2s'`);
      await lockReadModelExclusive(swap, NOTIFICATION_READ_MODEL);
      await swap.query('ROLLBACK');
    } finally {
      await swap.query('ROLLBACK').catch(() => undefined);
      swap.release();
      sendDone();
      await sending;
    }
    const closed = await eventually('the alert closed once the send let go', async () => {
      const { rows } = await service.db.pool.query<{ status: string }>(
        'SELECT status FROM notification_alerts WHERE alert_id = $1',
        [alertId],
      );
      return rows[0]?.status === 'closed' ? rows[0] : undefined;
    });
    expect(closed).toEqual({ status: 'closed' });
  });
});
