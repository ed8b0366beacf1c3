import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import {
  caughtUp,
  NotificationUnderTest,
  startNotificationUnderTest,
  startReceiver,
} from '../notification-under-test.spec';
import { putOnCall, sendJson, siteWithEveryWebhookDown } from './on-call-under-test.spec';

// A burst pipe floods three buildings at S5: six urgent orders within seconds, with storm shaping at more than 3
// alerts in a 4-second window. The first three page one by one; the on-call person gets the rest in one digest per
// channel, and one acknowledgement of it acknowledges each order's alert on its own timeline.

const SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;
const WINDOW_SECONDS = 4;

interface DigestPayload {
  type: string;
  digestId: string;
  siteId: string;
  alerts: { alertId: string; workOrder: { id: string; number: string }; timelineUrl: string }[];
  text: string;
  ackUrl: string;
}

describe('alert storm digests (in-process notification service, real PostgreSQL and Kafka)', () => {
  let service: NotificationUnderTest;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const onCall = 's5-on-call';

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await startNotificationUnderTest('alert-digest', {
      ALERT_STORM_THRESHOLD: '3',
      ALERT_STORM_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
    const admin = await service.asStaff('admin-int', ['admin']);
    await putOnCall(service, admin, {
      siteId: 'S5',
      staffId: onCall,
      destinations: [
        { channel: 'webhook', url: receiver.url('/s5-webhook'), secrets: [SECRET] },
        { channel: 'wecom', url: receiver.url('/s5-wecom?key=robot') },
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
  });

  const webhooks = () =>
    receiver.received
      .filter((r) => r.path === '/s5-webhook')
      .map((r) => JSON.parse(r.body) as { type: string } & Record<string, unknown>);
  const robots = () =>
    receiver.received
      .filter((r) => r.path === '/s5-wecom?key=robot')
      .map((r) => (JSON.parse(r.body) as { markdown: { content: string } }).markdown.content);
  const local = (url: string) => url.replace(/^https?:\/\/[^/]+/, service.baseUrl);

  it('sends one digest per channel for the alerts past the threshold, and its acknowledgement acknowledges each alert it lists', async () => {
    const orders: string[] = [];
    for (let i = 1; i <= 6; i++)
      orders.push(await service.report('S5', `Burst pipe: water in the lobby of building ${i}`, 'urgent'));

    // Every order keeps an alert of its own.
    const alerts = await eventually('six alerts raised', async () => {
      const { rows } = await service.db.pool.query<{ alert_id: string; work_order_id: string }>(
        `SELECT alert_id, work_order_id FROM notification_alerts WHERE site_id = 'S5'`,
      );
      return rows.length === 6 ? rows : undefined;
    });
    expect(new Set(alerts.map((a) => a.work_order_id))).toEqual(new Set(orders));

    const digest = await eventually(
      'the webhook digest',
      async () => webhooks().find((w) => w.type === 'closeloop.alert-digest') as DigestPayload | undefined,
      20_000,
    );
    await eventually(
      'the WeCom digest',
      async () => robots().find((text) => text.includes('urgent orders at S5')),
      10_000,
    );
    await caughtUp(service);
    await new Promise((r) => setTimeout(r, 1_500)); // room for a second digest, if there were one

    // Three paged one by one, per channel; the other three in exactly one digest per channel.
    const single = webhooks().filter((w) => w.type === 'closeloop.alert');
    expect(single).toHaveLength(3);
    expect(robots().filter((text) => !text.includes('urgent orders at S5'))).toHaveLength(3);
    expect(webhooks().filter((w) => w.type === 'closeloop.alert-digest')).toHaveLength(1);
    const wecomDigests = robots().filter((text) => text.includes('urgent orders at S5'));
    expect(wecomDigests).toHaveLength(1);
    expect(digest.siteId).toBe('S5');
    expect(digest.text).toContain(`3 urgent orders at S5 in ${WINDOW_SECONDS} s`);
    const paged = new Set([
      ...single.map((w) => (w as unknown as { alertId: string }).alertId),
      ...digest.alerts.map((a) => a.alertId),
    ]);
    expect(paged).toEqual(new Set(alerts.map((a) => a.alert_id)));
    for (const listed of digest.alerts)
      expect(listed.timelineUrl).toMatch(new RegExp(`/v1/work-orders/${listed.workOrder.id}/timeline$`));

    // Each listed order's timeline shows it was paged, in the digest.
    for (const listed of digest.alerts) {
      const attempts = (await service.alertEvents(listed.alertId)).filter(
        (e) => e.type === EventTypes.AlertDeliveryAttempted,
      );
      expect(
        attempts.map((e) => [e.data.channel, e.data.outcome, e.data.destination.startsWith('digest of 3')]).sort(),
      ).toEqual([
        ['webhook', 'delivered', true],
        ['wecom', 'delivered', true],
      ]);
    }

    const stranger = await sendJson(
      'POST',
      `${service.baseUrl}/v1/alert-digests/${digest.digestId}/ack`,
      await service.asStaff('s5-someone-else', ['on-call'], ['S5']),
    );
    expect(stranger.status).toBe(403);
    const ack = await sendJson(
      'POST',
      `${service.baseUrl}/v1/alert-digests/${digest.digestId}/ack`,
      await service.asStaff(onCall, ['on-call'], ['S5']),
    );
    expect(ack.status).toBe(200);
    expect(
      (ack.body['alerts'] as { alertId: string; status: string; replayed: boolean }[])
        .map((a) => [a.alertId, a.status, a.replayed])
        .sort(),
    ).toEqual(digest.alerts.map((a) => [a.alertId, 'acknowledged', false]).sort());
    for (const listed of digest.alerts) {
      const acknowledged = (await service.alertEvents(listed.alertId)).filter(
        (e) => e.type === EventTypes.AlertAcknowledged,
      );
      expect(
        acknowledged.map((e) => [e.data.alertId, e.data.workOrderId, e.data.via, e.data.acknowledgedBy.staffId]),
      ).toEqual([[listed.alertId, listed.workOrder.id, 'api', onCall]]);
    }
    // The three paged one by one are not in the digest and stay open until someone takes them.
    const { rows: open } = await service.db.pool.query<{ alert_id: string }>(
      `SELECT alert_id FROM notification_alerts WHERE site_id = 'S5' AND status = 'open'`,
    );
    expect(new Set(open.map((r) => r.alert_id))).toEqual(
      new Set(single.map((w) => (w as unknown as { alertId: string }).alertId)),
    );

    // The WeCom digest's one-time link: everything it lists is already acknowledged; a second use is refused.
    const link = /\((https?:\/\/[^)]+\/v1\/alert-digest-links\/[^)]+)\)/.exec(wecomDigests[0] as string)?.[1];
    expect(link).toBeDefined();
    const page = await fetch(local(link!));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    const byLink = await sendJson('POST', local(link!), {});
    expect(byLink.status).toBe(200);
    expect(
      (byLink.body['alerts'] as { status: string; replayed: boolean }[]).every(
        (a) => a.status === 'acknowledged' && a.replayed,
      ),
    ).toBe(true);
    expect((await sendJson('POST', local(link!), {})).body).toMatchObject({ code: 'ACK_LINK_USED' });

    const view = await sendJson(
      'GET',
      `${service.baseUrl}/v1/alert-digests/${digest.digestId}`,
      await service.asStaff('sup-s5', ['supervisor'], ['S5']),
    );
    expect(view.body).toMatchObject({
      digestId: digest.digestId,
      siteId: 'S5',
      staffId: onCall,
      channel: 'webhook',
      status: 'delivered',
    });
    const elsewhere = await sendJson(
      'GET',
      `${service.baseUrl}/v1/alert-digests/${digest.digestId}`,
      await service.asStaff('sup-s6', ['supervisor'], ['S6']),
    );
    expect(elsewhere.status).toBe(404);
  });

  it('acknowledges every alert of a digest by its one-time link alone', async () => {
    // A new window: the last one closed, and this burst is past the threshold from its fourth alert on.
    await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000));
    receiver.received.splice(0);
    const orders: string[] = [];
    for (let i = 1; i <= 5; i++)
      orders.push(await service.report('S5', `Lift stopped between floors, tower ${i}`, 'urgent'));
    const digest = await eventually(
      'the webhook digest',
      async () => webhooks().find((w) => w.type === 'closeloop.alert-digest') as DigestPayload | undefined,
      20_000,
    );
    expect(digest.alerts.length).toBeGreaterThanOrEqual(2);
    const byLink = await sendJson('POST', local(digest.ackUrl), {});
    expect(byLink.status).toBe(200);
    for (const listed of digest.alerts) {
      const acknowledged = (await service.alertEvents(listed.alertId)).filter(
        (e) => e.type === EventTypes.AlertAcknowledged,
      );
      expect(acknowledged.map((e) => [e.data.via, e.data.acknowledgedBy.staffId])).toEqual([['link', onCall]]);
    }
  });

  it('keeps a storm with every on-call webhook down bounded: three alerts and one chain end per order, each order paged once to the fallback', async () => {
    await siteWithEveryWebhookDown(service, receiver, await service.asStaff('admin-int', ['admin']), {
      siteId: 'S2',
      secret: SECRET,
      fallback: [{ channel: 'webhook', url: receiver.url('/s2-fallback'), secrets: [SECRET] }],
    });

    const orders: string[] = [];
    for (let i = 1; i <= 6; i++)
      orders.push(await service.report('S2', `Power cut: lift stopped in tower ${i}`, 'urgent'));
    const chainEnds = async () => {
      const { rows } = await service.db.pool.query<{ work_order_id: string }>(
        `SELECT data->>'workOrderId' AS work_order_id FROM es_events WHERE event_type = 'closeloop.alert.chain-exhausted.v1' AND data->>'siteId' = 'S2'`,
      );
      return rows.map((r) => r.work_order_id);
    };
    await eventually(
      'every order at the end of its chain',
      async () => ((await chainEnds()).length >= orders.length ? true : undefined),
      90_000,
    );
    const fallbackPages = () =>
      receiver.received
        .filter((r) => r.path === '/s2-fallback')
        .map((r) => JSON.parse(r.body) as { type: string; alertId?: string; alerts?: { alertId: string }[] });
    const pagedAlerts = () =>
      fallbackPages().flatMap((p) =>
        p.type === 'closeloop.alert-digest' ? (p.alerts ?? []).map((a) => a.alertId) : [p.alertId as string],
      );
    await eventually(
      'the fallback paged about every order',
      async () => (pagedAlerts().length >= orders.length ? true : undefined),
      30_000,
    );
    await caughtUp(service);
    await new Promise((r) => setTimeout(r, (WINDOW_SECONDS + 3) * 1000)); // past another window: nothing more may come

    expect((await chainEnds()).sort()).toEqual([...orders].sort());
    const { rows: perOrder } = await service.db.pool.query<{ work_order_id: string; levels: number[] }>(
      `SELECT work_order_id, array_agg(level ORDER BY level) AS levels FROM notification_alerts WHERE site_id = 'S2' GROUP BY work_order_id`,
    );
    expect(perOrder.map((r) => r.levels)).toEqual(orders.map(() => [1, 2, 3]));
    const paged = pagedAlerts();
    expect(new Set(paged).size).toBe(paged.length);
    const { rows: tops } = await service.db.pool.query<{ alert_id: string }>(
      `SELECT alert_id FROM notification_alerts WHERE site_id = 'S2' AND level = 3`,
    );
    expect(new Set(paged)).toEqual(new Set(tops.map((t) => t.alert_id)));
  });
});
