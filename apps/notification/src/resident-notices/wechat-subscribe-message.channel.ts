import { DeliveryFailedError } from '../channels/alert-channel.port';
import {
  DEFAULT_TIMEOUT_MS,
  HttpReply,
  isRetryableStatus,
  postOnce,
  robotVerdict,
  sanitizeEcho,
  statusFailure,
} from '../channels/delivery-support';
import { OutboundAddressPolicy, PUBLIC_ADDRESSES_ONLY } from '../channels/outbound-addresses';

export interface WeChatAppOptions {
  /** https://api.weixin.qq.com, or a stand-in on loopback in tests. */
  baseUrl: string;
  appId: string;
  appSecret: string;
}

/** One subscribe message to one resident. */
export interface WeChatSubscribeMessage {
  /** The resident's openid for this app. */
  touser: string;
  template_id: string;
  /** The mini-program page the card opens, with its query. */
  page?: string | undefined;
  /** The template's fields by keyword: `{ thing3: { value: '…' } }`. */
  data: Record<string, { value: string }>;
}

/** Answers that mean the access token is no longer good: fetch a new one and try again. */
const TOKEN_INVALID: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** The platform busy (-1) or the app over its rate (45009): worth another try later. */
const BUSY: ReadonlySet<number> = new Set([-1, 45009]);
// A token is refreshed this long before WeChat says it expires, so none is used in its last minutes.
const REFRESH_MARGIN_MS = 5 * 60_000;

/** The last four characters of an openid: enough to tell two residents apart on a timeline, nothing to address one by. */
export const maskOpenId = (openId: string): string => `****${openId.slice(-4)}`;

/**
 * WeChat subscribe messages (小程序订阅消息; https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html),
 * the shape official-account template messages share: POST {base}/cgi-bin/message/subscribe/send?access_token=…
 * with {touser, template_id, page, data}; WeChat answers HTTP 200 with {errcode, errmsg}, errcode 0 being success.
 *
 * The access token comes from POST {base}/cgi-bin/stable_token ({grant_type: client_credential, appid, secret}),
 * which answers {access_token, expires_in}; it is cached until shortly before it expires, one fetch at a time, and
 * dropped when a send says it is invalid or expired (40001, 40014, 42001), so the next attempt fetches another.
 * Retryable: -1 (busy), 45009 (rate limit), an invalid token, 429/5xx, the network. Everything else will fail the
 * same way again: 43101 the resident has not accepted (or used up) the subscription, 40003 not an openid of this
 * app, 40037 no such template, 47003 a field the template refuses, 40013/40125 a wrong AppID or secret.
 */
export class WeChatSubscribeMessageChannel {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly addresses: OutboundAddressPolicy;
  private token: { value: string; expiresAt: number } | undefined;
  private fetching: Promise<string> | undefined;

  constructor(
    private readonly app: WeChatAppOptions,
    private readonly now: () => Date,
    options: { timeoutMs?: number; addresses?: OutboundAddressPolicy } = {},
  ) {
    this.base = app.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.addresses = options.addresses ?? PUBLIC_ADDRESSES_ONLY;
  }

  async send(message: WeChatSubscribeMessage): Promise<void> {
    const label = `wechat to ${maskOpenId(message.touser)}`;
    const token = await this.accessToken(label);
    const url = `${this.base}/cgi-bin/message/subscribe/send?access_token=${encodeURIComponent(token)}`;
    const reply = await postOnce(
      label,
      url,
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...message, lang: 'zh_CN' }) },
      this.timeoutMs,
      this.addresses,
    );
    const verdict = readVerdict(reply);
    if (verdict && TOKEN_INVALID.has(verdict.code) && this.token?.value === token) this.token = undefined;
    this.settle(label, reply, verdict, [token, message.touser]);
  }

  private settle(
    label: string,
    reply: HttpReply,
    verdict: { code: number; message: string } | undefined,
    secrets: readonly string[],
  ): void {
    if (verdict && verdict.code !== 0) {
      const echo = verdict.message ? ` ${sanitizeEcho(verdict.message, [...secrets, this.app.appSecret])}` : '';
      throw new DeliveryFailedError(
        `${label}: WeChat error ${verdict.code}${echo}`,
        BUSY.has(verdict.code) || TOKEN_INVALID.has(verdict.code) || isRetryableStatus(reply.status),
      );
    }
    const failure = statusFailure(label, reply.status);
    if (failure) throw failure;
    if (!verdict) throw new DeliveryFailedError(`${label}: HTTP ${reply.status} without WeChat's errcode`, false);
  }

  /** The cached token, or a new one; concurrent sends share one fetch. */
  private async accessToken(label: string): Promise<string> {
    const now = this.now().getTime();
    if (this.token && this.token.expiresAt > now) return this.token.value;
    this.fetching ??= this.fetchToken(label).finally(() => (this.fetching = undefined));
    return this.fetching;
  }

  private async fetchToken(label: string): Promise<string> {
    const reply = await postOnce(
      `${label} (access token)`,
      `${this.base}/cgi-bin/stable_token`,
      {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credential',
          appid: this.app.appId,
          secret: this.app.appSecret,
          force_refresh: false,
        }),
      },
      this.timeoutMs,
      this.addresses,
    );
    let body: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      body = JSON.parse(reply.body) as typeof body;
    } catch {
      // judged below by the status
    }
    const verdict = readVerdict(reply);
    if (verdict && verdict.code !== 0) this.settle(`${label} (access token)`, reply, verdict, []);
    const failure = statusFailure(`${label} (access token)`, reply.status);
    if (failure) throw failure;
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new DeliveryFailedError(`${label}: WeChat answered the token request without an access_token`, true);
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : 7200) * 1000;
    const value = body.access_token;
    this.token = { value, expiresAt: this.now().getTime() + Math.max(lifetimeMs - REFRESH_MARGIN_MS, 0) };
    return value;
  }
}

const readVerdict = (reply: HttpReply): { code: number; message: string } | undefined => {
  try {
    return robotVerdict('errcode', 'errmsg')(JSON.parse(reply.body));
  } catch {
    return undefined;
  }
};
