import { AlertChannelSender, Destination, OutgoingAlert } from './alert-channel.port';
import {
  DEFAULT_TIMEOUT_MS,
  deliveryLabel,
  destinationFor,
  postOnce,
  statusFailure,
  textWithTitle,
  truncateChars,
} from './delivery-support';
import { OutboundAddressPolicy, PUBLIC_ADDRESSES_ONLY } from './outbound-addresses';

export interface TwilioOptions {
  /** https://api.twilio.com unless a regional edge or a test double stands in. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** The sending number (E.164) or alphanumeric sender id. */
  from: string;
}

/** Two SMS segments at most: an alert is a pointer to the order, not its history. */
export const SMS_MAX_CHARS = 320;

/**
 * Twilio Programmable Messaging (https://www.twilio.com/docs/sms/api/message-resource):
 * POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From, Body, HTTP Basic auth
 * AccountSid:AuthToken; 201 Created on success. Errors carry a JSON {code, message}; the message can quote the
 * number, so only the numeric code is repeated (21211 invalid To, 21610 unsubscribed recipient, 20003 bad
 * credentials, 20429 too many requests).
 */
export class SmsChannel implements AlertChannelSender {
  readonly channel = 'sms' as const;
  private readonly endpoint: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly addresses: OutboundAddressPolicy;

  constructor(
    private readonly twilio: TwilioOptions,
    options: { timeoutMs?: number; addresses?: OutboundAddressPolicy } = {},
  ) {
    const base = twilio.baseUrl.replace(/\/+$/, '');
    this.endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.addresses = options.addresses ?? PUBLIC_ADDRESSES_ONLY;
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('sms', destination);
    const label = deliveryLabel(target);
    const body = new URLSearchParams({
      To: target.phone,
      From: this.twilio.from,
      Body: truncateChars(textWithTitle(alert), SMS_MAX_CHARS),
    }).toString();
    const reply = await postOnce(
      label,
      this.endpoint,
      { headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: this.authorization }, body },
      this.timeoutMs,
      this.addresses,
    );
    const failure = statusFailure(label, reply.status, twilioCode(reply.body));
    if (failure) throw failure;
  }
}

const twilioCode = (body: string): string | undefined => {
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return typeof code === 'number' ? `Twilio error ${code}` : undefined;
  } catch {
    return undefined;
  }
};
