import { EventTypes } from '@closeloop/contracts';
import { Webhook } from 'standardwebhooks';
import { HttpReply } from '../channels/delivery-support';
import { ANY_ADDRESS } from '../channels/outbound-addresses';
import { assertSubscribable, subscriptionWants, WORK_ORDER_EVENT_TYPES } from './subscription-scope';
import { SubscriptionWebhookSender } from './subscription-webhook.sender';

/** The sender with the network taken out: it answers as the test says and keeps what would have been sent. */
class RecordingSender extends SubscriptionWebhookSender {
  sent: { url: string; body: string; headers: Record<string, string> }[] = [];
  constructor(
    private readonly reply: HttpReply,
    now: Date,
  ) {
    super({ now: () => now, addresses: ANY_ADDRESS });
  }
  protected override async postJson(
    _label: string,
    url: string | URL,
    body: string,
    headers: Record<string, string> = {},
  ) {
    this.sent.push({ url: String(url), body, headers });
    return this.reply;
  }
}

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;

describe('signing a subscription delivery', () => {
  it('signs with Standard Webhooks headers that the reference library verifies, webhook-id being the event id', async () => {
    const now = new Date();
    const sender = new RecordingSender({ status: 204, body: '' }, now);
    const body = JSON.stringify({ specversion: '1.0', id: 'e-1', type: EventTypes.WorkOrderClosed });
    expect(await sender.send('https://crm.example.com/hooks', SECRET, 'e-1', body)).toEqual({ status: 204 });
    const [request] = sender.sent;
    expect(request?.headers).toMatchObject({
      'webhook-id': 'e-1',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'content-type': 'application/cloudevents+json; charset=utf-8',
    });
    expect(new Webhook(SECRET).verify(request!.body, request!.headers)).toEqual(JSON.parse(body));
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 4).toString('base64')}`).verify(request!.body, request!.headers),
    ).toThrow();
  });

  it.each([
    [503, undefined, true, undefined],
    [429, '7', true, 7000],
    [500, undefined, true, undefined],
    [408, undefined, true, undefined],
    [404, undefined, false, undefined],
    [410, undefined, false, undefined],
    [301, undefined, false, undefined],
  ])('classes HTTP %i (Retry-After %s) as retryable %s', async (status, retryAfter, retryable, retryAfterMs) => {
    const sender = new RecordingSender(
      { status, body: 'echo of a secret', ...(retryAfter ? { retryAfter } : {}) },
      new Date(),
    );
    const { failure } = await sender.send('https://crm.example.com/hooks', SECRET, 'e-2', '{}');
    expect([failure?.retryable, failure?.retryAfterMs]).toEqual([retryable, retryAfterMs]);
    expect(failure?.message).not.toContain('echo');
  });

  it('fails for good, sending nothing, when the secret cannot sign', async () => {
    const sender = new RecordingSender({ status: 200, body: '' }, new Date());
    const { failure } = await sender.send('https://crm.example.com/hooks', 'whsec_', 'e-3', '{}');
    expect(failure?.retryable).toBe(false);
    expect(sender.sent).toEqual([]);
  });
});

describe('what an integrator may subscribe to', () => {
  const key = { integratorId: 'crm', sites: ['S1', 'S3'] };
  const request = (sites: string[], eventTypes: string[]) => ({ url: 'https://crm.example.com/', sites, eventTypes });

  it("takes work-order types (or '*') of the key's sites", () => {
    expect(() => assertSubscribable(key, request(['S1', 'S3'], ['*']))).not.toThrow();
    expect(() => assertSubscribable(key, request(['S1'], [EventTypes.WorkOrderResolved]))).not.toThrow();
    expect(WORK_ORDER_EVENT_TYPES).toContain(EventTypes.WorkOrderReported);
    expect(WORK_ORDER_EVENT_TYPES).not.toContain(EventTypes.SlaBreached);
  });

  it("refuses another site, '*' for a key without every site, and SLA or alert types as outside the scope", () => {
    expect(() => assertSubscribable(key, request(['S2'], ['*']))).toThrow(
      expect.objectContaining({ code: 'SITE_NOT_ALLOWED' }),
    );
    expect(() => assertSubscribable(key, request(['*'], ['*']))).toThrow(
      expect.objectContaining({ code: 'SITE_NOT_ALLOWED' }),
    );
    expect(() => assertSubscribable({ ...key, sites: ['*'] }, request(['*'], ['*']))).not.toThrow();
    expect(() => assertSubscribable(key, request(['S1'], [EventTypes.AlertRaised]))).toThrow(
      expect.objectContaining({ code: 'EVENT_TYPE_NOT_ALLOWED' }),
    );
    expect(() => assertSubscribable(key, request(['S1'], ['closeloop.nothing.v1']))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it("delivers an event only for a site both the subscription and the integrator's scope today cover", () => {
    const subscription = { sites: ['S1'], eventTypes: [EventTypes.WorkOrderClosed] };
    expect(subscriptionWants(subscription, ['S1'], 'S1', EventTypes.WorkOrderClosed)).toBe(true);
    expect(subscriptionWants(subscription, ['S1'], 'S1', EventTypes.WorkOrderReported)).toBe(false);
    expect(subscriptionWants(subscription, ['S1'], 'S2', EventTypes.WorkOrderClosed)).toBe(false);
    // The key lost S1 after subscribing: nothing more goes out for it.
    expect(subscriptionWants(subscription, ['S3'], 'S1', EventTypes.WorkOrderClosed)).toBe(false);
    expect(subscriptionWants({ sites: ['*'], eventTypes: ['*'] }, ['*'], 'S9', EventTypes.WorkOrderReported)).toBe(
      true,
    );
  });
});
