import { Tier } from '@closeloop/contracts';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// Two targets run from the report: response (stops at acknowledgement) and resolution (stops at resolution,
// pauses while the order waits on the resident, restarts on reopen). A target that passes its deadline is
// breached and escalates a level at a time (1 site supervisor on call, 2 service manager, 3 operations head)
// until someone acts on the order.

export interface TargetClock {
  readonly dueAt: string;
  readonly warnAt: string;
  readonly outcome: 'running' | 'met' | 'breached';
  readonly warned: boolean;
  /** The last escalation level raised, 0 before any. */
  readonly level: number;
  /** Someone on call said "I've got it": no further level is raised for this breach. */
  readonly escalationAcknowledged: boolean;
}

export type SlaState =
  | { readonly status: 'not-started' }
  | { readonly status: 'stopped' }
  | {
      readonly status: 'running';
      readonly tier: Tier;
      readonly policyId: string;
      readonly policyVersion: number;
      readonly siteId?: string | undefined;
      readonly category?: string | undefined;
      readonly response: TargetClock & { readonly startedAt: string };
      readonly resolution: TargetClock & {
        readonly startedAt: string;
        readonly pausedSince?: string | undefined;
        /** Pauses of this round already over, for recomputing its deadline under a corrected calendar. */
        readonly pauses: readonly { readonly from: string; readonly to: string }[];
        readonly round: number;
      };
    };

export type RunningClocks = Extract<SlaState, { status: 'running' }>;

/** Each order's SLA clocks are one stream beside the order's. */
export const slaStream = (workOrderId: string): string => `sla-${workOrderId}`;
