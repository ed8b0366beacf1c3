import { AlertChannelSender, Destination, OutgoingAlert } from './alert-channel.port';
import {
  credentialsOf,
  deliveryLabel,
  destinationFor,
  HttpChannelOptions,
  JsonPostingChannel,
  robotVerdict,
  settleRobotReply,
  truncateUtf8,
} from './delivery-support';

/**
 * 企业微信 (WeCom) group robot: POST {msgtype: "markdown", markdown: {content}} to the robot's URL, whose `key`
 * parameter is the credential (https://developer.work.weixin.qq.com/document/path/91770). It answers HTTP 200
 * with {errcode, errmsg}; errcode 0 is success. Markdown content is limited to 4096 bytes of UTF-8, and each robot
 * to 20 messages a minute: errcode 45009 ("api freq out of limit") is that limit and -1 is "system busy", the only
 * codes worth retrying. The rest (93000 invalid webhook URL, 40008 bad message type, …) will not change on retry.
 */
const WECOM_RETRYABLE_CODES: ReadonlySet<number> = new Set([-1, 45009]);
const WECOM_MARKDOWN_MAX_BYTES = 4096;

export class WeComChannel extends JsonPostingChannel implements AlertChannelSender {
  readonly channel = 'wecom' as const;

  constructor(options: HttpChannelOptions = {}) {
    super(options);
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('wecom', destination);
    const label = deliveryLabel(target);
    const body = JSON.stringify({
      msgtype: 'markdown',
      markdown: { content: truncateUtf8(alert.markdown, WECOM_MARKDOWN_MAX_BYTES) },
    });
    const reply = await this.postJson(label, target.url, body);
    settleRobotReply(label, reply, robotVerdict('errcode', 'errmsg'), WECOM_RETRYABLE_CODES, credentialsOf(target.url));
  }
}
