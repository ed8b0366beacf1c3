import 'reflect-metadata';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { callJson, eventually, useSuiteResource } from '@closeloop/testing';
import { Webhook } from 'standardwebhooks';
import { OutboundAddressPolicy } from '../channels/outbound-addresses';
import { startNotificationUnderTest } from '../notification-under-test.spec';
import { SubscriptionWebhookSender } from './subscription-webhook.sender';

/**
 * A receiver as an integrator runs one: answers each message on a path by a script (503 first, then 200...), and
 * records every request.
 */
const startScriptedReceiver = async () => {
  const requests: { path: string; headers: IncomingMessage['headers']; body: string; answered: number }[] = [];
  const scripts = new Map<string, number[]>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '/';
      const script = scripts.get(path) ?? [];
      // Each message (webhook-id) goes through the script from its start, as each delivery is retried on its own.
      const id = request.headers['webhook-id'];
      const seen = requests.filter((r) => r.path === path && r.headers['webhook-id'] === id).length;
      const status = script[Math.min(seen, script.length - 1)] ?? 200;
      requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    requests,
    /** The statuses a path answers in turn; the last one from then on. */
    script: (path: string, statuses: number[]) => scripts.set(path, statuses),
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    port,
    close: () => new Promise((r) => server.close(r)),
  };
};

/** A scripted receiver of the describe block's own, listening while its tests run. */
const useScriptedReceiver = () =>
  useSuiteResource('the receiver', startScriptedReceiver, (receiver) => receiver.close());

/** The notification service of the describe block's own, with these settings over the fixture's. */
const useNotificationService = (label: string, env: Record<string, string>) =>
  useSuiteResource(
    'the notification service',
    () => startNotificationUnderTest(label, env),
    (service) => service.stop(),
  );

describe('integrators webhook subscriptions', () => {
  const receiver = useScriptedReceiver();
  const service = useNotificationService('notification-subscriptions', { WEBHOOK_MAX_ATTEMPTS: '3' });
  let s1Key: string;
  let s2Key: string;

  const call = (method: string, path: string, apiKey: string, body?: unknown) =>
    callJson(service.baseUrl, method, path, { 'x-api-key': apiKey }, body);
  const subscribe = (apiKey: string, body: unknown) => call('POST', '/v1/subscriptions', apiKey, body);

  beforeAll(async () => {
    s1Key = await service.registerIntegrator({ integratorId: 'subs-s1', name: 'S1 CRM', sites: ['S1'] });
    s2Key = await service.registerIntegrator({ integratorId: 'subs-s2', name: 'S2 app', sites: ['S2'] });
  });

  it("delivers its sites' work-order events signed, retries after a 503, and logs each delivery", async () => {
    receiver.script('/s1', [503, 200]);
    const created = await subscribe(s1Key, { url: receiver.url('/s1'), sites: ['S1'], eventTypes: ['*'] });
    expect(created.status).toBe(201);
    const secret = created.body['secret'] as string;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.body['id'] as string;

    const mine = await service.report('S1', 'Lift stuck between floors 3 and 4', 'urgent');
    const theirs = await service.report('S2', 'Lift stuck on the ground floor', 'urgent');
    const verifier = new Webhook(secret);
    const delivered = await eventually('both events of the S1 order delivered after a 503 each', async () => {
      const ok = receiver.requests.filter((r) => r.path === '/s1' && r.answered === 200);
      return ok.length >= 2 ? ok : undefined;
    });
    // Webhooks promise no order (retries overtake); each event carries its place in the log, `sequence`.
    const events = delivered
      .map((r) => {
        const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, String(v)]));
        return { event: verifier.verify(r.body, headers) as CloudEvent, id: r.headers['webhook-id'] };
      })
      .sort((a, b) => Number(a.event.sequence) - Number(b.event.sequence));
    expect(events.map(({ event }) => [event.type, event.workorderid])).toEqual([
      [EventTypes.WorkOrderReported, mine],
      [EventTypes.WorkOrderTriaged, mine],
    ]);
    expect(events.map(({ id }) => id)).toEqual(events.map(({ event }) => event.id));
    expect(delivered[0]?.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
    // The first attempt of each was refused with 503 and carried the same webhook-id as its retry.
    const failed = receiver.requests.filter((r) => r.path === '/s1' && r.answered === 503);
    expect(failed.map((r) => r.headers['webhook-id'])).toContain(events[0]?.event.id);
    expect(receiver.requests.some((r) => r.body.includes(theirs))).toBe(false);

    const log = await eventually('the delivery log shows both delivered', async () => {
      const { body } = await call('GET', `/v1/subscriptions/${id}/deliveries`, s1Key);
      const entries = body['deliveries'] as { eventId: string; state: string; attempts: number; lastStatus: number }[];
      return entries.length === 2 && entries.every((e) => e.state === 'delivered') ? entries : undefined;
    });
    expect(log.map((e) => [e.state, e.attempts, e.lastStatus])).toEqual([
      ['delivered', 2, 200],
      ['delivered', 2, 200],
    ]);
  });

  it('gives a delivery up as dead after the last attempt, and at once for a 4xx', async () => {
    receiver.script('/down', [500]);
    receiver.script('/gone', [410]);
    const down = await subscribe(s2Key, {
      url: receiver.url('/down'),
      sites: ['S2'],
      eventTypes: [EventTypes.WorkOrderReported],
    });
    const gone = await subscribe(s2Key, { url: receiver.url('/gone'), sites: ['S2'], eventTypes: ['*'] });
    expect([down.status, gone.status]).toEqual([201, 201]);
    await service.report('S2', 'Water leaking into the car park');
    const logOf = async (id: string) =>
      (await call('GET', `/v1/subscriptions/${id}/deliveries`, s2Key)).body['deliveries'] as {
        state: string;
        attempts: number;
        lastStatus: number;
        lastError: string;
      }[];
    const dead = await eventually('the 500s end dead after 3 attempts', async () => {
      const [entry] = await logOf(down.body['id'] as string);
      return entry?.state === 'dead' ? entry : undefined;
    });
    expect([dead.attempts, dead.lastStatus]).toEqual([3, 500]);
    const refused = await eventually('the 410 is dead at once', async () => {
      const [entry] = await logOf(gone.body['id'] as string);
      return entry?.state === 'dead' ? entry : undefined;
    });
    expect([refused.attempts, refused.lastStatus]).toEqual([1, 410]);
  });

  it("keeps to the key's scope: sites and types outside it are 403, unknown types 422, others' subscriptions 404", async () => {
    const url = receiver.url('/scope');
    const otherSite = await subscribe(s1Key, { url, sites: ['S2'], eventTypes: ['*'] });
    expect([otherSite.status, otherSite.body['code']]).toEqual([403, 'SITE_NOT_ALLOWED']);
    const everySite = await subscribe(s1Key, { url, sites: ['*'], eventTypes: ['*'] });
    expect([everySite.status, everySite.body['code']]).toEqual([403, 'SITE_NOT_ALLOWED']);
    const slaType = await subscribe(s1Key, { url, sites: ['S1'], eventTypes: [EventTypes.SlaBreached] });
    expect([slaType.status, slaType.body['code']]).toEqual([403, 'EVENT_TYPE_NOT_ALLOWED']);
    const unknown = await subscribe(s1Key, { url, sites: ['S1'], eventTypes: ['closeloop.nothing.v1'] });
    expect([unknown.status, unknown.body['code']]).toEqual([422, 'VALIDATION_FAILED']);
    const ftp = await subscribe(s1Key, { url: 'ftp://example.com/', sites: ['S1'], eventTypes: ['*'] });
    expect(ftp.status).toBe(422);

    const own = await subscribe(s1Key, { url, sites: ['S1'], eventTypes: [EventTypes.WorkOrderClosed] });
    const id = own.body['id'] as string;
    const listed = await call('GET', '/v1/subscriptions', s1Key);
    const ids = (listed.body['subscriptions'] as { id: string }[]).map((s) => s.id);
    expect(ids).toContain(id);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    const othersList = await call('GET', '/v1/subscriptions', s2Key);
    expect((othersList.body['subscriptions'] as { id: string }[]).map((s) => s.id)).not.toContain(id);
    expect((await call('GET', `/v1/subscriptions/${id}`, s2Key)).status).toBe(404);
    expect((await call('GET', `/v1/subscriptions/${id}/deliveries`, s2Key)).status).toBe(404);
    expect((await call('DELETE', `/v1/subscriptions/${id}`, s2Key)).status).toBe(404);
    expect((await call('GET', `/v1/subscriptions/${id}`, s1Key)).body).toMatchObject({ id, sites: ['S1'] });
    expect((await call('DELETE', `/v1/subscriptions/${id}`, s1Key)).status).toBe(204);
    expect((await call('GET', `/v1/subscriptions/${id}`, s1Key)).status).toBe(404);
    expect((await call('GET', `/v1/subscriptions/${randomUUID()}`, s1Key)).status).toBe(404);
  });
});

describe('webhook subscriptions and the outbound address rule (SSRF)', () => {
  const receiver = useScriptedReceiver();
  const service = useNotificationService('notification-subscriptions-ssrf', {
    OUTBOUND_ALLOW_PRIVATE_ADDRESSES: 'false',
  });
  let apiKey: string;

  beforeAll(async () => {
    apiKey = await service.registerIntegrator({ integratorId: 'subs-ssrf', name: 'SSRF', sites: ['S1'] });
  });

  it.each([
    ['a loopback address', 'http://127.0.0.1:9/hook'],
    ['a name that resolves to loopback', 'http://localhost:9/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['a private address', 'http://10.0.0.5/hook'],
    ['a loopback IPv6 address', 'http://[::1]:9/hook'],
  ])('refuses to subscribe %s', async (_what, url) => {
    const response = await fetch(`${service.baseUrl}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url, sites: ['S1'], eventTypes: ['*'] }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    expect([response.status, body['code']]).toEqual([422, 'DESTINATION_ADDRESS_NOT_ALLOWED']);
  });

  it('refuses at delivery a public-looking name that now resolves to 127.0.0.1, and sends nothing there', async () => {
    // DNS rebinding: the name was public when subscribed; at delivery it answers 127.0.0.1.
    const rebinding = new OutboundAddressPolicy({
      allowPrivate: false,
      lookup: (_host, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 } as LookupAddress]),
    });
    const sender = new SubscriptionWebhookSender({ now: () => new Date(), timeoutMs: 2_000, addresses: rebinding });
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const outcome = await sender.send(
      `http://hooks.example.com:${receiver.port}/rebound`,
      secret,
      randomUUID(),
      '{"specversion":"1.0"}',
    );
    expect(outcome.status).toBeUndefined();
    expect([outcome.failure?.retryable, outcome.failure?.message]).toEqual([
      false,
      expect.stringMatching(/loopback address/),
    ]);
    expect(receiver.requests).toEqual([]);
  });
});
