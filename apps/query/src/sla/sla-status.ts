/** One target as a supervisor reads it: its deadline, and how far off (or past) it is now. */
export interface TargetStatus {
  readonly target: 'response' | 'resolution';
  readonly dueAt: string;
  readonly state: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  /** Seconds until the deadline; negative when overdue. Absent once the target is met. */
  readonly remainingSeconds?: number;
  readonly metAt?: string;
  readonly onTime?: boolean;
}

export interface SlaRow {
  readonly dueAt: Date | null;
  readonly metAt: Date | null;
  readonly breached: boolean;
  readonly paused: boolean;
  readonly stopped: boolean;
}

export const targetStatus = (target: TargetStatus['target'], row: SlaRow, now: Date): TargetStatus | undefined => {
  if (!row.dueAt) return undefined;
  const dueAt = row.dueAt.toISOString();
  if (row.metAt) return { target, dueAt, state: 'met', metAt: row.metAt.toISOString(), onTime: row.metAt.getTime() <= row.dueAt.getTime() };
  if (row.stopped) return { target, dueAt, state: 'stopped' };
  const remainingSeconds = Math.round((row.dueAt.getTime() - now.getTime()) / 1000);
  return { target, dueAt, state: row.paused ? 'paused' : row.breached ? 'breached' : 'running', remainingSeconds };
};
