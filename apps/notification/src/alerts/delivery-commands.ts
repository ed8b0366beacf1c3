import { AlertChannel } from '@closeloop/contracts';
import { SendOutcome } from '../channels/alert-channel.port';

interface Addressee {
  readonly staffId: string;
  readonly channel: AlertChannel;
}

/** Errors and reasons are kept short on the alert's events. */
const clipped = (text: string): string => text.slice(0, 500);

/** The delivery workers act on alerts as the service itself. */
export const NOTIFICATION_ACTOR = { kind: 'system', id: 'notification' } as const;

/** One send, by a delivery or a digest, recorded on an alert it paged for. */
export const recordDeliveryAttempt = (
  to: Addressee & { readonly destination: string },
  { failure, latencyMs }: SendOutcome,
  at: Date,
) => ({
  type: 'RecordDeliveryAttempt' as const,
  staffId: to.staffId,
  channel: to.channel,
  destination: to.destination,
  outcome: failure ? ('failed' as const) : ('delivered' as const),
  latencyMs,
  error: failure ? clipped(failure.message) : undefined,
  at,
});

/** A person's channel gave up on for an alert: its retries ran out or the failure was final. */
export const deadLetterDelivery = (to: Addressee, reason: string, at: Date) => ({
  type: 'DeadLetterDelivery' as const,
  staffId: to.staffId,
  channel: to.channel,
  reason: clipped(reason),
  at,
});
