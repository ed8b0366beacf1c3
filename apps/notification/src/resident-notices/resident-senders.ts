import type { AlertChannel } from '@closeloop/contracts';
import { AlertChannelSender } from '../channels/alert-channel.port';
import { outboundAddressesOf } from '../channels/channel-registry';
import { NotificationConfig } from '../notification.config';
import { WeChatSubscribeMessageChannel } from './wechat-subscribe-message.channel';

/**
 * The channels residents are told on: the SMS sender the alerts use (the same provider account, ADR 27), and the
 * WeChat subscribe-message adapter when an app is configured. Absent: that channel is unavailable here.
 */
export interface ResidentSenders {
  readonly sms?: AlertChannelSender | undefined;
  readonly wechat?: WeChatSubscribeMessageChannel | undefined;
}

export const RESIDENT_SENDERS = Symbol('ResidentSenders');

export const createResidentSenders = (
  config: NotificationConfig,
  alertSenders: ReadonlyMap<AlertChannel, AlertChannelSender>,
  now: () => Date,
): ResidentSenders => ({
  sms: alertSenders.get('sms'),
  wechat:
    config.WECHAT_APP_ID && config.WECHAT_APP_SECRET
      ? new WeChatSubscribeMessageChannel(
          { baseUrl: config.WECHAT_API_BASE_URL, appId: config.WECHAT_APP_ID, appSecret: config.WECHAT_APP_SECRET },
          now,
          { timeoutMs: config.ALERT_DELIVERY_TIMEOUT_MS, addresses: outboundAddressesOf(config) },
        )
      : undefined,
});
