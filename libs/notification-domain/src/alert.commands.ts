import { z } from 'zod';
import { AlertChannel, AlertRaisedData, StaffMemberRef } from '@closeloop/contracts';
import { AlertCloseReason, AlertDeliveryOutcome, ChainFallback } from './alert.state';

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────
// Instants may come as a Date or an ISO string; events always carry ISO UTC. alertId and workOrderId on the later
// commands are for the caller's logs: the events take them from the alert itself.

type Instant = Date | string;

export type RaiseAlert = { readonly type: 'RaiseAlert' } & z.infer<typeof AlertRaisedData>;

export interface RecordDeliveryAttempt {
  readonly type: 'RecordDeliveryAttempt';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly staffId: string;
  readonly channel: AlertChannel;
  /** Where it went, already masked (a phone's last four digits, an e-mail's domain, a webhook's host). */
  readonly destination: string;
  readonly outcome: AlertDeliveryOutcome;
  readonly latencyMs: number;
  readonly error?: string | undefined;
  readonly at: Instant;
}

export interface DeadLetterDelivery {
  readonly type: 'DeadLetterDelivery';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly staffId: string;
  readonly channel: AlertChannel;
  readonly reason: string;
  readonly at: Instant;
}

export interface AcknowledgeAlert {
  readonly type: 'AcknowledgeAlert';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly by: StaffMemberRef;
  /** Through the API, or through the signed link in the message. */
  readonly via: 'api' | 'link';
  readonly at: Instant;
}

export interface CloseAlert {
  readonly type: 'CloseAlert';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly reason: AlertCloseReason;
  readonly at: Instant;
}

/** Every delivery of the top-level alert is dead: record that the chain ran out and name who is paged instead. */
export interface ExhaustChain {
  readonly type: 'ExhaustChain';
  readonly alertId?: string;
  readonly workOrderId?: string;
  readonly fallback: ChainFallback;
  readonly at: Instant;
}

export type AlertCommand =
  RaiseAlert | RecordDeliveryAttempt | DeadLetterDelivery | AcknowledgeAlert | CloseAlert | ExhaustChain;
