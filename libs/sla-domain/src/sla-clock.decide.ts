import { EventTypes, SlaEvent, SlaTarget } from '@closeloop/contracts';
import { BusinessCalendar } from './business-calendar';
import { ClockMath, clockOf, resolutionDeadline, sameInstant, secondsBetween } from './clock-math';
import {
  AcknowledgeEscalation,
  FireSlaTimer,
  ObserveWorkOrder,
  RecomputeDeadlines,
  SlaCommand,
} from './sla-clock.commands';
import { RunningClocks, SlaState, TargetClock } from './sla-clock.state';
import { plannedFireAt } from './sla-clock.timers';
import { SlaPolicy, targetsFor } from './sla-policy';

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

/** Marks an event whose working time was counted on days without official holiday data; nothing otherwise. */
const flagBeyondOfficialData = (beyond: boolean): { calendarBeyondOfficialData?: true } =>
  beyond ? { calendarBeyondOfficialData: true } : {};

/**
 * `calendar` is the order's site's working calendar; tiers counted around the clock ignore it.
 */
export const decideClocks = (
  command: SlaCommand,
  state: SlaState,
  policy: SlaPolicy,
  calendar: BusinessCalendar,
): SlaEvent[] => {
  const { workOrderId } = command;
  if (command.type === 'StartSlaClock') {
    // Starting twice is a no-op, so a redelivered "triaged" event never sets a second pair of deadlines.
    if (state.status !== 'not-started') return [];
    const targets = targetsFor(policy, command);
    const clock = clockOf(targets, calendar);
    const at = (seconds: number) => clock.add(command.reportedAt, seconds).toISOString();
    const resolution = resolutionDeadline(targets, command.reportedAt, 0, policy.warningFraction, calendar);
    return [
      {
        type: EventTypes.SlaTargetsSet,
        data: {
          workOrderId,
          tier: command.tier,
          policyId: policy.id,
          startedAt: command.reportedAt.toISOString(),
          responseDueAt: at(targets.responseSeconds),
          resolutionDueAt: resolution.dueAt,
          siteId: command.siteId,
          category: command.category,
          policyVersion: policy.version,
          responseWarnAt: at(targets.responseSeconds * policy.warningFraction),
          resolutionWarnAt: resolution.warnAt,
          ...flagBeyondOfficialData(resolution.beyondOfficialData),
        },
      },
    ];
  }
  if (state.status !== 'running') return [];
  const clock = clockOf(targetsFor(policy, state), calendar);
  switch (command.type) {
    case 'ObserveWorkOrder':
      return observe(command, state, policy, clock, calendar);
    case 'FireSlaTimer':
      return fire(command, state, policy);
    case 'RecomputeDeadlines':
      return recompute(command, state, policy, clock, calendar);
    case 'AcknowledgeEscalation':
      return acknowledgeEscalation(command, state);
    default: {
      const unhandled: never = command;
      throw new Error(`unhandled SLA command ${JSON.stringify(unhandled)}`);
    }
  }
};

/**
 * Deadlines of running targets, recomputed from the clock's history (its start, and this round's pauses) under the
 * current policy and calendar. Only a running target whose deadline moved, or whose pending warning moved, is
 * listed; when none did, nothing is recorded, so met, breached and stopped targets (and closed orders) keep their
 * verdict and an untouched timeline. The result depends on nothing but the history, the policy and the calendar,
 * so recomputing again changes nothing; a clock already computed under a newer policy version is left to it.
 */
const recompute = (
  command: RecomputeDeadlines,
  state: RunningClocks,
  policy: SlaPolicy,
  clock: ClockMath,
  calendar: BusinessCalendar,
): SlaEvent[] => {
  if (state.policyVersion > policy.version) return [];
  const targets = targetsFor(policy, state);
  const { response, resolution } = state;
  const at = (start: string, seconds: number) => clock.add(new Date(start), seconds).toISOString();
  const paused = resolution.pauses.reduce((sum, p) => sum + clock.between(new Date(p.from), new Date(p.to)), 0);
  const moved = (current: TargetClock, dueAt: string, warnAt: string) =>
    current.outcome === 'running' &&
    (!sameInstant(dueAt, current.dueAt) || (!current.warned && !sameInstant(warnAt, current.warnAt)));
  const changes: Partial<Record<'responseDueAt' | 'responseWarnAt' | 'resolutionDueAt' | 'resolutionWarnAt', string>> =
    {};
  /** Per target listed, whether its deadline was counted on days without official holiday data. */
  const beyondOfficialData: boolean[] = [];
  const responseDueAt = at(response.startedAt, targets.responseSeconds);
  const responseWarnAt = at(response.startedAt, targets.responseSeconds * policy.warningFraction);
  if (moved(response, responseDueAt, responseWarnAt)) {
    Object.assign(changes, { responseDueAt, responseWarnAt });
    beyondOfficialData.push(clock.beyondOfficialData(new Date(response.startedAt), new Date(responseDueAt)));
  }
  const startedAt = new Date(resolution.startedAt);
  const deadline = resolutionDeadline(targets, startedAt, paused, policy.warningFraction, calendar);
  if (moved(resolution, deadline.dueAt, deadline.warnAt)) {
    Object.assign(changes, { resolutionDueAt: deadline.dueAt, resolutionWarnAt: deadline.warnAt });
    beyondOfficialData.push(deadline.beyondOfficialData);
  }
  if (beyondOfficialData.length === 0) return [];
  return [
    {
      type: EventTypes.SlaDeadlinesRecomputed,
      data: {
        workOrderId: command.workOrderId,
        policyId: policy.id,
        policyVersion: policy.version,
        ...changes,
        recomputedAt: command.now.toISOString(),
        ...flagBeyondOfficialData(beyondOfficialData.some(Boolean)),
      },
    },
  ];
};

const isPast = (clock: TargetClock, at: Date): boolean => at.getTime() > Date.parse(clock.dueAt);

/**
 * A target met after its deadline, before the breach timer got to it (sla-timer was down or behind), is recorded
 * as breached first, so counting breaches never misses one; nobody is escalated for work already done.
 */
const met = (workOrderId: string, target: SlaTarget, clock: TargetClock, at: Date): SlaEvent[] => {
  const late = isPast(clock, at);
  const metEvent: SlaEvent = {
    type: EventTypes.SlaTargetMet,
    data: { workOrderId, target, dueAt: clock.dueAt, metAt: at.toISOString(), onTime: !late },
  };
  if (late && clock.outcome === 'running') {
    return [
      { type: EventTypes.SlaBreached, data: { workOrderId, target, dueAt: clock.dueAt, breachedAt: at.toISOString() } },
      metEvent,
    ];
  }
  return [metEvent];
};

const observe = (
  command: ObserveWorkOrder,
  state: RunningClocks,
  policy: SlaPolicy,
  clock: ClockMath,
  calendar: BusinessCalendar,
): SlaEvent[] => {
  const { workOrderId, at } = command;
  const { response, resolution } = state;
  switch (command.happened) {
    case 'acknowledged':
      return response.outcome === 'met' ? [] : met(workOrderId, 'response', response, at);
    case 'resolved':
      return resolution.outcome === 'met' ? [] : met(workOrderId, 'resolution', resolution, at);
    case 'waiting-on-resident':
      // A deadline already passed is not paused: its breach stands, even if the timer has not fired yet.
      if (resolution.outcome !== 'running' || resolution.pausedSince || isPast(resolution, at)) return [];
      return [{ type: EventTypes.SlaClockPaused, data: { workOrderId, pausedAt: at.toISOString() } }];
    case 'resumed': {
      if (!resolution.pausedSince) return [];
      // What was left of the target when the pause began is what remains now, counted the tier's way.
      const pausedAt = new Date(resolution.pausedSince);
      const left = (until: string) => clock.between(pausedAt, new Date(until));
      const resolutionDueAt = clock.add(at, left(resolution.dueAt));
      return [
        {
          type: EventTypes.SlaClockResumed,
          data: {
            workOrderId,
            resumedAt: at.toISOString(),
            pausedSeconds: secondsBetween(resolution.pausedSince, at),
            resolutionDueAt: resolutionDueAt.toISOString(),
            resolutionWarnAt: clock.add(at, left(resolution.warnAt)).toISOString(),
            ...flagBeyondOfficialData(clock.beyondOfficialData(pausedAt, resolutionDueAt)),
          },
        },
      ];
    }
    case 'reopened': {
      const round = command.round ?? resolution.round + 1;
      if (round <= resolution.round) return [];
      const restarted = resolutionDeadline(targetsFor(policy, state), at, 0, policy.warningFraction, calendar);
      return [
        {
          type: EventTypes.SlaClockRestarted,
          data: {
            workOrderId,
            round,
            restartedAt: at.toISOString(),
            resolutionDueAt: restarted.dueAt,
            resolutionWarnAt: restarted.warnAt,
            ...flagBeyondOfficialData(restarted.beyondOfficialData),
          },
        },
      ];
    }
    case 'cancelled':
      return [
        { type: EventTypes.SlaClockStopped, data: { workOrderId, stoppedAt: at.toISOString(), reason: 'cancelled' } },
      ];
    default: {
      const unhandled: never = command.happened;
      throw new Error(`unhandled observation ${String(unhandled)}`);
    }
  }
};

const fire = (command: FireSlaTimer, state: RunningClocks, policy: SlaPolicy): SlaEvent[] => {
  const { workOrderId, target, now } = command;
  const clock = target === 'response' ? state.response : state.resolution;
  const paused = target === 'resolution' && state.resolution.pausedSince !== undefined;
  const level = command.level ?? clock.level + 1;
  const firesAt = plannedFireAt(clock, command.kind, level, targetsFor(policy, state).escalationIntervalsSeconds);
  if (clock.dueAt !== command.dueAt || !sameInstant(command.firesAt, firesAt) || paused) return [];
  const at = now.toISOString();
  switch (command.kind) {
    case 'warning':
      return clock.outcome === 'running' && !clock.warned
        ? [
            {
              type: EventTypes.SlaWarningRaised,
              data: { workOrderId, target, dueAt: clock.dueAt, warnAt: firesAt, warnedAt: at },
            },
          ]
        : [];
    case 'breach':
      if (clock.outcome !== 'running') return [];
      return [
        { type: EventTypes.SlaBreached, data: { workOrderId, target, dueAt: clock.dueAt, breachedAt: at } },
        { type: EventTypes.SlaEscalated, data: { workOrderId, target, level: 1, dueAt: clock.dueAt, escalatedAt: at } },
      ];
    case 'escalation':
      if (clock.outcome !== 'breached' || clock.escalationAcknowledged || level !== clock.level + 1 || level > 3)
        return [];
      return [{ type: EventTypes.SlaEscalated, data: { workOrderId, target, level, dueAt: firesAt, escalatedAt: at } }];
    default: {
      const unhandled: never = command.kind;
      throw new Error(`unhandled timer kind ${String(unhandled)}`);
    }
  }
};

/** Only a breach being escalated can be acknowledged, and only once: a second "I've got it" changes nothing. */
const acknowledgeEscalation = (command: AcknowledgeEscalation, state: RunningClocks): SlaEvent[] => {
  const clock = command.target === 'response' ? state.response : state.resolution;
  if (clock.outcome !== 'breached' || clock.level < 1 || clock.escalationAcknowledged) return [];
  return [
    {
      type: EventTypes.SlaEscalationAcknowledged,
      data: {
        workOrderId: command.workOrderId,
        target: command.target,
        level: clock.level,
        alertId: command.alertId,
        acknowledgedBy: command.by,
        acknowledgedAt: command.at.toISOString(),
      },
    },
  ];
};
