import { randomUUID } from 'node:crypto';
import { CloudEventSchema, EventTypes } from '@closeloop/contracts';
import { toKafkaMessage } from '@closeloop/messaging';
import { eventually, testKafka } from '@closeloop/testing';
import { Consumer } from 'kafkajs';
import {
  caughtUp,
  NotificationUnderTest,
  startNotificationUnderTest,
  startReceiver,
} from '../notification-under-test.spec';
import { sendJson, siteWithEveryWebhookDown } from './on-call-under-test.spec';

// Every on-call person's webhook is down (the fault that raised 6,158 alerts in 15 minutes): each delivery dies
// after two attempts, and the chain must end with one outcome and one page to the site's fallback per channel.

describe('the end of an escalation chain (in-process notification service, real PostgreSQL and Kafka)', () => {
  let service: NotificationUnderTest;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let published: Consumer;
  const onTopic: { type: string; workorderid?: string; data: Record<string, unknown> }[] = [];
  let admin: Record<string, string>;

  beforeAll(async () => {
    receiver = await startReceiver();
    service = await startNotificationUnderTest('alert-chain', {});
    admin = await service.asStaff('admin-int', ['admin']);
    // What the query service reads: every event the relay publishes, with the work-order id its timeline is keyed by.
    published = testKafka('alert-chain-reader').consumer({ groupId: `${service.prefix}reader` });
    await published.connect();
    await published.subscribe({ topic: service.eventsTopic, fromBeginning: true });
    await published.run({
      eachMessage: async ({ message }) => {
        const parsed = CloudEventSchema.safeParse(JSON.parse(message.value?.toString() ?? '{}'));
        if (parsed.success)
          onTopic.push({
            type: parsed.data.type,
            workorderid: parsed.data.workorderid,
            data: parsed.data.data as Record<string, unknown>,
          });
      },
    });
  }, 120_000);

  afterAll(async () => {
    await published?.disconnect().catch(() => undefined);
    await service?.stop();
    await receiver?.close();
  });

  const chainExhausted = (workOrderId: string) =>
    eventually(
      'the chain exhausted',
      async () => (await service.alertEventsOf(workOrderId)).find((e) => e.type === EventTypes.AlertChainExhausted),
      30_000,
    );

  /** Levels 1-3 on call all day, each on a webhook that answers 503; the fallback on a webhook and a WeCom robot that work. */
  const siteWithEveryWebhookDownAndFallback = async (siteId: string) => {
    const fallback = await siteWithEveryWebhookDown(service, receiver, admin, {
      siteId,
      secret: SECRET,
      fallback: [
        { channel: 'webhook', url: receiver.url(`/fallback-${siteId}`), secrets: [SECRET] },
        { channel: 'wecom', url: receiver.url(`/wecom-${siteId}?key=robot`) },
      ],
    });
    expect(JSON.stringify(fallback.body)).not.toContain(SECRET);
  };

  const alertRows = async (workOrderId: string) =>
    (
      await service.db.pool.query<{ alert_id: string; level: number; status: string }>(
        'SELECT alert_id, level, status FROM notification_alerts WHERE work_order_id = $1 ORDER BY level',
        [workOrderId],
      )
    ).rows;
  const pagesTo = (path: string) => receiver.received.filter((r) => r.path === path);
  const escalated = (workOrderId: string, level: number) => ({
    type: EventTypes.SlaEscalated,
    data: {
      workOrderId,
      target: 'response',
      level,
      dueAt: new Date().toISOString(),
      escalatedAt: new Date().toISOString(),
    },
  });

  it('ends an unreceivable level-3 escalation in one chain-exhausted outcome, one fallback page per channel; repeated dead letters raise nothing', async () => {
    await siteWithEveryWebhookDownAndFallback('S7');
    const workOrderId = await service.report('S7', 'Resident trapped in the lift of tower C');
    await service.recordSla(workOrderId, escalated(workOrderId, 3));

    const exhausted = await chainExhausted(workOrderId);
    expect(exhausted.data).toMatchObject({
      workOrderId,
      siteId: 'S7',
      target: 'response',
      level: 3,
      round: 0,
      deadLettered: ['s7-level-3:webhook'],
      fallback: { staffId: 'fallback:S7', source: 'site-fallback', channels: ['webhook', 'wecom'] },
    });
    await eventually('the fallback paged on both channels', async () =>
      pagesTo('/fallback-S7').length === 1 && pagesTo('/wecom-S7?key=robot').length === 1 ? true : undefined,
    );
    const page = JSON.parse(pagesTo('/fallback-S7')[0]?.body ?? '{}') as {
      text: string;
      alertId: string;
      ackUrl: string;
    };
    expect(page.text).toContain('Nobody on call could be reached');

    // The dead letter again, as a redelivery (same id) and as a repeat (a new id), and the escalation once more.
    const store = service.store;
    const alertId = (exhausted.data as { alertId: string }).alertId;
    const dead = (await store.readStream(`alert-${alertId}`)).find((e) => e.type === EventTypes.AlertDeadLettered);
    expect(dead).toBeDefined();
    const producer = testKafka('alert-chain-redeliver').producer();
    await producer.connect();
    await producer.send({
      topic: service.eventsTopic,
      messages: [
        toKafkaMessage(dead!),
        toKafkaMessage(dead!),
        toKafkaMessage({ ...dead!, eventId: randomUUID() }),
        toKafkaMessage({ ...dead!, eventId: randomUUID() }),
      ],
    });
    await producer.disconnect();
    await service.recordSla(workOrderId, escalated(workOrderId, 3));
    await new Promise((r) => setTimeout(r, 1_000)); // the relay publishes the repeated escalation
    await caughtUp(service);
    await new Promise((r) => setTimeout(r, 1_500)); // room for any page a repeat would have queued

    expect(await alertRows(workOrderId)).toEqual([{ alert_id: alertId, level: 3, status: 'open' }]);
    const events = await service.alertEventsOf(workOrderId);
    expect(events.filter((e) => e.type === EventTypes.AlertRaised)).toHaveLength(1);
    expect(events.filter((e) => e.type === EventTypes.AlertChainExhausted)).toHaveLength(1);
    expect(pagesTo('/fallback-S7')).toHaveLength(1);
    expect(pagesTo('/wecom-S7?key=robot')).toHaveLength(1);

    // On the order's timeline: the outcome is published with the order's id, as the query service keys timelines.
    const onTimeline = await eventually('the outcome published for the timeline', async () =>
      onTopic.find((e) => e.type === EventTypes.AlertChainExhausted && e.workorderid === workOrderId),
    );
    expect(onTimeline.data).toMatchObject({ alertId, level: 3 });

    // The fallback may acknowledge by the link in their page, and that is the alert's one outcome.
    // (The link names PUBLIC_NOTIFICATION_URL; this service listens on a port of its own.)
    const ack = await fetch(page.ackUrl.replace(/^https?:\/\/[^/]+/, service.baseUrl), { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: { staffId: 'fallback:S7' } });
  });

  it('climbs from level 1 once per level when every webhook is down, ends at the top once, and later SLA levels raise nothing new', async () => {
    await siteWithEveryWebhookDownAndFallback('S8');
    const workOrderId = await service.report('S8', 'Burst pipe flooding the basement plant room');
    await service.recordSla(workOrderId, escalated(workOrderId, 1));

    await eventually(
      'the chain exhausted',
      async () => (await service.alertEventsOf(workOrderId)).find((e) => e.type === EventTypes.AlertChainExhausted),
      45_000,
    );
    // sla-timer's own level-2 and level-3 escalations arrive later: the same alerts, already raised by the dead letters.
    await service.recordSla(workOrderId, escalated(workOrderId, 2));
    await service.recordSla(workOrderId, escalated(workOrderId, 3));
    await new Promise((r) => setTimeout(r, 1_000));
    await caughtUp(service);
    await new Promise((r) => setTimeout(r, 1_500));

    expect((await alertRows(workOrderId)).map((a) => a.level)).toEqual([1, 2, 3]);
    const events = await service.alertEventsOf(workOrderId);
    expect(events.filter((e) => e.type === EventTypes.AlertChainExhausted)).toHaveLength(1);
    expect(events.filter((e) => e.type === EventTypes.AlertDeadLettered).map((e) => e.data.staffId)).toEqual([
      's8-level-1',
      's8-level-2',
      's8-level-3',
    ]);
    expect(pagesTo('/fallback-S8')).toHaveLength(1);
    expect(pagesTo('/wecom-S8?key=robot')).toHaveLength(1);
  });

  it('pages the level-1 supervisor on call when the site has no fallback set, and a fallback page that dies too leads nowhere', async () => {
    await siteWithEveryWebhookDownAndFallback('S6');
    const removed = await fetch(`${service.baseUrl}/v1/on-call/contacts/sites/S6/fallback`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(removed.status).toBe(204);
    const workOrderId = await service.report('S6', 'No power in the whole of tower D');
    await service.recordSla(workOrderId, escalated(workOrderId, 3));

    const exhausted = await chainExhausted(workOrderId);
    expect(exhausted.data).toMatchObject({
      fallback: { staffId: 's6-level-1', source: 'on-call-level-1', channels: ['webhook'] },
    });
    // Their webhook is down as well: the page is tried, given up, and nothing follows.
    await eventually('the fallback page dead-lettered', async () =>
      (await service.alertEventsOf(workOrderId)).find(
        (e) => e.type === EventTypes.AlertDeadLettered && e.data.staffId === 's6-level-1',
      ),
    );
    await new Promise((r) => setTimeout(r, 1_000));
    await caughtUp(service);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await alertRows(workOrderId)).map((a) => a.level)).toEqual([3]);
    const events = await service.alertEventsOf(workOrderId);
    expect(events.filter((e) => e.type === EventTypes.AlertChainExhausted)).toHaveLength(1);
    expect(events.filter((e) => e.type === EventTypes.AlertDeadLettered).map((e) => e.data.staffId)).toEqual([
      's6-level-3',
      's6-level-1',
    ]);
  });

  it('refuses an empty fallback and falls back to the default when it is removed', async () => {
    const empty = await sendJson('PUT', `${service.baseUrl}/v1/on-call/contacts/sites/S7/fallback`, admin, {
      destinations: [],
    });
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    const removed = await fetch(`${service.baseUrl}/v1/on-call/contacts/sites/S9/fallback`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(removed.status).toBe(404);
  });
});

const SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
