import type { AlertChannel } from '@closeloop/contracts';
import { z } from 'zod';

/**
 * Where one person is reached on one channel. Robot URLs and webhook secrets are credentials: whoever holds them can
 * post into that group, so they never appear in an error, a log line or an event — only describeDestination() does.
 */
export type Destination =
  | {
      channel: 'webhook';
      url: string;
      /** Standard Webhooks secrets, "whsec_<base64>"; several during a rotation, each signs. */
      secrets: string[];
    }
  | { channel: 'email'; address: string }
  /** 企业微信 (WeCom) group robot webhook URL (…/cgi-bin/webhook/send?key=…). */
  | { channel: 'wecom'; url: string }
  /** DingTalk custom robot, with the optional 加签 (signing) secret ("SEC…"). */
  | { channel: 'dingtalk'; url: string; secret?: string }
  /** Feishu/Lark custom bot, with the optional signature-check secret. */
  | { channel: 'feishu'; url: string; secret?: string }
  /** Slack incoming webhook. */
  | { channel: 'slack'; url: string }
  | { channel: 'sms'; phone: string };

/** One alert rendered for delivery; each channel picks the rendering it can show. */
export interface OutgoingAlert {
  alertId: string;
  attempt: number;
  title: string;
  text: string;
  html: string;
  markdown: string;
  /** JSON body for webhook receivers */
  payload: Record<string, unknown>;
}

/** The port every delivery channel implements. send() resolves once the far end accepted the alert. */
export interface AlertChannelSender {
  readonly channel: AlertChannel;
  send(destination: Destination, alert: OutgoingAlert): Promise<void>;
}

/**
 * A delivery that did not go through. Retryable: the same request may succeed later (network, timeout, 429, 5xx,
 * a robot's rate limit). Not retryable: it will fail the same way until someone changes the destination or the
 * configuration, so the alert should go to the dead letters at once rather than burn its retries.
 */
export class DeliveryFailedError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** How long the receiver asked to be left alone (a 429's or 503's Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryFailedError';
  }
}

/** How one send went: the failure, if any, and how long it took, for the attempt recorded on the alert. */
export interface SendOutcome {
  readonly failure: DeliveryFailedError | undefined;
  readonly latencyMs: number;
}

/**
 * Sends on one channel, timed, and answers how it went rather than throwing: a channel this service has no sender
 * for fails for good; any failure that is not a DeliveryFailedError (rendering the message, say) may pass later.
 */
export const sendThrough = async (
  senders: ReadonlyMap<AlertChannel, AlertChannelSender>,
  channel: AlertChannel,
  destination: Destination,
  message: () => Promise<OutgoingAlert>,
): Promise<SendOutcome> => {
  const sender = senders.get(channel);
  if (!sender) {
    return {
      failure: new DeliveryFailedError(`the ${channel} channel is not configured on this service`, false),
      latencyMs: 0,
    };
  }
  return timedSend(async () => sender.send(destination, await message()));
};

/**
 * One send, timed, answered as an outcome rather than thrown: a DeliveryFailedError as it is, any other failure
 * (rendering the message, say) as one that may pass later. Every sender of messages, to staff or to residents,
 * settles its attempts through it.
 */
export const timedSend = async (send: () => Promise<void>): Promise<SendOutcome> => {
  const started = Date.now();
  let failure: DeliveryFailedError | undefined;
  try {
    await send();
  } catch (error) {
    failure = error instanceof DeliveryFailedError ? error : new DeliveryFailedError((error as Error).message, true);
  }
  return { failure, latencyMs: Date.now() - started };
};

// ── Masking ──────────────────────────────────────────────────────────────────────────────────────────────
// What a person may see of a destination in an event, an error or a log: enough to tell which one, nothing that
// lets anyone post to it or call the person.

const hostOf = (url: string): string => {
  try {
    return new URL(url).host || '(no host)';
  } catch {
    return '(unparsable url)';
  }
};

export const describeDestination = (d: Destination): string => {
  switch (d.channel) {
    case 'webhook':
    case 'wecom':
    case 'dingtalk':
    case 'feishu':
    case 'slack':
      return hostOf(d.url);
    case 'email': {
      const at = d.address.lastIndexOf('@');
      return `***@${at >= 0 ? d.address.slice(at + 1) : '?'}`;
    }
    case 'sms': {
      const digits = d.phone.replace(/\D/g, '');
      return `****${digits.length >= 8 ? digits.slice(-4) : ''}`;
    }
    default: {
      const unknown: never = d;
      return `(unknown channel ${(unknown as { channel?: unknown }).channel})`;
    }
  }
};

// ── Validation ───────────────────────────────────────────────────────────────────────────────────────────
// Used by the HTTP API for staff contact details. Messages never echo the value: it may be a secret.

const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    // fetch() refuses URLs with credentials, so accepting one here would only fail later, at 3 a.m.
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !url.username && !url.password
    );
  } catch {
    return false;
  }
};

const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine(isHttpUrl, 'must be an https:// or http:// URL without user or password');

/** Standard Webhooks: "whsec_" and base64 of a random key of 24 to 64 bytes. */
export const WebhookSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be "whsec_" followed by base64')
  .refine((value) => {
    const bytes = Buffer.from(value.slice('whsec_'.length), 'base64').length;
    return bytes >= 24 && bytes <= 64;
  }, 'must hold a key of 24 to 64 bytes');

const robotSecret = z.string().trim().min(1).max(256);

/** E.164: "+", country code, subscriber number, at most 15 digits; spaces, dashes, dots and brackets are dropped. */
const phone = z.preprocess(
  (value) => (typeof value === 'string' ? value.replace(/[\s\-().]/g, '') : value),
  z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an international number such as +8613800138000'),
);

export const DestinationSchema: z.ZodType<Destination, z.ZodTypeDef, unknown> = z.discriminatedUnion('channel', [
  z
    .object({ channel: z.literal('webhook'), url: httpUrl, secrets: z.array(WebhookSecretSchema).min(1).max(3) })
    .strict(),
  z.object({ channel: z.literal('email'), address: z.string().trim().max(254).email() }).strict(),
  z.object({ channel: z.literal('wecom'), url: httpUrl }).strict(),
  z.object({ channel: z.literal('dingtalk'), url: httpUrl, secret: robotSecret.optional() }).strict(),
  z.object({ channel: z.literal('feishu'), url: httpUrl, secret: robotSecret.optional() }).strict(),
  z.object({ channel: z.literal('slack'), url: httpUrl }).strict(),
  z.object({ channel: z.literal('sms'), phone }).strict(),
]);
