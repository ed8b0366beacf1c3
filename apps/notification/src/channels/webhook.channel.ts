import { createHmac } from 'node:crypto';
import { retryAfterMillis } from '@closeloop/notification-domain';
import { AlertChannelSender, DeliveryFailedError, Destination, OutgoingAlert } from './alert-channel.port';
import { deliveryLabel, destinationFor, SigningJsonPostingChannel, statusFailure } from './delivery-support';

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

/**
 * POSTs the alert's payload as JSON to a receiver of the staff member's choosing (an on-call tool, a home-grown
 * pager). webhook-id is the alert id, the same on every attempt: it is the receiver's idempotency key, so a retry
 * after a lost response does not page twice. The timestamp is the attempt's, as the spec asks.
 */
export class WebhookChannel extends SigningJsonPostingChannel implements AlertChannelSender {
  readonly channel = 'webhook' as const;
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
    const reply = await this.postJson(label, target.url, body, {
      'webhook-id': alert.alertId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    });
    // The body of a failed reply is the receiver's and may echo anything we sent; only the status is reported.
    const failure = statusFailure(label, reply.status, undefined, retryAfterMillis(reply.retryAfter, this.now()));
    if (failure) throw failure;
  }
}
