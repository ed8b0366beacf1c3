import { createHmac } from 'node:crypto';
import { AlertChannelSender, Destination, OutgoingAlert } from './alert-channel.port';
import {
  credentialsOf,
  deliveryLabel,
  destinationFor,
  RobotVerdict,
  robotVerdict,
  settleRobotReply,
  SigningJsonPostingChannel,
  textWithTitle,
} from './delivery-support';

/**
 * Feishu/Lark custom bot 签名校验 (https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot): unlike
 * DingTalk, "{timestamp}\n{secret}" is the HMAC-SHA256 *key* and the message is empty; the timestamp is in
 * seconds, within an hour of Feishu's clock, and both go in the JSON body as strings, not in the URL.
 */
export const signFeishu = (timestampSeconds: number, secret: string): string =>
  createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');

/**
 * Feishu answers {code, msg, data} (older deployments {StatusCode, StatusMessage}); code 0 is success. 11232 is
 * its frequency limit (100 a minute, 5 a second per bot) and comes back with HTTP 400, so the code is read whatever
 * the status. 19021 (signature mismatch or timestamp over an hour off), 19024 (keyword check) and the like need the
 * bot's settings fixed.
 */
const FEISHU_RETRYABLE_CODES: ReadonlySet<number> = new Set([11232]);
const currentShape = robotVerdict('code', 'msg');
const legacyShape = robotVerdict('StatusCode', 'StatusMessage');
const feishuVerdict = (body: unknown): RobotVerdict | undefined => currentShape(body) ?? legacyShape(body);

export class FeishuChannel extends SigningJsonPostingChannel implements AlertChannelSender {
  readonly channel = 'feishu' as const;
  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('feishu', destination);
    const label = deliveryLabel(target);
    const message = { msg_type: 'text', content: { text: textWithTitle(alert) } };
    let body: string;
    if (target.secret) {
      const timestamp = Math.floor(this.now().getTime() / 1000);
      body = JSON.stringify({ timestamp: String(timestamp), sign: signFeishu(timestamp, target.secret), ...message });
    } else {
      body = JSON.stringify(message);
    }
    const reply = await this.postJson(label, target.url, body);
    settleRobotReply(label, reply, feishuVerdict, FEISHU_RETRYABLE_CODES, credentialsOf(target.url, target.secret));
  }
}
