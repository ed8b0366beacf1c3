/** One target as a supervisor reads it: its deadline, and how far off (or past) it is now. */
export interface TargetStatus {
  readonly target: 'response' | 'resolution';
  readonly dueAt: string;
  readonly state: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  /** The level this target's escalation reached in the current round, 0 if none; a met target keeps it. */
  readonly escalationLevel: number;
  /**
   * Seconds until the deadline; negative when overdue. While paused, what was left when the pause began: the
   * clock is not running, and the deadline moves on by the pause when it resumes. Absent once the target is met.
   */
  readonly remainingSeconds?: number;
  readonly metAt?: string;
  readonly onTime?: boolean;
}

export interface SlaRow {
  readonly dueAt: Date | null;
  readonly metAt: Date | null;
  readonly breached: boolean;
  readonly escalationLevel: number;
  /** When the clock was paused (the order waits on the resident); null while it runs. */
  readonly pausedSince: Date | null;
  readonly stopped: boolean;
}

export const targetStatus = (target: TargetStatus['target'], row: SlaRow, now: Date): TargetStatus | undefined => {
  if (!row.dueAt) return undefined;
  const dueAt = row.dueAt.toISOString();
  const { escalationLevel } = row;
  if (row.metAt)
    return {
      target,
      dueAt,
      state: 'met',
      escalationLevel,
      metAt: row.metAt.toISOString(),
      onTime: row.metAt.getTime() <= row.dueAt.getTime(),
    };
  if (row.stopped) return { target, dueAt, state: 'stopped', escalationLevel };
  const countedTo = row.pausedSince ?? now;
  const remainingSeconds = Math.round((row.dueAt.getTime() - countedTo.getTime()) / 1000);
  return {
    target,
    dueAt,
    state: row.pausedSince ? 'paused' : row.breached ? 'breached' : 'running',
    escalationLevel,
    remainingSeconds,
  };
};
