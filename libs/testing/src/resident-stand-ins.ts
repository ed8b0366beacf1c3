import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One SMS the Twilio stand-in accepted. */
export interface ReceivedSms {
  readonly to: string;
  readonly from: string;
  readonly body: string;
}

/** One subscribe message the WeChat stand-in accepted. */
export interface ReceivedWeChat {
  readonly touser: string;
  readonly template_id: string;
  readonly page?: string;
  readonly data: Record<string, { value: string }>;
}

export interface ResidentStandIns {
  /** SMTP-less stand-ins on one loopback port: SMS_TWILIO_BASE_URL and WECHAT_API_BASE_URL both point here. */
  readonly baseUrl: string;
  readonly sms: ReceivedSms[];
  readonly wechat: ReceivedWeChat[];
  /** How many access tokens were handed out. */
  readonly tokensIssued: () => number;
  /** Makes the current access token stale: the next send answers 40001, as WeChat does for an expired token. */
  expireToken(): void;
  /** The next `count` WeChat sends answer -1 (system busy). */
  busyFor(count: number): void;
  /** Openids that never subscribed: a send to them answers 43101. */
  readonly unsubscribed: Set<string>;
  close(): Promise<void>;
}

/** The environment that points the notification service at these stand-ins. */
export const residentStandInEnv = (baseUrl: string): Record<string, string> => ({
  SMS_TWILIO_BASE_URL: baseUrl,
  SMS_TWILIO_ACCOUNT_SID: `AC${'0123456789abcdef'.repeat(2)}`,
  SMS_TWILIO_AUTH_TOKEN: 'stand-in-auth-token-0123456789',
  SMS_TWILIO_FROM: '+8610690000',
  WECHAT_API_BASE_URL: baseUrl,
  WECHAT_APP_ID: 'wx0123456789abcdef',
  WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
});

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });

/**
 * Local stand-ins for the providers residents are told through: Twilio's Messages resource and WeChat's
 * stable_token and subscribe-message send, answering as they do (201 and a message sid; {access_token, expires_in};
 * {errcode, errmsg}), recording what they accepted.
 */
export const startResidentStandIns = async (): Promise<ResidentStandIns> => {
  const sms: ReceivedSms[] = [];
  const wechat: ReceivedWeChat[] = [];
  const unsubscribed = new Set<string>();
  let issued = 0;
  let current = '';
  let busy = 0;
  const json = (response: import('node:http').ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server: Server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      if (/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(url.pathname)) {
        const form = new URLSearchParams(body);
        sms.push({ to: form.get('To') ?? '', from: form.get('From') ?? '', body: form.get('Body') ?? '' });
        return json(response, 201, { sid: `SM${sms.length}`, status: 'queued' });
      }
      if (url.pathname === '/cgi-bin/stable_token') {
        const asked = JSON.parse(body) as { appid?: string; secret?: string; grant_type?: string };
        if (asked.grant_type !== 'client_credential' || !asked.appid || !asked.secret)
          return json(response, 200, { errcode: 40013, errmsg: 'invalid appid' });
        issued += 1;
        current = `stand-in-token-${issued}`;
        return json(response, 200, { access_token: current, expires_in: 7200 });
      }
      if (url.pathname === '/cgi-bin/message/subscribe/send') {
        if (url.searchParams.get('access_token') !== current || current === '')
          return json(response, 200, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid' });
        if (busy > 0) {
          busy -= 1;
          return json(response, 200, { errcode: -1, errmsg: 'system error' });
        }
        const message = JSON.parse(body) as ReceivedWeChat;
        if (unsubscribed.has(message.touser))
          return json(response, 200, { errcode: 43101, errmsg: 'user refuse to accept the msg' });
        wechat.push(message);
        return json(response, 200, { errcode: 0, errmsg: 'ok', msgid: wechat.length });
      }
      return json(response, 404, { errcode: 404, errmsg: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sms,
    wechat,
    unsubscribed,
    tokensIssued: () => issued,
    expireToken: () => {
      current = `expired-${current}`;
    },
    busyFor: (count) => {
      busy = count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
};

/** Quiet hours that cover the test's time, whenever it runs: from an hour ago to two hours on, in UTC. */
const quietAroundNow = () => {
  const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  return { from: hhmm(Date.now() - 3_600_000), to: hhmm(Date.now() + 2 * 3_600_000) };
};

/**
 * A resident-notifications file for tests (config/resident-notifications.json's shape) in `dir`: SMS for phone and
 * front-desk reports, WeChat for the mini-program, the integrator for the app, no quiet hours except at `quietSite`,
 * whose quiet hours cover the test's time. Resolves with the file's path.
 */
export const writeResidentNoticeSettings = (dir: string, quietSite: string): string => {
  const file = join(dir, 'resident-notifications.json');
  writeFileSync(
    file,
    JSON.stringify({
      default: {
        channels: { phone: 'sms', 'front-desk': 'sms', wechat: 'wechat', app: 'integrator', other: 'none' },
        timeZone: 'UTC',
        quietHours: null,
      },
      sites: { [quietSite]: { quietHours: quietAroundNow() } },
      wechat: { templateId: 'tmpl-progress', page: 'pages/orders/detail' },
    }),
  );
  return file;
};

/** The stand-ins with a resident-notifications file of their own; closing them removes the file too. */
export interface ResidentNoticeStandIns extends ResidentStandIns {
  /** What points the notification service at the stand-ins and the file. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts the stand-ins and writes writeResidentNoticeSettings' file (quiet hours at `quietSite`) in a folder of its
 * own, for a spec that runs notification against them.
 */
export const startResidentNoticeStandIns = async (quietSite: string): Promise<ResidentNoticeStandIns> => {
  const standIns = await startResidentStandIns();
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-resident-notices-'));
  return {
    ...standIns,
    env: {
      ...residentStandInEnv(standIns.baseUrl),
      RESIDENT_NOTIFICATIONS_FILE: writeResidentNoticeSettings(dir, quietSite),
    },
    close: async () => {
      await standIns.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
