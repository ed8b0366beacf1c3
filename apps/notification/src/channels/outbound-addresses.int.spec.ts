import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { AlertChannelSender, DeliveryFailedError, Destination, OutgoingAlert } from './alert-channel.port';
import { DingTalkChannel } from './dingtalk.channel';
import { FeishuChannel } from './feishu.channel';
import { ANY_ADDRESS, OutboundAddressPolicy } from './outbound-addresses';
import { SlackChannel } from './slack.channel';
import { SmsChannel } from './sms.channel';
import { WebhookChannel } from './webhook.channel';
import { WeComChannel } from './wecom.channel';

// The outbound address rule at send time, against a real receiver on loopback: every sender refuses it by default
// before connecting (the receiver counts what reaches it: nothing), and a name that resolved to a public address
// when it was saved but to loopback when it is sent to (DNS rebinding) is refused at the connection itself. The
// only address anything here may connect to is 127.0.0.1.

const alert = (): OutgoingAlert => ({
  alertId: randomUUID(),
  attempt: 1,
  title: 'Escalation L2',
  text: 'Escalation L2: lift stuck',
  html: '<p>lift stuck</p>',
  markdown: 'lift stuck',
  payload: { kind: 'escalation' },
});

const failureOf = async (delivery: Promise<void>): Promise<DeliveryFailedError> => {
  const error = await delivery.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryFailedError)) throw new Error(`expected a DeliveryFailedError, got ${String(error)}`);
  return error;
};

describe('alerts to non-public addresses (send time)', () => {
  let server: Server;
  let port: number;
  let received = 0;
  const secret = `whsec_${Buffer.alloc(24, 3).toString('base64')}`;

  beforeAll(async () => {
    server = createServer((request, response) => {
      received += 1;
      request.resume();
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"errcode":0,"code":0,"StatusCode":0,"sid":"SM1"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = 0;
  });

  const senders = (addresses?: OutboundAddressPolicy): [AlertChannelSender, Destination][] => {
    const base = `http://127.0.0.1:${port}`;
    const options = addresses ? { addresses } : {};
    return [
      [
        new WebhookChannel({ now: () => new Date(), ...options }),
        { channel: 'webhook', url: `${base}/hook`, secrets: [secret] },
      ],
      [new WeComChannel(options), { channel: 'wecom', url: `${base}/cgi-bin/webhook/send?key=k` }],
      [
        new DingTalkChannel({ now: () => new Date(), ...options }),
        { channel: 'dingtalk', url: `${base}/robot/send?access_token=t` },
      ],
      [
        new FeishuChannel({ now: () => new Date(), ...options }),
        { channel: 'feishu', url: `${base}/open-apis/bot/v2/hook/x` },
      ],
      [new SlackChannel(options), { channel: 'slack', url: `${base}/services/T/B/X` }],
      [
        new SmsChannel(
          {
            baseUrl: base,
            accountSid: `AC${'0'.repeat(32)}`,
            authToken: 'token-0123456789abcdef',
            from: '+14155550100',
          },
          options,
        ),
        { channel: 'sms', phone: '+14155550123' },
      ],
    ];
  };

  it('is refused by every HTTP sender by default, for good (not retried), before any byte is sent', async () => {
    for (const [sender, destination] of senders()) {
      const failure = await failureOf(sender.send(destination, alert()));
      expect({ channel: sender.channel, retryable: failure.retryable, message: failure.message }).toEqual({
        channel: sender.channel,
        retryable: false,
        message: expect.stringContaining('loopback address, which alerts are not sent to'),
      });
    }
    expect(received).toBe(0);
  });

  it('is refused when the host is a name resolving to loopback (localhost), or an IPv6 loopback literal', async () => {
    const webhook = new WebhookChannel({ now: () => new Date() });
    for (const url of [
      `http://localhost:${port}/hook`,
      `http://[::1]:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
    ]) {
      const failure = await failureOf(webhook.send({ channel: 'webhook', url, secrets: [secret] }, alert()));
      expect(failure.retryable).toBe(false);
      expect(failure.message).toMatch(/loopback/);
    }
    expect(received).toBe(0);
  });

  it('refuses at the connection a name that resolved to a public address when saved and to loopback now (DNS rebinding)', async () => {
    let answers = 0;
    const rebinding = (_host: string, _options: unknown, callback: (error: null, addresses: LookupAddress[]) => void) =>
      // 203.0.113.10 is a documentation address: it is only ever checked, never connected to.
      callback(null, [{ address: answers++ === 0 ? '203.0.113.10' : '127.0.0.1', family: 4 }]);
    const addresses = new OutboundAddressPolicy({ allowPrivate: false, lookup: rebinding });
    await expect(addresses.check('hooks.rebind.test')).resolves.toBeUndefined();
    const failure = await failureOf(
      new WebhookChannel({ now: () => new Date(), addresses }).send(
        { channel: 'webhook', url: `http://hooks.rebind.test:${port}/hook`, secrets: [secret] },
        alert(),
      ),
    );
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining('loopback') });
    expect(received).toBe(0);
  });

  it('goes through when private addresses are allowed (OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true, as the demo and tests run)', async () => {
    for (const [sender, destination] of senders(ANY_ADDRESS)) await sender.send(destination, alert());
    expect(received).toBe(6);
  });

  it('never lends a connection kept alive under the allowance to a sender under the rule', async () => {
    const destination: Destination = { channel: 'webhook', url: `http://localhost:${port}/hook`, secrets: [secret] };
    await new WebhookChannel({ now: () => new Date(), addresses: ANY_ADDRESS }).send(destination, alert());
    const failure = await failureOf(new WebhookChannel({ now: () => new Date() }).send(destination, alert()));
    expect(failure).toMatchObject({ retryable: false, message: expect.stringContaining('loopback') });
    expect(received).toBe(1);
  });
});
