import { z } from 'zod';
import {
  AlertChainExhaustedData,
  AlertChannel,
  AlertClosedData,
  AlertDeliveryAttemptedData,
  AlertKindSchema,
  AlertRecipientSchema,
  SlaTarget,
  StaffMemberRef,
} from '@closeloop/contracts';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// An alert pages its recipients, each on each of their channels, until one of them acknowledges it ("I've got
// it") or there is nothing left to page about (the order was resolved, closed or cancelled, or the target met).
// A delivery is keyed `staffId:channel`: each key is tried until it is delivered or dead-lettered (retries ran
// out). After an acknowledgement or a close nothing more is sent: the caller asks `mayDeliver` before each send.
// Past `none` every status carries the same facts (so the service can project any of them into one table row and
// read them without narrowing further); acknowledged adds who took it, closed adds why paging stopped.

export type AlertKind = z.infer<typeof AlertKindSchema>;
export type AlertRecipient = z.infer<typeof AlertRecipientSchema>;
export type AlertCloseReason = z.infer<typeof AlertClosedData>['reason'];
export type AlertDeliveryOutcome = z.infer<typeof AlertDeliveryAttemptedData>['outcome'];
/** Who is paged when a chain runs out, and why them (see ADR 12). */
export type ChainFallback = z.infer<typeof AlertChainExhaustedData>['fallback'];

/** The last level of every chain: the operations head. Nothing is above it, so a dead letter there ends the chain. */
export const TOP_LEVEL = 3;

export interface AlertFacts {
  readonly alertId: string;
  readonly workOrderId: string;
  readonly kind: AlertKind;
  readonly siteId: string;
  readonly target?: SlaTarget | undefined;
  /** 1 site supervisor on call, 2 service manager, 3 operations head; escalations only. */
  readonly level?: number | undefined;
  /** The target's deadline, for "overdue by" in the message. */
  readonly dueAt?: string | undefined;
  readonly recipients: readonly AlertRecipient[];
  readonly causeEventId: string;
  /** The SLA round (0 until the first reopen); with order, target and level the alert's identity. */
  readonly round: number;
  readonly raisedAt: string;
  /** Attempts so far per `staffId:channel`. */
  readonly attempts: Readonly<Record<string, number>>;
  /** `staffId:channel` keys delivered. */
  readonly delivered: readonly string[];
  /** `staffId:channel` keys whose retries ran out. */
  readonly deadLettered: readonly string[];
  readonly acknowledgedBy?: StaffMemberRef | undefined;
  readonly acknowledgedAt?: string | undefined;
  readonly acknowledgedVia?: 'api' | 'link' | undefined;
  readonly closedReason?: AlertCloseReason | undefined;
  readonly closedAt?: string | undefined;
  /**
   * Set when the chain ran out at this alert (the top level, every delivery dead): the fallback contact is then
   * also a recipient, paged once per channel, and may acknowledge.
   */
  readonly exhausted?: { readonly fallback: ChainFallback; readonly at: string } | undefined;
}

export type AlertState =
  | { readonly status: 'none' }
  | (AlertFacts & { readonly status: 'open' })
  | (AlertFacts & {
      readonly status: 'acknowledged';
      readonly acknowledgedBy: StaffMemberRef;
      readonly acknowledgedAt: string;
    })
  | (AlertFacts & { readonly status: 'closed'; readonly closedReason: AlertCloseReason; readonly closedAt: string });

export type RaisedAlert = Exclude<AlertState, { status: 'none' }>;

export const alertStream = (alertId: string): string => `alert-${alertId}`;

/** The key a delivery is counted under: one recipient on one channel. */
export const deliveryKey = (staffId: string, channel: AlertChannel): string => `${staffId}:${channel}`;
