import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { IntegratorKeyStore } from '@closeloop/auth';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { Webhook } from 'standardwebhooks';
import { get, orderInStatus, post, testStackAround, urls } from './test-stack';

interface Delivery {
  readonly webhookId: string;
  readonly answered: number;
  readonly verified?: CloudEvent;
  readonly refused?: string;
}

/**
 * An integrator's receiver: each message's first attempt is answered 503, the next ones 200; every request is
 * checked with the reference `standardwebhooks` library, as any receiver would, once the secret is known.
 */
const startReceiver = async () => {
  const deliveries: Delivery[] = [];
  let verifier: Webhook | undefined;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const webhookId = String(request.headers['webhook-id']);
      const answered = deliveries.some((d) => d.webhookId === webhookId) ? 200 : 503;
      const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
      try {
        if (!verifier) throw new Error('no secret yet');
        deliveries.push({
          webhookId,
          answered,
          verified: verifier.verify(Buffer.concat(chunks).toString('utf8'), headers) as CloudEvent,
        });
      } catch (error) {
        deliveries.push({ webhookId, answered, refused: (error as Error).message });
      }
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    deliveries,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/closeloop`,
    trust: (secret: string) => (verifier = new Webhook(secret)),
    close: () => new Promise((r) => server.close(r)),
  };
};

/**
 * Issue 14 item 7, through the real services: an integrator of S1 subscribes to its site's work-order events and
 * receives them signed, after a 503 each; it and an integrator of S2 each replay their own history from the feed,
 * from the start, in the store's commit order, without the other's events.
 */
describe('integrators follow their orders: webhooks and the feed', () => {
  const stack = testStackAround('e2e-follow', { WEBHOOK_POLL_MILLIS: '100', WEBHOOK_RETRY_BASE_MILLIS: '300' });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const keys: Record<'S1' | 'S2', Record<string, string>> = { S1: {}, S2: {} };
  const orders: Record<'S1' | 'S2', string[]> = { S1: [], S2: [] };
  let subscriptionId: string;

  const report = async (site: 'S1' | 'S2', description: string) => {
    const accepted = await post(
      `${urls.intake}/v1/reports`,
      {
        siteId: site,
        building: 'B1',
        unit: randomUUID().slice(0, 8),
        channel: 'app',
        description,
        reporter: { name: 'Mr Zhao', phone: '13700001234' },
      },
      keys[site],
    );
    expect(accepted.status).toBe(202);
    orders[site].push(accepted.body['workOrderId'] as string);
    return accepted.body['workOrderId'] as string;
  };

  const readFeed = async (site: 'S1' | 'S2'): Promise<CloudEvent[]> => {
    const events: CloudEvent[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await get(`${urls.intake}/v1/feed?limit=3${after ? `&after=${after}` : ''}`, keys[site]);
      expect(page.status).toBe(200);
      const batch = page.body['events'] as CloudEvent[];
      if (batch.length === 0) return events;
      events.push(...batch);
      after = page.body['next'] as string;
    }
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    const store = new IntegratorKeyStore(stack().db.pool, () => new Date());
    for (const site of ['S1', 'S2'] as const) {
      const { apiKey } = await store.register({
        integratorId: `follow-${site.toLowerCase()}`,
        name: `${site} app`,
        sites: [site],
        eventTypes: ['*'],
      });
      keys[site] = { 'x-api-key': apiKey };
    }
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('delivers the S1 orders signed, retried after a 503, and logs them delivered', async () => {
    const created = await post(
      `${urls.notification}/v1/subscriptions`,
      { url: receiver.url, sites: ['S1'], eventTypes: ['*'] },
      keys.S1,
    );
    expect(created.status).toBe(201);
    subscriptionId = created.body['id'] as string;
    receiver.trust(created.body['secret'] as string);

    const first = await report('S1', 'Corridor light out next to the lift on floor 2');
    await report('S2', 'Gate intercom silent at the north entrance');
    const second = await report('S1', 'Dripping tap in the shared laundry');
    await orderInStatus(first, 'assigned');
    await orderInStatus(second, 'assigned');

    const wanted = [EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged, EventTypes.WorkOrderAssigned];
    const delivered = await eventually(
      'the S1 orders reported, triaged and assigned, delivered',
      async () => {
        const ok = receiver.deliveries
          .filter((d) => d.answered === 200 && d.verified)
          .map((d) => d.verified as CloudEvent);
        const covered = [first, second].every((id) =>
          wanted.every((type) => ok.some((e) => e.workorderid === id && e.type === type)),
        );
        return covered ? ok : undefined;
      },
      60_000,
    );
    expect(receiver.deliveries.filter((d) => d.refused)).toEqual([]);
    expect(delivered.every((e) => orders.S1.includes(e.workorderid as string))).toBe(true);
    // Every message was refused once with 503 and delivered on its retry, under the same webhook-id.
    for (const event of delivered)
      expect(receiver.deliveries.filter((d) => d.webhookId === event.id).map((d) => d.answered)).toEqual([503, 200]);

    const log = await get(`${urls.notification}/v1/subscriptions/${subscriptionId}/deliveries`, keys.S1);
    const entries = log.body['deliveries'] as { eventId: string; state: string; attempts: number }[];
    const ofDelivered = entries.filter((e) => delivered.some((d) => d.id === e.eventId));
    expect(ofDelivered.length).toBe(delivered.length);
    expect(ofDelivered.every((e) => e.state === 'delivered' && e.attempts === 2)).toBe(true);
    expect((await get(`${urls.notification}/v1/subscriptions/${subscriptionId}`, keys.S2)).status).toBe(404);
  });

  it("replays each integrator's history from the start in commit order, without the other site's events", async () => {
    const { rows } = await stack().db.pool.query<{ event_id: string; stream_id: string }>(
      `SELECT event_id, stream_id FROM es_events WHERE stream_id LIKE 'workorder-%'
       ORDER BY es_events.transaction_id, es_events.global_position`,
    );
    for (const site of ['S1', 'S2'] as const) {
      const mine = new Set(orders[site].map((id) => `workorder-${id}`));
      const inCommitOrder = rows.filter((r) => mine.has(r.stream_id)).map((r) => r.event_id);
      const feed = await readFeed(site);
      expect(feed.map((e) => e.id)).toEqual(inCommitOrder);
      expect(new Set(feed.map((e) => e.workorderid))).toEqual(new Set(orders[site]));
    }
    const s1 = await readFeed('S1');
    expect(s1.filter((e) => e.type === EventTypes.WorkOrderReported).map((e) => e.workorderid)).toEqual(orders.S1);
  });
});
