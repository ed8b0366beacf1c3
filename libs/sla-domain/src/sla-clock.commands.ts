import { SlaTarget, StaffMemberRef, Tier } from '@closeloop/contracts';

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────

export interface StartSlaClock {
  readonly type: 'StartSlaClock';
  readonly workOrderId: string;
  readonly siteId: string;
  /** The category after triage: overrides may set other targets for it. */
  readonly category?: string | undefined;
  readonly tier: Tier;
  readonly reportedAt: Date;
}

/** What happened to the order that matters to its clocks. */
export interface ObserveWorkOrder {
  readonly type: 'ObserveWorkOrder';
  readonly workOrderId: string;
  readonly happened: 'acknowledged' | 'resolved' | 'waiting-on-resident' | 'resumed' | 'reopened' | 'cancelled';
  readonly at: Date;
  /** The loop round, for a reopen. */
  readonly round?: number;
}

/**
 * A durable timer came due (by the database's clock). It names the deadline it was set for and the time it was
 * set to fire, so a timer outrun by a pause, a reopen or a recomputed deadline or warning does nothing.
 */
export interface FireSlaTimer {
  readonly type: 'FireSlaTimer';
  readonly workOrderId: string;
  readonly target: SlaTarget;
  readonly kind: 'warning' | 'breach' | 'escalation';
  readonly dueAt: string;
  readonly level?: number | undefined;
  /** When the timer was set to fire. */
  readonly firesAt: string;
  /** When it fired: recorded as the firing time, never used to judge what is due. */
  readonly now: Date;
}

/** The policy or calendar changed: recompute running deadlines from the clock's history under the new one. */
export interface RecomputeDeadlines {
  readonly type: 'RecomputeDeadlines';
  readonly workOrderId: string;
  readonly now: Date;
}

/** An on-call person acknowledged an escalation alert for this target. */
export interface AcknowledgeEscalation {
  readonly type: 'AcknowledgeEscalation';
  readonly workOrderId: string;
  readonly target: SlaTarget;
  readonly alertId: string;
  readonly by: StaffMemberRef;
  readonly at: Date;
}

export type SlaCommand = StartSlaClock | ObserveWorkOrder | FireSlaTimer | RecomputeDeadlines | AcknowledgeEscalation;
