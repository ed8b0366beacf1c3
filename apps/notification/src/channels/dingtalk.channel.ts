import { createHmac } from 'node:crypto';
import { AlertChannelSender, DeliveryFailedError, Destination, OutgoingAlert } from './alert-channel.port';
import {
  credentialsOf,
  deliveryLabel,
  destinationFor,
  JsonPostingChannel,
  robotVerdict,
  settleRobotReply,
  SigningChannelOptions,
} from './delivery-support';

/**
 * DingTalk custom robot 加签 (signing), from its 安全设置 (security settings) page
 * (https://open.dingtalk.com/document/orgapp/custom-robot-access): the string to sign is "{timestamp}\n{secret}",
 * timestamp in milliseconds and within an hour of DingTalk's clock; the HMAC-SHA256 key is the secret itself
 * ("SEC…"); the base64 of the digest goes URL-encoded into `&timestamp=…&sign=…` on the robot URL.
 */
export const signDingTalk = (timestampMs: number, secret: string): string =>
  createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');

/** The robot URL with `timestamp` and `sign` set (URLSearchParams percent-encodes the base64's + / =). */
export const signedDingTalkUrl = (url: string, secret: string, timestampMs: number): URL => {
  const signed = new URL(url);
  signed.searchParams.set('timestamp', String(timestampMs));
  signed.searchParams.set('sign', signDingTalk(timestampMs, secret));
  return signed;
};

/**
 * DingTalk answers HTTP 200 with {errcode, errmsg}. 130101 is "send too fast, exceed 20 times per minute" (the
 * robot is then throttled for 10 minutes) and -1 "system busy": retry those. 310000 (keyword, signature or IP
 * whitelist check failed), 300001 (bad token) and the like need someone to fix the robot's settings.
 */
const DINGTALK_RETRYABLE_CODES: ReadonlySet<number> = new Set([-1, 130101]);

export class DingTalkChannel extends JsonPostingChannel implements AlertChannelSender {
  readonly channel = 'dingtalk' as const;
  private readonly now: () => Date;

  constructor(options: SigningChannelOptions) {
    super(options);
    this.now = options.now;
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('dingtalk', destination);
    const label = deliveryLabel(target);
    let url: URL;
    try {
      url = target.secret ? signedDingTalkUrl(target.url, target.secret, this.now().getTime()) : new URL(target.url);
    } catch {
      throw new DeliveryFailedError(`${label}: the destination URL is not valid`, false);
    }
    const body = JSON.stringify({ msgtype: 'markdown', markdown: { title: alert.title, text: alert.markdown } });
    const reply = await this.postJson(label, url, body);
    // Past its rate limit DingTalk has been seen answering 302 rather than 130101: throttling, not a moved robot.
    if (reply.status >= 300 && reply.status < 400) {
      throw new DeliveryFailedError(`${label}: HTTP ${reply.status}, DingTalk's throttling redirect`, true);
    }
    settleRobotReply(
      label,
      reply,
      robotVerdict('errcode', 'errmsg'),
      DINGTALK_RETRYABLE_CODES,
      credentialsOf(target.url, target.secret),
    );
  }
}
