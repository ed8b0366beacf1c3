/** How far through its running target an order is, as the at-risk page groups orders. */
export type AtRiskBand = 'under-50' | '50-75' | '75-90' | '90+' | 'breached';

/** The running target an at-risk order is listed for: the unmet one whose deadline comes next. */
export interface RunningTarget {
  readonly target: 'response' | 'resolution';
  /** When its clock started (the resolution target's: its current round's start). */
  readonly startedAt: Date;
  readonly dueAt: Date;
  /** Pauses since it started: they moved its deadline on and do not count as elapsed. */
  readonly pausedSeconds: number;
  readonly breached: boolean;
  readonly escalationLevel: number;
}

export interface AtRisk {
  readonly target: RunningTarget['target'];
  /** Elapsed share of the target's time, in percent (one decimal, rounded down); past 100 when overdue. */
  readonly elapsedPercent: number;
  readonly band: AtRiskBand;
  /** The level this target's escalation reached, 0 if none. */
  readonly escalationLevel: number;
}

/**
 * The share of the target's time that has run, on the wall clock: (now − start − pauses) ÷ (deadline − start −
 * pauses). Deadlines count working hours (the site's calendar), so over a night or a weekend this share runs ahead
 * of the working-time share the SLA timer warns by; the bands are for ordering a supervisor's attention.
 */
export const atRisk = (running: RunningTarget, now: Date): AtRisk => {
  const pausedMillis = running.pausedSeconds * 1000;
  const total = running.dueAt.getTime() - running.startedAt.getTime() - pausedMillis;
  const elapsed = now.getTime() - running.startedAt.getTime() - pausedMillis;
  const share = total <= 0 ? 1 : Math.max(0, elapsed) / total;
  return {
    target: running.target,
    elapsedPercent: Math.floor(share * 1000) / 10,
    band: bandOf(share, running.breached),
    escalationLevel: running.escalationLevel,
  };
};

const bandOf = (share: number, breached: boolean): AtRiskBand => {
  if (breached || share >= 1) return 'breached';
  if (share >= 0.9) return '90+';
  if (share >= 0.75) return '75-90';
  if (share >= 0.5) return '50-75';
  return 'under-50';
};
