import {
  addWorkingSeconds,
  BusinessCalendar,
  countsBeyondOfficialData,
  monthlyPlanDeadline,
  workingSecondsBetween,
} from './business-calendar';
import { TierTargets } from './sla-policy';

// ── Clock arithmetic ──────────────────────────────────────────────────────────────────────────────────────
// How SLA deadlines are counted: around the clock or in working time on a site's business calendar, and where
// a warning, a resolution deadline and an escalation level fall. Pure functions of instants, targets and calendars.

/** How a tier's targets count time: around the clock, or in working time on the site's calendar. */
export interface ClockMath {
  add(start: Date, seconds: number): Date;
  between(from: Date, to: Date): number;
  /** Whether counting from `from` to `to` relied on days the holiday data has no official calendar for. */
  beyondOfficialData(from: Date, to: Date): boolean;
}

export const continuousClock: ClockMath = {
  add: (start, seconds) => new Date(start.getTime() + seconds * 1000),
  between: (from, to) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000)),
  beyondOfficialData: () => false,
};

export const workingTimeClock = (calendar: BusinessCalendar): ClockMath => ({
  add: (start, seconds) => addWorkingSeconds(start, seconds, calendar),
  between: (from, to) => workingSecondsBetween(from, to, calendar),
  beyondOfficialData: (from, to) => countsBeyondOfficialData(from, to, calendar),
});

const addSeconds = (instant: Date | string, seconds: number): Date =>
  new Date(new Date(instant).getTime() + seconds * 1000);
export const sameInstant = (a: string, b: string): boolean => Date.parse(a) === Date.parse(b);
export const secondsBetween = (from: string, to: Date): number =>
  Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

export const clockOf = (targets: TierTargets, calendar: BusinessCalendar): ClockMath =>
  targets.clock === 'working-time' ? workingTimeClock(calendar) : continuousClock;

export interface Deadline {
  readonly dueAt: string;
  readonly warnAt: string;
  /** Whether finding it relied on days without official holiday data. */
  readonly beyondOfficialData: boolean;
}

/**
 * The resolution deadline of a clock started at `startedAt` (the report, or this round's reopen) with
 * `pausedSeconds` of this round's pauses behind it, counted the tier's way, and its warning at the policy's
 * fraction of the span from the start to the deadline. Starting, restarting and recomputing all ask here, so a
 * duration and a monthly plan are told apart in this one place; a resume moves the deadline already recorded on by
 * its pause, whichever rule set it.
 */
export const resolutionDeadline = (
  targets: TierTargets,
  startedAt: Date,
  pausedSeconds: number,
  warningFraction: number,
  calendar: BusinessCalendar,
): Deadline => {
  const clock = clockOf(targets, calendar);
  const { resolution } = targets;
  if ('seconds' in resolution) {
    const dueAt = clock.add(startedAt, resolution.seconds + pausedSeconds);
    return {
      dueAt: dueAt.toISOString(),
      warnAt: clock.add(startedAt, resolution.seconds * warningFraction + pausedSeconds).toISOString(),
      beyondOfficialData: clock.beyondOfficialData(startedAt, dueAt),
    };
  }
  const planClose = monthlyPlanDeadline(startedAt, resolution.cutoffDay, calendar);
  // Counting from a close of business would start at the next opening, so an unpaused plan keeps its close.
  const dueAt = pausedSeconds > 0 ? clock.add(planClose, pausedSeconds) : planClose;
  return {
    dueAt: dueAt.toISOString(),
    warnAt: clock.add(startedAt, clock.between(startedAt, planClose) * warningFraction + pausedSeconds).toISOString(),
    // The month's last working day is read off the calendar even for a tier counted around the clock.
    beyondOfficialData: countsBeyondOfficialData(startedAt, dueAt, calendar),
  };
};

/**
 * When escalation `level` of a breach falls due. The chain is anchored to the deadline: level 1 at the deadline,
 * level 2 the tier's first interval after it, level 3 the second interval after that, counted around the clock. It
 * depends on no host's clock, and an outage does not stretch it.
 */
export const escalationDueAt = (deadline: string, intervalsSeconds: readonly number[], level: number): string =>
  addSeconds(
    deadline,
    intervalsSeconds.slice(0, level - 1).reduce((sum, seconds) => sum + seconds, 0),
  ).toISOString();
