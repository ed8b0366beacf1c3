import { createHmac, randomBytes } from 'node:crypto';
import { ConfigError } from '@closeloop/config';
import { itMaps } from '@closeloop/testing';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { PUBLIC_ADDRESSES_ONLY } from './outbound-addresses';
import {
  ChannelConfigSchema,
  channelConfigFromEnvironment,
  createChannelSenders,
  loadChannelConfig,
  refineChannelEnvironment,
} from './channel-registry';
import { sanitizeEcho, textWithTitle, truncateChars, truncateUtf8 } from './delivery-support';
import { signDingTalk, signedDingTalkUrl } from './dingtalk.channel';
import { smtpFailure } from './email.channel';
import { signFeishu } from './feishu.channel';
import { markdownToSlackMrkdwn, slackSections } from './slack.channel';
import { signStandardWebhook } from './webhook.channel';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('signStandardWebhook', () => {
  const id = '0b7f3c2e-8a57-4a39-9a55-3f0f1f7f2a10';
  const at = new Date('2026-03-01T08:00:00Z');
  const timestamp = Math.floor(at.getTime() / 1000);
  const body = '{"type":"alert.raised","data":{"title":"电梯困人"}}';

  it('matches the reference library, one "v1,<base64>" per secret', () => {
    const [current, previous] = [whsec(), whsec()];
    const header = signStandardWebhook(id, timestamp, body, [current, previous]);
    expect(header.split(' ')).toEqual([
      new Webhook(current).sign(id, at, body),
      new Webhook(previous).sign(id, at, body),
    ]);
  });

  it('signs "{id}.{timestamp}.{body}" with the base64-decoded key', () => {
    const key = randomBytes(32);
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    expect(signStandardWebhook(id, timestamp, body, [`whsec_${key.toString('base64')}`])).toBe(`v1,${expected}`);
  });
});

describe('robot signatures', () => {
  it('DingTalk: HMAC-SHA256 keyed with the secret over "{ms}\\n{secret}", URL-encoded into the query', () => {
    const secret = 'SEC0123456789abcdef';
    const ms = 1_700_000_000_123;
    const sign = createHmac('sha256', secret).update(`${ms}\n${secret}`).digest('base64');
    expect(signDingTalk(ms, secret)).toBe(sign);
    const url = signedDingTalkUrl('https://oapi.dingtalk.com/robot/send?access_token=tok', secret, ms);
    expect(url.searchParams.get('access_token')).toBe('tok');
    expect(url.searchParams.get('timestamp')).toBe(String(ms));
    expect(url.searchParams.get('sign')).toBe(sign);
    expect(url.search).toContain(`sign=${encodeURIComponent(sign)}`);
  });

  it('Feishu: HMAC-SHA256 keyed with "{seconds}\\n{secret}" over nothing', () => {
    const secret = 'feishu-bot-secret';
    expect(signFeishu(1_700_000_000, secret)).toBe(
      createHmac('sha256', `1700000000\n${secret}`).update(Buffer.alloc(0)).digest('base64'),
    );
    expect(signFeishu(1_700_000_000, secret)).not.toBe(signDingTalk(1_700_000_000, secret));
  });
});

describe('markdownToSlackMrkdwn', () => {
  itMaps('%j → %j', markdownToSlackMrkdwn, [
    ['# 工单 WO-20260301-0007 超时', '*工单 WO-20260301-0007 超时*'],
    ['**Lift** stuck, *urgent*', '*Lift* stuck, _urgent_'],
    ['__bold__ and _italic_ and ~~gone~~', '*bold* and _italic_ and ~gone~'],
    [
      '[Open the order](https://q.example.com/orders/1?tab=timeline)',
      '<https://q.example.com/orders/1?tab=timeline|Open the order>',
    ],
    ['- first\n* second', '• first\n• second'],
    ['> quoted **note**', '>quoted *note*'],
    ['a < b & c > d', 'a &lt; b &amp; c &gt; d'],
    ['`**not bold**` here', '`**not bold**` here'],
    ['[link_with_underscores](https://x.example.com/a_b_c)', '<https://x.example.com/a_b_c|link_with_underscores>'],
  ]);

  it('leaves fenced code alone but escaped', () => {
    expect(markdownToSlackMrkdwn('```\n**x** <y>\n```')).toBe('```\n**x** &lt;y&gt;\n```');
  });

  it('splits long text into sections of at most 3000 characters', () => {
    const sections = slackSections(`${'a'.repeat(2500)}\n${'b'.repeat(2500)}\n${'c'.repeat(7000)}`);
    expect(sections.every((s) => s.length <= 3000)).toBe(true);
    expect(sections.join('').replace(/\n/g, '')).toBe(`${'a'.repeat(2500)}${'b'.repeat(2500)}${'c'.repeat(7000)}`);
  });
});

describe('text shaping', () => {
  it('truncates by characters without splitting one', () => {
    expect(truncateChars('工单超时😀😀', 5)).toBe('工单超时…');
    expect(truncateChars('short', 320)).toBe('short');
  });

  it('truncates by UTF-8 bytes on a character boundary', () => {
    const cut = truncateUtf8('电'.repeat(2000), 4096);
    expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(4096);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('leads the text with the title unless it already does', () => {
    expect(textWithTitle({ title: 'Lift stuck', text: 'Block 3' })).toBe('Lift stuck\nBlock 3');
    expect(textWithTitle({ title: 'Lift stuck', text: 'Lift stuck at block 3' })).toBe('Lift stuck at block 3');
  });

  it('blanks credentials out of an echoed platform message', () => {
    expect(sanitizeEcho('invalid token abcdef123456 from ip 1.2.3.4', ['abcdef123456'])).toBe(
      'invalid token *** from ip 1.2.3.4',
    );
  });
});

describe('smtpFailure', () => {
  const label = 'email to ***@example.com';
  it.each([
    [
      { code: 'EENVELOPE', responseCode: 451, response: '451 4.3.0 try later <li@example.com>' },
      true,
      'SMTP 451 (4.3.0, EENVELOPE)',
    ],
    [
      { code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <li@example.com> no such user' },
      false,
      'SMTP 550 (5.1.1, EENVELOPE)',
    ],
    [{ code: 'EAUTH', responseCode: 535, response: '535 bad credentials' }, false, 'SMTP 535'],
    [{ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, true, 'SMTP ESOCKET'],
    [{ code: 'ETIMEDOUT' }, true, 'SMTP ETIMEDOUT'],
    [{ code: 'ECONFIG' }, false, 'SMTP ECONFIG'],
  ])('%j → retryable %s', (error, retryable, message) => {
    const failure = smtpFailure(label, Object.assign(new Error('whatever <li@example.com>'), error));
    expect(failure.retryable).toBe(retryable);
    expect(failure.message).toContain(message);
    expect(failure.message).not.toContain('li@');
  });
});

describe('ChannelConfigSchema', () => {
  const twilio = {
    SMS_TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
    SMS_TWILIO_AUTH_TOKEN: 'auth-token-0123456789',
    SMS_TWILIO_FROM: '+14155550100',
  };
  const smtp = { SMTP_HOST: 'smtp.example.com', SMTP_PORT: '465', SMTP_FROM: 'Closeloop <alerts@example.com>' };

  it('needs nothing: webhook and robot channels only, 5 s timeout', () => {
    const config = loadChannelConfig({});
    expect(config).toEqual({ timeoutMs: 5000, addresses: PUBLIC_ADDRESSES_ONLY });
    expect([...createChannelSenders(config, () => new Date()).keys()].sort()).toEqual([
      'dingtalk',
      'feishu',
      'slack',
      'webhook',
      'wecom',
    ]);
  });

  it('treats empty values as unset', () => {
    expect(loadChannelConfig({ SMTP_HOST: '', SMS_TWILIO_FROM: ' ', ALERT_DELIVERY_TIMEOUT_MS: '' })).toEqual({
      timeoutMs: 5000,
      addresses: PUBLIC_ADDRESSES_ONLY,
    });
  });

  it('adds e-mail and SMS when configured, TLS implied by port 465, Twilio at its public address', () => {
    const config = loadChannelConfig({
      ...smtp,
      SMTP_USER: 'alerts',
      SMTP_PASS: 'pw',
      ...twilio,
      ALERT_DELIVERY_TIMEOUT_MS: '2500',
    });
    expect(config).toEqual({
      timeoutMs: 2500,
      addresses: PUBLIC_ADDRESSES_ONLY,
      smtp: {
        host: 'smtp.example.com',
        port: 465,
        secure: true,
        from: 'Closeloop <alerts@example.com>',
        user: 'alerts',
        pass: 'pw',
      },
      sms: {
        baseUrl: 'https://api.twilio.com',
        accountSid: twilio.SMS_TWILIO_ACCOUNT_SID,
        authToken: twilio.SMS_TWILIO_AUTH_TOKEN,
        from: '+14155550100',
      },
    });
    expect(createChannelSenders(config, () => new Date()).size).toBe(7);
    expect(loadChannelConfig({ ...smtp, SMTP_PORT: '587' }).smtp?.secure).toBe(false);
    expect(loadChannelConfig({ ...smtp, SMTP_SECURE: 'false' }).smtp?.secure).toBe(false);
  });

  it('merges into a service schema, and createChannelSenders takes the parsed environment as it is', () => {
    const env = ChannelConfigSchema.parse({ ...twilio });
    expect([...createChannelSenders(env, () => new Date()).keys()]).toContain('sms');
  });

  it('stops on a half-configured provider, naming what is missing', () => {
    expect(() => loadChannelConfig({ SMTP_HOST: 'smtp.example.com' })).toThrow(ConfigError);
    expect(() => loadChannelConfig({ SMTP_HOST: 'smtp.example.com' })).toThrow(
      /SMTP_PORT: is required for e-mail alerts[\s\S]*SMTP_FROM/,
    );
    expect(() => loadChannelConfig({ ...smtp, SMTP_USER: 'alerts' })).toThrow(/SMTP_PASS/);
    expect(() => loadChannelConfig({ SMS_TWILIO_ACCOUNT_SID: twilio.SMS_TWILIO_ACCOUNT_SID })).toThrow(
      /SMS_TWILIO_AUTH_TOKEN[\s\S]*SMS_TWILIO_FROM/,
    );
    expect(() => channelConfigFromEnvironment(ChannelConfigSchema.parse({ SMTP_FROM: 'a@example.com' }))).toThrow(
      /SMTP_HOST/,
    );
  });

  it('offers the same checks as a refinement for a service schema that merges it', () => {
    const serviceSchema = ChannelConfigSchema.extend({ PORT: z.coerce.number() }).superRefine(refineChannelEnvironment);
    const result = serviceSchema.safeParse({ PORT: '3004', SMTP_HOST: 'smtp.example.com', SMTP_PORT: '587' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['SMTP_FROM']);
    expect(serviceSchema.safeParse({ PORT: '3004' }).success).toBe(true);
  });

  it('rejects malformed values by name, without repeating them', () => {
    const bad = {
      ...twilio,
      SMS_TWILIO_ACCOUNT_SID: 'XXsecret-looking-value',
      SMS_TWILIO_BASE_URL: 'http://twilio.example.com',
      ALERT_DELIVERY_TIMEOUT_MS: '10',
    };
    let error: unknown;
    try {
      loadChannelConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/SMS_TWILIO_ACCOUNT_SID/);
    expect(message).toMatch(/SMS_TWILIO_BASE_URL: must be an https:\/\/ URL/);
    expect(message).toMatch(/ALERT_DELIVERY_TIMEOUT_MS/);
    expect(message).not.toContain('secret-looking-value');
  });
});
