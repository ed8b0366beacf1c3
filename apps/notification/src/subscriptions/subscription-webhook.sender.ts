import { retryAfterMillis } from '@closeloop/notification-domain';
import { Webhook } from 'standardwebhooks';
import { DeliveryFailedError } from '../channels/alert-channel.port';
import { SigningJsonPostingChannel, statusFailure } from '../channels/delivery-support';

export interface WebhookSendOutcome {
  /** The receiver's HTTP status, when it answered at all. */
  readonly status?: number;
  readonly failure?: DeliveryFailedError;
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return '(unparsable url)';
  }
};

/**
 * One attempt to deliver an event to an integrator's subscription: the CloudEvent in structured JSON, signed with
 * Standard Webhooks by the reference `standardwebhooks` library (webhook-id is the event id, the same on every
 * attempt, the receiver's idempotency key; webhook-timestamp the attempt's). It POSTs as the alert channels do
 * (delivery-support): within the channel timeout, no redirects followed, and only to addresses the outbound rule
 * allows, checked on the addresses the connection actually uses (SSRF, docs/adr/0017).
 */
export class SubscriptionWebhookSender extends SigningJsonPostingChannel {
  async send(url: string, secret: string, eventId: string, body: string): Promise<WebhookSendOutcome> {
    const label = `webhook to ${hostOf(url)}`;
    const now = this.now();
    let signature: string;
    try {
      signature = new Webhook(secret).sign(eventId, now, body);
    } catch {
      return { failure: new DeliveryFailedError(`${label}: the signing secret is not usable`, false) };
    }
    try {
      const reply = await this.postJson(label, url, body, {
        'content-type': 'application/cloudevents+json; charset=utf-8',
        'user-agent': 'Closeloop-Webhooks/1',
        'webhook-id': eventId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      });
      // Only the status is kept: the body of a failed reply is the receiver's and may echo anything we sent.
      const failure = statusFailure(label, reply.status, undefined, retryAfterMillis(reply.retryAfter, this.now()));
      return { status: reply.status, ...(failure ? { failure } : {}) };
    } catch (error) {
      if (error instanceof DeliveryFailedError) return { failure: error };
      throw error;
    }
  }
}
