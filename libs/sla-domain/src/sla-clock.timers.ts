import { SlaTarget } from '@closeloop/contracts';
import { escalationDueAt } from './clock-math';
import { FireSlaTimer } from './sla-clock.commands';
import { SlaState, TargetClock } from './sla-clock.state';
import { SlaPolicy, targetsFor } from './sla-policy';

// ── Timers ────────────────────────────────────────────────────────────────────────────────────────────────

export interface SlaTimer {
  readonly target: SlaTarget;
  readonly kind: FireSlaTimer['kind'];
  /** The deadline the timer belongs to; with the kind, level and fire time it names the timer. */
  readonly dueAt: string;
  readonly level?: number | undefined;
  readonly fireAt: string;
}

/** The timers the clocks need now. Scheduling is idempotent, so the full set is asked for after every change. */
export const timersFor = (state: SlaState, policy: SlaPolicy): SlaTimer[] => {
  if (state.status !== 'running') return [];
  const intervals = targetsFor(policy, state).escalationIntervalsSeconds;
  const timers: SlaTimer[] = [];
  const plan = (target: SlaTarget, clock: TargetClock, paused: boolean) => {
    if (clock.outcome === 'running' && !paused) {
      if (!clock.warned) timers.push({ target, kind: 'warning', dueAt: clock.dueAt, fireAt: clock.warnAt });
      timers.push({ target, kind: 'breach', dueAt: clock.dueAt, fireAt: clock.dueAt });
    }
    if (clock.outcome === 'breached' && !clock.escalationAcknowledged && clock.level >= 1 && clock.level < 3) {
      const level = clock.level + 1;
      timers.push({
        target,
        kind: 'escalation',
        dueAt: clock.dueAt,
        level,
        fireAt: escalationDueAt(clock.dueAt, intervals, level),
      });
    }
  };
  plan('response', state.response, false);
  plan('resolution', state.resolution, state.resolution.pausedSince !== undefined);
  return timers;
};

/** When the clock wants a timer of this kind (and level) to fire: a timer set for another time is outdated. */
export const plannedFireAt = (
  clock: TargetClock,
  kind: FireSlaTimer['kind'],
  level: number,
  intervalsSeconds: readonly number[],
): string => {
  switch (kind) {
    case 'warning':
      return clock.warnAt;
    case 'breach':
      return clock.dueAt;
    case 'escalation':
      return escalationDueAt(clock.dueAt, intervalsSeconds, level);
    default: {
      const unhandled: never = kind;
      throw new Error(`unhandled timer kind ${String(unhandled)}`);
    }
  }
};
