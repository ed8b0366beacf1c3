import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EventTypes, topicName, TopicBaseNames } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { toKafkaMessage } from '@closeloop/messaging';
import { allDayRotation, eventually, repositoryRoot } from '@closeloop/testing';
import { Webhook } from 'standardwebhooks';
import {
  TestStack,
  TimelineEvent,
  asStaff,
  get,
  orderInStatus,
  post,
  put,
  startTestStack,
  timelineWith,
  urls,
  reportOrder,
} from './test-stack';

// Urgent: acknowledge within 3 s; escalation levels 8 s apart, long enough to acknowledge in between.
const ON_CALL_POLICY = {
  SLA_POLICY_FILE: join(repositoryRoot, 'tools', 'e2e', 'fixtures', 'sla-policy.on-call.json'),
  TIMER_POLL_MILLIS: '100',
  ALERT_POLL_MILLIS: '100',
  ALERT_RETRY_BASE_MILLIS: '300',
  ALERT_RETRY_MAX_MILLIS: '1000',
  ALERT_MAX_ATTEMPTS: '3',
  ALERT_RENOTIFY_SECONDS: '0',
  // Ack links in the messages point at this stack's notification service.
  PUBLIC_NOTIFICATION_URL: urls.notification,
};

interface Received {
  readonly path: string;
  readonly webhookId: string;
  readonly payload: {
    alertId: string;
    kind: string;
    level: number | null;
    workOrder: { id: string; number: string };
    text: string;
    ackUrl: string;
  };
  readonly at: number;
}

/** A receiver like any integrator's: it checks every request with the reference `standardwebhooks` library. */
class WebhookReceiver {
  readonly secret = `whsec_${randomBytes(24).toString('base64')}`;
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  /** Paths that answer 500 to this many more requests. */
  readonly failures = new Map<string, number>();
  private server: Server | undefined;

  async start(): Promise<void> {
    const verifier = new Webhook(this.secret);
    this.server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const path = request.url ?? '/';
        const left = this.failures.get(path) ?? 0;
        if (left > 0) {
          this.failures.set(path, left - 1);
          response.writeHead(500).end();
          return;
        }
        try {
          const payload = verifier.verify(body, request.headers as Record<string, string>) as Received['payload'];
          this.received.push({ path, webhookId: String(request.headers['webhook-id']), payload, at: Date.now() });
          response.writeHead(204).end();
        } catch (error) {
          this.rejected.push(`${path}: ${(error as Error).message}`);
          response.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}${path}`;
  }

  for(workOrderId: string, path?: string): Received[] {
    return this.received.filter(
      (r) => r.payload.workOrder.id === workOrderId && (path === undefined || r.path === path),
    );
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

const of = (timeline: TimelineEvent[], type: string) => timeline.filter((e) => e.type === type);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('escalation alerts reach the person on call, retry until delivered, and an acknowledgement stops the chain', () => {
  let stack: TestStack;
  const receiver = new WebhookReceiver();
  // Each test has a site of its own, so its on-call people and alerts never mix with another test's (only S1 has a
  // roster in config/roster.json, so the one test that needs an assigned technician uses it).
  const sites: string[] = [];

  beforeAll(async () => {
    await receiver.start();
    stack = await startTestStack('e2e-oncall', ON_CALL_POLICY);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver.stop();
  });

  afterEach(() => {
    expect(receiver.rejected).toEqual([]);
  });

  const notification = (path: string) => `${urls.notification}${path}`;

  /** A site with a level-1 and a level-2 rotation (one person each, all day), each paged on their own webhook path. */
  const siteOnCall = async (
    siteId = `S${sites.push('') + 100}`,
  ): Promise<{ siteId: string; level1: string; level2: string }> => {
    const level1 = `oc1-${siteId}`;
    const level2 = `oc2-${siteId}`;
    for (const [level, staffId] of [
      [1, level1],
      [2, level2],
    ] as const) {
      const rotation = await put(
        notification(`/v1/on-call/rotations/${randomUUID()}`),
        allDayRotation(siteId, level, [staffId]),
      );
      expect(rotation.status).toBe(200);
      const contact = await put(notification(`/v1/on-call/contacts/staff/${staffId}`), {
        destinations: [{ channel: 'webhook', url: receiver.url(`/${staffId}`), secrets: [receiver.secret] }],
      });
      expect(contact.status).toBe(200);
      expect(JSON.stringify(contact.body)).not.toContain(receiver.secret);
    }
    const site = await put(notification(`/v1/on-call/contacts/sites/${siteId}`), {
      destinations: [{ channel: 'webhook', url: receiver.url(`/site-${siteId}`), secrets: [receiver.secret] }],
    });
    expect(site.status).toBe(200);
    return { siteId, level1, level2 };
  };

  const urgentOrder = async (siteId: string, description: string) => {
    const accepted = await reportOrder({
      siteId,
      building: 'B2',
      channel: 'phone',
      description,
      reporter: { name: 'Wang', phone: '13812345678' },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body['tier']).toBe('urgent');
    return accepted.body['workOrderId'] as string;
  };

  const escalationAlert = (workOrderId: string, level: number) =>
    eventually(
      `a level-${level} escalation alert for ${workOrderId}`,
      async () => {
        const { body } = await get(notification(`/v1/alerts?workOrderId=${workOrderId}`));
        return (body['alerts'] as { alertId: string; kind: string; level: number | null; status: string }[]).find(
          (a) => a.kind === 'escalation' && a.level === level,
        );
      },
      20_000,
    );

  it('pages on-call level 1 on the breach, retries a failing receiver, and stops the chain when they acknowledge', async () => {
    const { siteId, level1, level2 } = await siteOnCall();
    const workOrderId = await urgentOrder(siteId, 'Burst pipe in the basement plant room');

    const urgent = await eventually(
      'the new urgent order paged to level 1',
      async () => receiver.for(workOrderId, `/${level1}`).find((r) => r.payload.kind === 'urgent-order'),
      20_000,
    );
    receiver.failures.set(`/${level1}`, 1); // the escalation's first attempt fails
    expect(urgent.payload.text).toContain(urgent.payload.workOrder.number);
    expect(urgent.payload.text).not.toContain('13812345678');

    const alert = await escalationAlert(workOrderId, 1);
    const delivered = await eventually(
      'the level-1 escalation delivered',
      async () => receiver.for(workOrderId, `/${level1}`).find((r) => r.payload.alertId === alert.alertId),
      20_000,
    );
    expect(delivered.webhookId).toBe(alert.alertId);

    const stranger = await post(
      notification(`/v1/alerts/${alert.alertId}/ack`),
      {},
      await asStaff(level2, level2, ['on-call'], [siteId]),
    );
    expect(stranger.status).toBe(403);
    const ack = await post(
      notification(`/v1/alerts/${alert.alertId}/ack`),
      {},
      await asStaff(level1, 'Zhao Min', ['on-call'], [siteId]),
    );
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: { staffId: level1 } });
    const again = await post(
      notification(`/v1/alerts/${alert.alertId}/ack`),
      {},
      await asStaff(level1, 'Zhao Min', ['on-call'], [siteId]),
    );
    expect(again.body).toMatchObject({ status: 'acknowledged', replayed: true });

    await timelineWith(workOrderId, [
      EventTypes.AlertAcknowledged,
      EventTypes.SlaEscalationAcknowledged,
      EventTypes.AlertDeliveryAttempted,
    ]);
    await sleep(10_000); // past the level-2 interval
    const after = await timelineWith(workOrderId, [EventTypes.SlaEscalationAcknowledged]);
    expect(
      of(after, EventTypes.SlaEscalated)
        .filter((e) => e.data['target'] === 'response')
        .map((e) => e.data['level']),
    ).toEqual([1]);
    expect(receiver.for(workOrderId, `/${level2}`)).toEqual([]);
    const attempts = of(after, EventTypes.AlertDeliveryAttempted).filter((e) => e.data['alertId'] === alert.alertId);
    expect(attempts.map((e) => e.data['outcome'])).toEqual(['failed', 'delivered']);
    expect(attempts[0]?.data['destination']).not.toContain(receiver.secret);
  });

  it('sends nothing after an acknowledgement, not even a retry already queued', async () => {
    const { siteId, level1 } = await siteOnCall();
    receiver.failures.set(`/${level1}`, 1_000);
    const workOrderId = await urgentOrder(siteId, 'Power cut on the whole of floor 9');
    const alert = await escalationAlert(workOrderId, 1);
    await eventually('a failed attempt with a retry queued', async () => {
      const { body } = await get(notification(`/v1/alerts/${alert.alertId}`));
      return (body['deliveries'] as { attempts: number; status: string }[]).some(
        (d) => d.attempts >= 1 && d.status === 'pending',
      )
        ? body
        : undefined;
    });
    const ack = await post(
      notification(`/v1/alerts/${alert.alertId}/ack`),
      {},
      await asStaff(level1, level1, ['on-call'], [siteId]),
    );
    expect(ack.status).toBe(200);
    const failuresLeft = receiver.failures.get(`/${level1}`);
    await sleep(3_000); // several retry intervals
    expect(receiver.failures.get(`/${level1}`)).toBe(failuresLeft);
    const { body } = await get(notification(`/v1/alerts/${alert.alertId}`));
    expect(body['deliveries']).toEqual([expect.objectContaining({ staffId: level1, status: 'cancelled' })]);
    receiver.failures.delete(`/${level1}`);
  });

  it('acknowledges by the one-time link in the message, with no other credential', async () => {
    const { siteId, level1 } = await siteOnCall();
    const workOrderId = await urgentOrder(siteId, 'Burst pipe flooding the car park ramp');
    const alert = await escalationAlert(workOrderId, 1);
    const message = await eventually(
      'the escalation delivered',
      async () => receiver.for(workOrderId, `/${level1}`).find((r) => r.payload.alertId === alert.alertId),
      20_000,
    );
    expect(message.payload.ackUrl.startsWith(`${urls.notification}/v1/alert-links/`)).toBe(true);

    const page = await fetch(message.payload.ackUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<form method="post">');
    const first = await fetch(message.payload.ackUrl, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: { staffId: level1 } });
    const again = await fetch(message.payload.ackUrl, { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'ACK_LINK_USED' });
    const forged = await fetch(`${message.payload.ackUrl.slice(0, -4)}AAAA`, { method: 'POST' });
    expect(forged.status).toBe(404);

    const timeline = await timelineWith(workOrderId, [
      EventTypes.AlertAcknowledged,
      EventTypes.SlaEscalationAcknowledged,
    ]);
    expect(
      of(timeline, EventTypes.AlertAcknowledged).find((e) => e.data['alertId'] === alert.alertId)?.data,
    ).toMatchObject({ via: 'link' });
  });

  it('dead-letters a delivery that keeps failing and pages the next level about it', async () => {
    const { siteId, level1, level2 } = await siteOnCall();
    receiver.failures.set(`/${level1}`, 1_000);
    const workOrderId = await urgentOrder(siteId, 'Resident trapped in the lift in tower C');
    const alert = await escalationAlert(workOrderId, 1);
    const dead = await eventually('the escalation dead-lettered', async () =>
      of(await timelineWith(workOrderId, [EventTypes.AlertDeadLettered]), EventTypes.AlertDeadLettered).find(
        (e) => e.data['alertId'] === alert.alertId,
      ),
    );
    expect(dead?.data).toMatchObject({ staffId: level1, channel: 'webhook', attempts: 3 });
    await eventually(
      'level 2 paged about the unreachable level 1',
      async () => receiver.for(workOrderId, `/${level2}`).find((r) => r.payload.kind === 'escalation'),
      20_000,
    );
    receiver.failures.delete(`/${level1}`);
  });

  it('pages once for an escalation delivered twice on Kafka', async () => {
    const { siteId, level1 } = await siteOnCall();
    const workOrderId = await urgentOrder(siteId, 'Burst pipe: water through the ceiling onto the switchboard');
    const alert = await escalationAlert(workOrderId, 1);
    await eventually(
      'the first delivery',
      async () => receiver.for(workOrderId, `/${level1}`).find((r) => r.payload.alertId === alert.alertId),
      20_000,
    );

    const store = new PostgresEventStore(stack.db.pool);
    const escalation = (await store.readStream(`sla-${workOrderId}`)).find((e) => e.type === EventTypes.SlaEscalated);
    expect(escalation).toBeDefined();
    const producer = stack.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topicName(TopicBaseNames.events, stack.prefix),
      messages: [toKafkaMessage(escalation!), toKafkaMessage(escalation!)],
    });
    await producer.disconnect();
    const marker = await urgentOrder(siteId, 'Burst pipe behind the gym, after the redelivery'); // same partition order does not matter: wait for its page
    await eventually('a later alert delivered', async () => receiver.for(marker, `/${level1}`)[0], 20_000);
    expect(receiver.for(workOrderId, `/${level1}`).filter((r) => r.payload.alertId === alert.alertId)).toHaveLength(1);
  });

  it('leaves one consistent outcome when an acknowledgement races the order being resolved', async () => {
    const { siteId, level1 } = await siteOnCall('S1');
    const workOrderId = await urgentOrder(siteId, 'Burst pipe under the sink of unit 1203');
    const technician = (await orderInStatus(workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    const alert = await escalationAlert(workOrderId, 1);
    const as = await asStaff(technician.staffId, technician.name);
    await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/acknowledge`, {}, as);
    await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/start`, {}, as);
    const [ack] = await Promise.all([
      post(notification(`/v1/alerts/${alert.alertId}/ack`), {}, await asStaff(level1, level1, ['on-call'], [siteId])),
      post(
        `${urls.dispatch}/v1/work-orders/${workOrderId}/resolve`,
        { notes: 'Cleared the stack, flushed the line' },
        as,
      ),
    ]);
    expect([200, 409]).toContain(ack.status);
    const settled = await eventually('the alert settled', async () => {
      const { body } = await get(notification(`/v1/alerts/${alert.alertId}`));
      return body['status'] !== 'open' ? body : undefined;
    });
    expect(settled['status']).toBe(ack.status === 200 ? 'acknowledged' : 'closed');
    const outcomesOnTimeline = async () =>
      (await timelineWith(workOrderId, [EventTypes.WorkOrderResolved])).filter(
        (e) =>
          (e.type === EventTypes.AlertAcknowledged || e.type === EventTypes.AlertClosed) &&
          e.data['alertId'] === alert.alertId,
      );
    await eventually('the outcome on the timeline', async () =>
      (await outcomesOnTimeline()).length > 0 ? true : undefined,
    );
    await sleep(1_000); // room for a second, contradicting outcome to show up, if there were one
    const final = await outcomesOnTimeline();
    expect(final.map((e) => e.type)).toEqual([
      settled['status'] === 'acknowledged' ? EventTypes.AlertAcknowledged : EventTypes.AlertClosed,
    ]);
  });

  it('delivers an escalation that fell due while the notification service was down, once it is back', async () => {
    const { siteId, level1 } = await siteOnCall();
    await stack.kill('notification');
    const workOrderId = await urgentOrder(siteId, 'Basement flooding under building 5');
    await timelineWith(workOrderId, [EventTypes.SlaEscalated]);
    await stack.startInstance('notification', 1);
    const delivered = await eventually(
      'the escalation delivered after the restart',
      async () => receiver.for(workOrderId, `/${level1}`).find((r) => r.payload.kind === 'escalation'),
      30_000,
    );
    expect(delivered.payload.level).toBe(1);
  });
});
