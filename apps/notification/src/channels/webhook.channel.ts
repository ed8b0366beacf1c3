import { createHmac } from 'node:crypto';
import { AlertChannelSender, DeliveryFailedError, Destination, OutgoingAlert } from './alert-channel.port';
import { DEFAULT_TIMEOUT_MS, deliveryLabel, destinationFor, postOnce, statusFailure } from './delivery-support';
import { OutboundAddressPolicy, PUBLIC_ADDRESSES_ONLY } from './outbound-addresses';

/**
 * Standard Webhooks (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md),
 * symmetric scheme: each secret is "whsec_" + base64 of the key; the signature is base64 HMAC-SHA256 over
 * "{webhook-id}.{webhook-timestamp}.{body}", sent as "v1,<signature>". During a rotation every secret signs and the
 * header lists the signatures space-delimited, so a receiver holding either the old or the new secret verifies.
 */
export const signStandardWebhook = (id: string, timestamp: number, body: string, secrets: readonly string[]): string =>
  secrets
    .map((secret) => {
      const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
      if (key.length === 0) throw new Error('a webhook signing secret is empty');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');

export interface WebhookChannelOptions {
  /** The clock for webhook-timestamp, which receivers check against replays (the reference library allows 5 min). */
  now: () => Date;
  timeoutMs?: number;
  /** Which addresses alerts may go to; public ones only unless OUTBOUND_ALLOW_PRIVATE_ADDRESSES says otherwise. */
  addresses?: OutboundAddressPolicy;
}

/**
 * POSTs the alert's payload as JSON to a receiver of the staff member's choosing (an on-call tool, a home-grown
 * pager). webhook-id is the alert id, the same on every attempt: it is the receiver's idempotency key, so a retry
 * after a lost response does not page twice. The timestamp is the attempt's, as the spec asks.
 */
export class WebhookChannel implements AlertChannelSender {
  readonly channel = 'webhook' as const;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly addresses: OutboundAddressPolicy;

  constructor(options: WebhookChannelOptions) {
    this.now = options.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.addresses = options.addresses ?? PUBLIC_ADDRESSES_ONLY;
  }

  async send(destination: Destination, alert: OutgoingAlert): Promise<void> {
    const target = destinationFor('webhook', destination);
    const label = deliveryLabel(target);
    const body = JSON.stringify(alert.payload);
    const timestamp = Math.floor(this.now().getTime() / 1000);
    let signature: string;
    try {
      signature = signStandardWebhook(alert.alertId, timestamp, body, target.secrets);
    } catch {
      throw new DeliveryFailedError(`${label}: a signing secret is not usable`, false);
    }
    const reply = await postOnce(
      label,
      target.url,
      {
        headers: {
          'content-type': 'application/json',
          'webhook-id': alert.alertId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body,
      },
      this.timeoutMs,
      this.addresses,
    );
    // The body of a failed reply is the receiver's and may echo anything we sent; only the status is reported.
    const failure = statusFailure(label, reply.status);
    if (failure) throw failure;
  }
}
