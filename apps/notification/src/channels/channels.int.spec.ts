import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, IncomingHttpHeaders, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { useSuiteResource } from '@closeloop/testing';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DeliveryFailedError, Destination, describeDestination, OutgoingAlert } from './alert-channel.port';
import { createChannelSenders } from './channel-registry';
import { DingTalkChannel } from './dingtalk.channel';
import { EmailChannel } from './email.channel';
import { FeishuChannel } from './feishu.channel';
import { SlackChannel } from './slack.channel';
import { SmsChannel } from './sms.channel';
import { WebhookChannel } from './webhook.channel';
import { WeComChannel } from './wecom.channel';
import { ANY_ADDRESS } from './outbound-addresses';

// Every channel against a real server on loopback: the reference Standard Webhooks library as the receiver, robot
// endpoints that answer like WeCom, DingTalk, Feishu and Slack do, a real SMTP server and a Twilio-shaped API. The
// receivers are on loopback, which the outbound address rule refuses in production: these senders allow it
// (ANY_ADDRESS, as OUTBOUND_ALLOW_PRIVATE_ADDRESSES=true does); outbound-addresses.int.spec.ts tests the rule.

// ── Loopback receivers ──────────────────────────────────────────────────────────────────────────────────

interface Received {
  readonly method: string;
  readonly url: URL;
  /** The path and query exactly as sent, before any decoding. */
  readonly rawTarget: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}
type Responder = (request: Received, response: ServerResponse) => void;

const reply = (response: ServerResponse, status: number, body: unknown = '', contentType = 'application/json') => {
  response.writeHead(status, { 'content-type': contentType });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const startReceiver = async () => {
  const received: Received[] = [];
  let respond: Responder = (_request, response) => reply(response, 204);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        method: request.method ?? '',
        url: new URL(request.url ?? '/', 'http://127.0.0.1'),
        rawTarget: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      respond(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    last: (): Received => {
      const entry = received[received.length - 1];
      if (!entry) throw new Error('the receiver got no request');
      return entry;
    },
    answer: (next: Responder) => {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
/** A receiver of the describe block's own, listening while its tests run. */
const useReceiver = () => useSuiteResource('the receiver', startReceiver, (receiver) => receiver.close());

interface SignedRobot {
  readonly channel: 'dingtalk' | 'feishu';
  /** The webhook's path and query on the receiver. */
  readonly path: string;
  readonly secret: string;
  /** The instant the sender signs at. */
  readonly at: Date;
}

/**
 * A robot that signs its webhook with a secret (加签, as DingTalk and Feishu do), on a receiver of the describe
 * block's own: its sender, and its destination with the secret or, given false, without it.
 */
const useSignedRobot = (Channel: typeof DingTalkChannel | typeof FeishuChannel, robot: SignedRobot) => {
  const receiver = useReceiver();
  const sender = new Channel({ now: () => robot.at, timeoutMs: 2_000, addresses: ANY_ADDRESS });
  const destination = (withSecret = true): Destination => ({
    channel: robot.channel,
    url: `${receiver.base}${robot.path}`,
    ...(withSecret ? { secret: robot.secret } : {}),
  });
  return { receiver, sender, destination };
};

/** A port that was just free: nothing listens there, so connecting is refused. */
const closedPort = async (): Promise<number> => {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** Accepts connections and never says a word. */
const startSilentServer = async () => {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

const failureOf = async (delivery: Promise<void>): Promise<DeliveryFailedError> => {
  try {
    await delivery;
  } catch (error) {
    if (error instanceof DeliveryFailedError) return error;
    throw error;
  }
  throw new Error('expected the delivery to fail');
};

const expectNoneOf = (text: string, secrets: readonly string[]) => {
  for (const secret of secrets) expect(text).not.toContain(secret);
};

// ── Fixtures ────────────────────────────────────────────────────────────────────────────────────────────

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

const anAlert = (overrides: Partial<OutgoingAlert> = {}): OutgoingAlert => {
  const alertId = overrides.alertId ?? randomUUID();
  return {
    alertId,
    attempt: 1,
    title: 'Escalation L2: WO-20260301-0007 lift stuck',
    text: 'Escalation L2: WO-20260301-0007 lift stuck\nBlock 3 lift, first response overdue by 15 min.',
    html: '<p><b>Lift stuck</b> at Block 3</p>',
    markdown:
      '## Escalation L2: WO-20260301-0007\n**Lift stuck** at Block 3, first response overdue by 15 min.\n' +
      '[Open the order](https://query.example.com/orders/WO-20260301-0007)',
    payload: {
      type: 'closeloop.alert.escalation.v1',
      alertId,
      workOrderId: 'WO-20260301-0007',
      level: 2,
      title: '电梯困人',
    },
    ...overrides,
  };
};

const SHORT_TIMEOUT_MS = 300;

// ── Webhook (Standard Webhooks) ─────────────────────────────────────────────────────────────────────────

describe('webhook channel, verified by the reference standardwebhooks library', () => {
  const receiver = useReceiver();
  const currentSecret = whsec();
  const previousSecret = whsec();
  const sender = new WebhookChannel({ now: () => new Date(), timeoutMs: 2_000, addresses: ANY_ADDRESS });

  /** The receiver holds `accepted` and answers 204 only to a request that verifies with one of them. */
  const acceptOnly = (...accepted: string[]) =>
    receiver.answer((request, response) => {
      const verifies = accepted.some((secret) => {
        try {
          new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      reply(response, verifies ? 204 : 401);
    });

  const destination = (secrets: string[]): Destination => ({
    channel: 'webhook',
    url: `${receiver.base}/hooks/closeloop?tenant=t1`,
    secrets,
  });

  it('delivers the payload as JSON with webhook-id, webhook-timestamp and a signature that verifies', async () => {
    acceptOnly(currentSecret);
    const alert = anAlert();
    const before = Math.floor(Date.now() / 1000);
    await sender.send(destination([currentSecret]), alert);

    const request = receiver.last();
    expect(request.method).toBe('POST');
    expect(request.url.pathname).toBe('/hooks/closeloop');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['webhook-id']).toBe(alert.alertId);
    expect(Number(request.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    expect(request.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(currentSecret).verify(request.body, request.headers as Record<string, string>)).toEqual(
      alert.payload,
    );
  });

  it('signs with every secret during a rotation, so a receiver holding either one verifies', async () => {
    const secrets = [currentSecret, previousSecret];
    acceptOnly(previousSecret);
    await sender.send(destination(secrets), anAlert());
    acceptOnly(currentSecret);
    await sender.send(destination(secrets), anAlert());
    expect(String(receiver.last().headers['webhook-signature']).split(' ')).toHaveLength(2);
  });

  it('is caught by the receiver when the body is tampered with', async () => {
    acceptOnly(currentSecret);
    await sender.send(destination([currentSecret]), anAlert());
    const request = receiver.last();
    const tampered = request.body.replace('"level":2', '"level":1');
    expect(tampered).not.toBe(request.body);
    expect(() => new Webhook(currentSecret).verify(tampered, request.headers as Record<string, string>)).toThrow(
      WebhookVerificationError,
    );
  });

  it('fails for good when the receiver holds none of the secrets (401)', async () => {
    acceptOnly(whsec());
    const failure = await failureOf(sender.send(destination([currentSecret]), anAlert()));
    expect(failure.retryable).toBe(false);
    expect(failure.message).toBe(`webhook to ${describeDestination(destination([currentSecret]))}: HTTP 401`);
    expectNoneOf(failure.message, [currentSecret, currentSecret.slice(6), 'tenant=t1', '/hooks']);
  });

  it('keeps webhook-id across attempts (the receiver deduplicates on it) while each attempt has its own timestamp', async () => {
    // A fixed clock far from now would fail the reference library's replay check, so this receiver accepts anything.
    receiver.answer((_request, response) => reply(response, 204));
    const alert = anAlert();
    let clock = new Date('2026-03-01T08:00:00Z');
    const clocked = new WebhookChannel({ now: () => clock, addresses: ANY_ADDRESS });
    await clocked.send(destination([currentSecret]), alert);
    const first = receiver.last().headers;
    clock = new Date('2026-03-01T08:00:30Z');
    await clocked.send(destination([currentSecret]), { ...alert, attempt: 2 });
    const second = receiver.last().headers;
    expect(second['webhook-id']).toBe(first['webhook-id']);
    expect(first['webhook-timestamp']).toBe('1772352000');
    expect(second['webhook-timestamp']).toBe('1772352030');
  });
});

// ── HTTP failure classification ─────────────────────────────────────────────────────────────────────────

describe('HTTP failures', () => {
  const receiver = useReceiver();
  const secret = whsec();
  const sender = new WebhookChannel({ now: () => new Date(), timeoutMs: SHORT_TIMEOUT_MS, addresses: ANY_ADDRESS });
  const destination = (): Destination => ({
    channel: 'webhook',
    url: `${receiver.base}/in?token=query-secret-value`,
    secrets: [secret],
  });

  it.each([
    [500, true],
    [502, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [404, false],
    [410, false],
    [413, false],
  ])('HTTP %i → retryable %s', async (status, retryable) => {
    receiver.answer((_request, response) => reply(response, status, { error: `echo ${secret}` }));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toBe(`webhook to ${describeDestination(destination())}: HTTP ${status}`);
    expectNoneOf(failure.message, [secret, 'query-secret-value']);
  });

  it('does not follow a redirect, and fails for good: the URL has to be updated', async () => {
    const elsewhere = await startReceiver();
    try {
      receiver.answer((_request, response) => {
        response.writeHead(307, { location: `${elsewhere.base}/stolen` });
        response.end();
      });
      const failure = await failureOf(sender.send(destination(), anAlert()));
      expect(failure.retryable).toBe(false);
      expect(failure.message).toMatch(/HTTP 307, a redirect/);
      expect(elsewhere.received).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('a server that never answers → retryable, after the timeout', async () => {
    receiver.answer(() => undefined);
    const started = Date.now();
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(true);
    expect(failure.message).toBe(
      `webhook to ${describeDestination(destination())}: no answer within ${SHORT_TIMEOUT_MS} ms`,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a refused connection → retryable, naming only the error code', async () => {
    const port = await closedPort();
    const failure = await failureOf(
      sender.send(
        { channel: 'webhook', url: `http://127.0.0.1:${port}/in?token=query-secret-value`, secrets: [secret] },
        anAlert(),
      ),
    );
    expect(failure.retryable).toBe(true);
    expect(failure.message).toBe(`webhook to 127.0.0.1:${port}: network error (ECONNREFUSED)`);
  });
});

// ── Chat robots ─────────────────────────────────────────────────────────────────────────────────────────

describe('WeCom group robot', () => {
  const receiver = useReceiver();
  const key = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa';
  const sender = new WeComChannel({ timeoutMs: 2_000, addresses: ANY_ADDRESS });
  const destination = (): Destination => ({
    channel: 'wecom',
    url: `${receiver.base}/cgi-bin/webhook/send?key=${key}`,
  });

  it('posts {msgtype: "markdown", markdown: {content}} to the robot URL', async () => {
    receiver.answer((_request, response) => reply(response, 200, { errcode: 0, errmsg: 'ok' }));
    const alert = anAlert();
    await sender.send(destination(), alert);
    const request = receiver.last();
    expect(request.url.pathname).toBe('/cgi-bin/webhook/send');
    expect(request.url.searchParams.get('key')).toBe(key);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual({ msgtype: 'markdown', markdown: { content: alert.markdown } });
  });

  it("keeps markdown within WeCom's 4096 bytes", async () => {
    receiver.answer((_request, response) => reply(response, 200, { errcode: 0, errmsg: 'ok' }));
    await sender.send(destination(), anAlert({ markdown: '报修'.repeat(2000) }));
    const content = (JSON.parse(receiver.last().body) as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content, 'utf8')).toBeLessThanOrEqual(4096);
  });

  it.each([
    [93000, `invalid webhook url, hint: [1772352000_0], key ${key}`, false],
    [40008, 'invalid message type', false],
    [45009, 'api freq out of limit', true],
    [-1, 'system busy', true],
  ])('HTTP 200 with errcode %i (%s) → failed, retryable %s', async (errcode, errmsg, retryable) => {
    receiver.answer((_request, response) => reply(response, 200, { errcode, errmsg }));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toContain(`wecom to ${describeDestination(destination())}: error ${errcode}`);
    expectNoneOf(failure.message, [key]);
  });

  it('HTTP 200 without a result code cannot count as delivered', async () => {
    receiver.answer((_request, response) => reply(response, 200, '<html>captive portal</html>', 'text/html'));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/without the robot's result code/);
  });
});

describe('DingTalk custom robot', () => {
  const accessToken = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
  const secret = 'SEC3f4e5d6c7b8a99887766554433221100ffeeddccbbaa';
  const at = new Date('2026-03-01T08:00:00.123Z');
  const path = `/robot/send?access_token=${accessToken}`;
  const { receiver, sender, destination } = useSignedRobot(DingTalkChannel, { channel: 'dingtalk', path, secret, at });
  const ok = () => receiver.answer((_request, response) => reply(response, 200, { errcode: 0, errmsg: 'ok' }));

  it('signs with 加签 as DingTalk documents it, checked by recomputing the signature here', async () => {
    ok();
    const alert = anAlert();
    await sender.send(destination(), alert);
    const request = receiver.last();

    // DingTalk: timestamp in ms; sign = urlEncode(base64(HmacSHA256(key = secret, "timestamp\nsecret"))).
    const timestamp = request.url.searchParams.get('timestamp');
    expect(timestamp).toBe(String(at.getTime()));
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    expect(request.url.searchParams.get('sign')).toBe(expected);
    expect(request.rawTarget).toContain(`&sign=${encodeURIComponent(expected)}`);
    expect(request.url.searchParams.get('access_token')).toBe(accessToken);

    expect(JSON.parse(request.body)).toEqual({
      msgtype: 'markdown',
      markdown: { title: alert.title, text: alert.markdown },
    });
  });

  it('sends no timestamp or sign without a secret', async () => {
    ok();
    await sender.send(destination(false), anAlert());
    const { searchParams } = receiver.last().url;
    expect(searchParams.has('timestamp')).toBe(false);
    expect(searchParams.has('sign')).toBe(false);
  });

  it.each([
    [310000, 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]', false],
    [300001, 'token is not exist', false],
    [130101, 'send too fast, exceed 20 times per minute', true],
  ])('HTTP 200 with errcode %i (%s) → failed, retryable %s', async (errcode, errmsg, retryable) => {
    receiver.answer((_request, response) => reply(response, 200, { errcode, errmsg }));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toContain(
      `dingtalk to ${describeDestination(destination())}: error ${errcode} ${errmsg.slice(0, 10)}`,
    );
    expectNoneOf(failure.message, [accessToken, secret]);
  });

  it('takes a throttling redirect as a rate limit', async () => {
    receiver.answer((_request, response) => {
      response.writeHead(302, { location: 'https://www.dingtalk.com/' });
      response.end();
    });
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(true);
  });
});

describe('Feishu custom bot', () => {
  const hookId = '0f0e1d2c-3b4a-5968-7786-95a4b3c2d1e0';
  const secret = 'qWn2ZPJtYxEn0dVmL9o7Xc';
  const { receiver, sender, destination } = useSignedRobot(FeishuChannel, {
    channel: 'feishu',
    path: `/open-apis/bot/v2/hook/${hookId}`,
    secret,
    // Signed in seconds: the sign below is of 1772352000, the milliseconds dropped.
    at: new Date('2026-03-01T08:00:00.999Z'),
  });
  const ok = () => receiver.answer((_request, response) => reply(response, 200, { code: 0, data: {}, msg: 'success' }));

  it('puts timestamp and sign in the body as Feishu documents it, checked by recomputing the sign here', async () => {
    ok();
    const alert = anAlert();
    await sender.send(destination(), alert);
    const body = JSON.parse(receiver.last().body) as Record<string, unknown>;

    // Feishu: timestamp in seconds; sign = base64(HmacSHA256(key = "timestamp\nsecret", message = "")).
    expect(body['timestamp']).toBe('1772352000');
    const expected = createHmac('sha256', `${body['timestamp']}\n${secret}`).update('').digest('base64');
    expect(body['sign']).toBe(expected);
    expect(body['msg_type']).toBe('text');
    expect(body['content']).toEqual({ text: alert.text });
  });

  it('leads the text with the title when the text does not, and sends no sign without a secret', async () => {
    ok();
    await sender.send(destination(false), anAlert({ text: 'Block 3 lift.' }));
    const body = JSON.parse(receiver.last().body) as Record<string, unknown>;
    expect(body).toEqual({
      msg_type: 'text',
      content: { text: 'Escalation L2: WO-20260301-0007 lift stuck\nBlock 3 lift.' },
    });
  });

  it('accepts the older {StatusCode: 0} success reply', async () => {
    receiver.answer((_request, response) => reply(response, 200, { StatusCode: 0, StatusMessage: 'success' }));
    await expect(sender.send(destination(), anAlert())).resolves.toBeUndefined();
  });

  it.each([
    [200, 19021, 'sign match fail or timestamp is not within one hour from current time', false],
    [200, 19024, 'Key Words Not Found', false],
    [400, 11232, 'frequency limited', true],
  ])('HTTP %i with code %i (%s) → failed, retryable %s', async (status, code, msg, retryable) => {
    receiver.answer((_request, response) => reply(response, status, { code, data: {}, msg }));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toContain(`feishu to ${describeDestination(destination())}: error ${code}`);
    expectNoneOf(failure.message, [hookId, secret]);
  });
});

describe('Slack incoming webhook', () => {
  const receiver = useReceiver();
  const sender = new SlackChannel({ timeoutMs: 2_000, addresses: ANY_ADDRESS });
  const destination = (): Destination => ({
    channel: 'slack',
    url: `${receiver.base}/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX`,
  });

  it('posts the title as fallback text and the markdown, converted to mrkdwn, as section blocks', async () => {
    receiver.answer((_request, response) => reply(response, 200, 'ok', 'text/plain'));
    const alert = anAlert();
    await sender.send(destination(), alert);
    expect(JSON.parse(receiver.last().body)).toEqual({
      text: alert.title,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text:
              '*Escalation L2: WO-20260301-0007*\n*Lift stuck* at Block 3, first response overdue by 15 min.\n' +
              '<https://query.example.com/orders/WO-20260301-0007|Open the order>',
          },
        },
      ],
    });
  });

  it.each([
    [404, 'channel_not_found', false],
    [410, 'channel_is_archived', false],
    [403, 'action_prohibited', false],
    [429, 'rate_limited', true],
  ])('HTTP %i %s → retryable %s', async (status, token, retryable) => {
    receiver.answer((_request, response) => reply(response, status, token, 'text/plain'));
    const failure = await failureOf(sender.send(destination(), anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toBe(`slack to ${describeDestination(destination())}: HTTP ${status} (${token})`);
    expectNoneOf(failure.message, ['XXXXXXXX', 'T0001']);
  });
});

// ── SMS (Twilio) ────────────────────────────────────────────────────────────────────────────────────────

describe('SMS through a Twilio-shaped API', () => {
  const receiver = useReceiver();
  const accountSid = `AC${'a1b2c3d4'.repeat(4)}`;
  const authToken = 'twilio-auth-token-0123456789';
  const phone = '+8613800138000';
  const sender = () =>
    new SmsChannel(
      { baseUrl: `${receiver.base}/`, accountSid, authToken, from: '+14155550100' },
      { timeoutMs: 2_000, addresses: ANY_ADDRESS },
    );
  const destination: Destination = { channel: 'sms', phone };

  it("POSTs To, From and Body form-encoded to the account's Messages.json with Basic auth", async () => {
    receiver.answer((_request, response) => reply(response, 201, { sid: `SM${'0'.repeat(32)}`, status: 'queued' }));
    const alert = anAlert();
    await sender().send(destination, alert);
    const request = receiver.last();
    expect(request.url.pathname).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`);
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);
    const form = new URLSearchParams(request.body);
    expect(form.get('To')).toBe(phone);
    expect(form.get('From')).toBe('+14155550100');
    expect(form.get('Body')).toBe(alert.text);
  });

  it('cuts the body to 320 characters', async () => {
    receiver.answer((_request, response) => reply(response, 201, { sid: 'SM1' }));
    await sender().send(
      destination,
      anAlert({ text: `Escalation L2: WO-20260301-0007 lift stuck ${'电梯'.repeat(400)}` }),
    );
    const body = new URLSearchParams(receiver.last().body).get('Body') ?? '';
    expect(Array.from(body)).toHaveLength(320);
    expect(body.endsWith('…')).toBe(true);
  });

  it.each([
    [400, 21211, false],
    [401, 20003, false],
    [429, 20429, true],
    [500, 20500, true],
  ])('HTTP %i (Twilio %i) → retryable %s, without the number or the token', async (status, code, retryable) => {
    receiver.answer((_request, response) =>
      reply(response, status, { code, message: `The 'To' number ${phone} is not a valid phone number.`, status }),
    );
    const failure = await failureOf(sender().send(destination, anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toBe(`sms to ****8000: HTTP ${status} (Twilio error ${code})`);
    expectNoneOf(failure.message, [phone, '13800138000', authToken, accountSid]);
  });
});

// ── E-mail (SMTP) ───────────────────────────────────────────────────────────────────────────────────────

interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

const startSmtp = async (options: SMTPServerOptions = {}) => {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ...(session.user ? { user: String(session.user) } : {}),
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

const smtpRejection = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

describe('e-mail over SMTP', () => {
  const address = 'li.lei@property.example.cn';
  const destination: Destination = { channel: 'email', address };
  const servers: { close: () => Promise<void> }[] = [];
  const channels: EmailChannel[] = [];
  const emailTo = (port: number, extra: { user?: string; pass?: string } = {}, timeoutMs = 2_000) => {
    const channel = new EmailChannel(
      { host: '127.0.0.1', port, secure: false, from: 'Closeloop Alerts <alerts@closeloop.example>', ...extra },
      { timeoutMs },
    );
    channels.push(channel);
    return channel;
  };
  const smtp = async (options: SMTPServerOptions = {}) => {
    const server = await startSmtp(options);
    servers.push(server);
    return server;
  };

  afterAll(async () => {
    for (const channel of channels) channel.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  it('sends the title as subject with text and html alternatives, and a Message-ID derived from the alert', async () => {
    const server = await smtp();
    const alert = anAlert();
    await emailTo(server.port).send(destination, alert);

    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail?.from).toBe('alerts@closeloop.example');
    expect(mail?.to).toEqual([address]);
    const raw = mail?.raw ?? '';
    expect(raw).toContain(`Subject: ${alert.title}`);
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Type: text\/plain/);
    expect(raw).toMatch(/Content-Type: text\/html/);
    expect(raw).toContain('Block 3 lift, first response overdue by 15 min.');
    expect(raw).toContain('<p><b>Lift stuck</b> at Block 3</p>');
    expect(raw).toContain(`Message-ID: <alert-${alert.alertId}@closeloop.example>`);
    expect(raw).toMatch(new RegExp(`^X-Closeloop-Alert-Id: ${alert.alertId}$`, 'im'));
  });

  it('authenticates when a user is configured', async () => {
    const server = await smtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'alerts' && auth.password === 'smtp-password-1') callback(null, { user: auth.username });
        else callback(smtpRejection(535, 'Authentication credentials invalid'));
      },
    });
    await emailTo(server.port, { user: 'alerts', pass: 'smtp-password-1' }).send(destination, anAlert());
    expect(server.mails[0]?.user).toBe('alerts');

    const failure = await failureOf(
      emailTo(server.port, { user: 'alerts', pass: 'wrong-password-2' }).send(destination, anAlert()),
    );
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/SMTP 535/);
    expectNoneOf(failure.message, ['wrong-password-2', 'smtp-password-1']);
  });

  it.each([
    [451, '4.3.0 Mailbox temporarily unavailable', true],
    [452, '4.2.2 Mailbox full', true],
    [550, '5.1.1 Mailbox does not exist', false],
    [553, '5.1.3 Mailbox name not allowed', false],
  ])('a recipient refused with %i %s → retryable %s', async (responseCode, text, retryable) => {
    const server = await smtp({
      onRcptTo(rcpt, _session, callback) {
        callback(smtpRejection(responseCode, `${text} <${rcpt.address}>`));
      },
    });
    const failure = await failureOf(emailTo(server.port).send(destination, anAlert()));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toContain(`email to ***@property.example.cn: SMTP ${responseCode} (${text.slice(0, 5)}`);
    expectNoneOf(failure.message, ['li.lei']);
    expect(server.mails).toHaveLength(0);
  });

  it('a message refused after DATA with 554 → not retryable', async () => {
    const server = await smtp({
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => callback(smtpRejection(554, '5.7.1 Message rejected as spam')));
      },
    });
    const failure = await failureOf(emailTo(server.port).send(destination, anAlert()));
    expect(failure.retryable).toBe(false);
    expect(failure.message).toMatch(/SMTP 554 \(5\.7\.1/);
  });

  it('a refused connection → retryable', async () => {
    const failure = await failureOf(emailTo(await closedPort()).send(destination, anAlert()));
    expect(failure.retryable).toBe(true);
    expect(failure.message).toMatch(/^email to \*\*\*@property\.example\.cn: SMTP \w+, connection failed$/);
  });

  it('a server that never greets → retryable, after the timeout', async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const started = Date.now();
    const failure = await failureOf(emailTo(silent.port, {}, SHORT_TIMEOUT_MS).send(destination, anAlert()));
    expect(failure.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

// ── The registry, end to end ────────────────────────────────────────────────────────────────────────────

describe('createChannelSenders', () => {
  it('wires e-mail and SMS to the configured providers', async () => {
    const receiver = await startReceiver();
    const server = await startSmtp();
    try {
      receiver.answer((_request, response) => reply(response, 201, { sid: 'SM1' }));
      const senders = createChannelSenders(
        {
          timeoutMs: 2_000,
          smtp: { host: '127.0.0.1', port: server.port, secure: false, from: 'alerts@closeloop.example' },
          sms: {
            baseUrl: receiver.base,
            accountSid: `AC${'0'.repeat(32)}`,
            authToken: 'token-0123456789abcdef',
            from: '+14155550100',
          },
          addresses: ANY_ADDRESS,
        },
        () => new Date(),
      );
      expect([...senders.keys()].sort()).toEqual(['dingtalk', 'email', 'feishu', 'slack', 'sms', 'webhook', 'wecom']);
      await senders.get('sms')?.send({ channel: 'sms', phone: '+14155550123' }, anAlert());
      await senders.get('email')?.send({ channel: 'email', address: 'oncall@example.com' }, anAlert());
      expect(receiver.received).toHaveLength(1);
      expect(server.mails).toHaveLength(1);
      (senders.get('email') as EmailChannel).close();

      const misrouted = await failureOf(
        senders.get('slack')?.send({ channel: 'sms', phone: '+14155550123' }, anAlert()) ?? Promise.resolve(),
      );
      expect(misrouted.retryable).toBe(false);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});
