import { EventTypes, SlaEvent, SlaTarget, StaffMemberRef, Tier } from '@closeloop/contracts';
import { addWorkingSeconds, BusinessCalendar, countsBeyondOfficialData, monthlyPlanDeadline, workingSecondsBetween } from './business-calendar';
import { SlaPolicy, targetsFor, TierTargets } from './sla-policy';

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

/** Marks an event whose working time was counted on days without official holiday data; nothing otherwise. */
const flagBeyondOfficialData = (beyond: boolean): { calendarBeyondOfficialData?: true } => (beyond ? { calendarBeyondOfficialData: true } : {});

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

export const initialSlaState = (): SlaState => ({ status: 'not-started' });

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

const addSeconds = (instant: Date | string, seconds: number): Date => new Date(new Date(instant).getTime() + seconds * 1000);
const sameInstant = (a: string, b: string): boolean => Date.parse(a) === Date.parse(b);
const secondsBetween = (from: string, to: Date): number => Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

const targetsOf = (policy: SlaPolicy, order: { tier: Tier; siteId?: string | undefined; category?: string | undefined }): TierTargets =>
  targetsFor(policy, order);

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * `calendar` is the order's site's working calendar; tiers counted around the clock ignore it.
 */
export const decideSla = (command: SlaCommand, state: SlaState, policy: SlaPolicy, calendar: BusinessCalendar): SlaEvent[] => {
  const { workOrderId } = command;
  if (command.type === 'StartSlaClock') {
    // Starting twice is a no-op, so a redelivered "triaged" event never sets a second pair of deadlines.
    if (state.status !== 'not-started') return [];
    const targets = targetsOf(policy, command);
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
  const clock = clockOf(targetsOf(policy, state), calendar);
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
const recompute = (command: RecomputeDeadlines, state: Running, policy: SlaPolicy, clock: ClockMath, calendar: BusinessCalendar): SlaEvent[] => {
  if (state.policyVersion > policy.version) return [];
  const targets = targetsOf(policy, state);
  const { response, resolution } = state;
  const at = (start: string, seconds: number) => clock.add(new Date(start), seconds).toISOString();
  const paused = resolution.pauses.reduce((sum, p) => sum + clock.between(new Date(p.from), new Date(p.to)), 0);
  const moved = (current: TargetClock, dueAt: string, warnAt: string) =>
    current.outcome === 'running' && (!sameInstant(dueAt, current.dueAt) || (!current.warned && !sameInstant(warnAt, current.warnAt)));
  const changes: Partial<Record<'responseDueAt' | 'responseWarnAt' | 'resolutionDueAt' | 'resolutionWarnAt', string>> = {};
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

const clockOf = (targets: TierTargets, calendar: BusinessCalendar): ClockMath =>
  targets.clock === 'working-time' ? workingTimeClock(calendar) : continuousClock;

interface Deadline {
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
const resolutionDeadline = (targets: TierTargets, startedAt: Date, pausedSeconds: number, warningFraction: number, calendar: BusinessCalendar): Deadline => {
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

type Running = Extract<SlaState, { status: 'running' }>;

const isPast = (clock: TargetClock, at: Date): boolean => at.getTime() > Date.parse(clock.dueAt);

/**
 * A target met after its deadline, before the breach timer got to it (sla-timer was down or behind), is recorded
 * as breached first, so counting breaches never misses one; nobody is escalated for work already done.
 */
const met = (workOrderId: string, target: SlaTarget, clock: TargetClock, at: Date): SlaEvent[] => {
  const late = isPast(clock, at);
  const metEvent: SlaEvent = { type: EventTypes.SlaTargetMet, data: { workOrderId, target, dueAt: clock.dueAt, metAt: at.toISOString(), onTime: !late } };
  if (late && clock.outcome === 'running') {
    return [{ type: EventTypes.SlaBreached, data: { workOrderId, target, dueAt: clock.dueAt, breachedAt: at.toISOString() } }, metEvent];
  }
  return [metEvent];
};

const observe = (command: ObserveWorkOrder, state: Running, policy: SlaPolicy, clock: ClockMath, calendar: BusinessCalendar): SlaEvent[] => {
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
      const restarted = resolutionDeadline(targetsOf(policy, state), at, 0, policy.warningFraction, calendar);
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
      return [{ type: EventTypes.SlaClockStopped, data: { workOrderId, stoppedAt: at.toISOString(), reason: 'cancelled' } }];
    default: {
      const unhandled: never = command.happened;
      throw new Error(`unhandled observation ${String(unhandled)}`);
    }
  }
};

/**
 * When escalation `level` of a breach falls due. The chain is anchored to the deadline: level 1 at the deadline,
 * level 2 the tier's first interval after it, level 3 the second interval after that, counted around the clock. It
 * depends on no host's clock, and an outage does not stretch it.
 */
export const escalationDueAt = (deadline: string, intervalsSeconds: readonly number[], level: number): string =>
  addSeconds(deadline, intervalsSeconds.slice(0, level - 1).reduce((sum, seconds) => sum + seconds, 0)).toISOString();

/** When the clock wants a timer of this kind (and level) to fire: a timer set for another time is outdated. */
const plannedFireAt = (clock: TargetClock, kind: FireSlaTimer['kind'], level: number, intervalsSeconds: readonly number[]): string => {
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

const fire = (command: FireSlaTimer, state: Running, policy: SlaPolicy): SlaEvent[] => {
  const { workOrderId, target, now } = command;
  const clock = target === 'response' ? state.response : state.resolution;
  const paused = target === 'resolution' && state.resolution.pausedSince !== undefined;
  const level = command.level ?? clock.level + 1;
  const firesAt = plannedFireAt(clock, command.kind, level, targetsOf(policy, state).escalationIntervalsSeconds);
  if (clock.dueAt !== command.dueAt || !sameInstant(command.firesAt, firesAt) || paused) return [];
  const at = now.toISOString();
  switch (command.kind) {
    case 'warning':
      return clock.outcome === 'running' && !clock.warned ? [{ type: EventTypes.SlaWarningRaised, data: { workOrderId, target, dueAt: clock.dueAt, warnAt: firesAt, warnedAt: at } }] : [];
    case 'breach':
      if (clock.outcome !== 'running') return [];
      return [
        { type: EventTypes.SlaBreached, data: { workOrderId, target, dueAt: clock.dueAt, breachedAt: at } },
        { type: EventTypes.SlaEscalated, data: { workOrderId, target, level: 1, dueAt: clock.dueAt, escalatedAt: at } },
      ];
    case 'escalation':
      if (clock.outcome !== 'breached' || clock.escalationAcknowledged || level !== clock.level + 1 || level > 3) return [];
      return [{ type: EventTypes.SlaEscalated, data: { workOrderId, target, level, dueAt: firesAt, escalatedAt: at } }];
    default: {
      const unhandled: never = command.kind;
      throw new Error(`unhandled timer kind ${String(unhandled)}`);
    }
  }
};

/** Only a breach being escalated can be acknowledged, and only once: a second "I've got it" changes nothing. */
const acknowledgeEscalation = (command: AcknowledgeEscalation, state: Running): SlaEvent[] => {
  const clock = command.target === 'response' ? state.response : state.resolution;
  if (clock.outcome !== 'breached' || clock.level < 1 || clock.escalationAcknowledged) return [];
  return [
    {
      type: EventTypes.SlaEscalationAcknowledged,
      data: { workOrderId: command.workOrderId, target: command.target, level: clock.level, alertId: command.alertId, acknowledgedBy: command.by, acknowledgedAt: command.at.toISOString() },
    },
  ];
};

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

const clockFor = (startedAt: string, dueAt: string, warningFraction: number, warnAt?: string): TargetClock => {
  // Events from before warning times were recorded warn at the fraction of the elapsed time.
  const start = Date.parse(startedAt);
  const warning = warnAt ?? new Date(start + (Date.parse(dueAt) - start) * warningFraction).toISOString();
  return { dueAt, warnAt: warning, outcome: 'running', warned: false, level: 0, escalationAcknowledged: false };
};

export const evolveSla = (policy: Pick<SlaPolicy, 'warningFraction'>) => (state: SlaState, event: SlaEvent): SlaState => {
  if (event.type === EventTypes.SlaTargetsSet) {
    const d = event.data;
    return {
      status: 'running',
      tier: d.tier,
      policyId: d.policyId,
      policyVersion: d.policyVersion ?? 1,
      siteId: d.siteId,
      category: d.category,
      response: { ...clockFor(d.startedAt, d.responseDueAt, policy.warningFraction, d.responseWarnAt), startedAt: d.startedAt },
      resolution: { ...clockFor(d.startedAt, d.resolutionDueAt, policy.warningFraction, d.resolutionWarnAt), startedAt: d.startedAt, pauses: [], round: 0 },
    };
  }
  if (state.status !== 'running') return state;
  const update = (target: SlaTarget, change: Partial<TargetClock>): SlaState =>
    target === 'response' ? { ...state, response: { ...state.response, ...change } } : { ...state, resolution: { ...state.resolution, ...change } };
  switch (event.type) {
    case EventTypes.SlaWarningRaised:
      return update(event.data.target, { warned: true });
    case EventTypes.SlaBreached:
      return update(event.data.target, { outcome: 'breached' });
    case EventTypes.SlaEscalated:
      return update(event.data.target, { level: event.data.level });
    case EventTypes.SlaTargetMet:
      return update(event.data.target, { outcome: 'met' });
    case EventTypes.SlaClockPaused:
      return { ...state, resolution: { ...state.resolution, pausedSince: event.data.pausedAt } };
    case EventTypes.SlaClockResumed: {
      const { resolution } = state;
      const warnAt = event.data.resolutionWarnAt ?? new Date(Date.parse(resolution.warnAt) + event.data.pausedSeconds * 1000).toISOString();
      const pauses = resolution.pausedSince ? [...resolution.pauses, { from: resolution.pausedSince, to: event.data.resumedAt }] : resolution.pauses;
      return { ...state, resolution: { ...resolution, pausedSince: undefined, pauses, dueAt: event.data.resolutionDueAt, warnAt } };
    }
    case EventTypes.SlaDeadlinesRecomputed: {
      const d = event.data;
      return {
        ...state,
        policyId: d.policyId,
        policyVersion: d.policyVersion,
        response: { ...state.response, dueAt: d.responseDueAt ?? state.response.dueAt, warnAt: d.responseWarnAt ?? state.response.warnAt },
        resolution: { ...state.resolution, dueAt: d.resolutionDueAt ?? state.resolution.dueAt, warnAt: d.resolutionWarnAt ?? state.resolution.warnAt },
      };
    }
    case EventTypes.SlaEscalationAcknowledged:
      return update(event.data.target, { escalationAcknowledged: true });
    case EventTypes.SlaClockStopped:
      return { status: 'stopped' };
    case EventTypes.SlaClockRestarted:
      return {
        ...state,
        resolution: {
          ...clockFor(event.data.restartedAt, event.data.resolutionDueAt, policy.warningFraction, event.data.resolutionWarnAt),
          startedAt: event.data.restartedAt,
          pauses: [],
          round: event.data.round,
        },
      };
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled SLA event ${JSON.stringify(unhandled)}`);
    }
  }
};

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
  const intervals = targetsOf(policy, state).escalationIntervalsSeconds;
  const timers: SlaTimer[] = [];
  const plan = (target: SlaTarget, clock: TargetClock, paused: boolean) => {
    if (clock.outcome === 'running' && !paused) {
      if (!clock.warned) timers.push({ target, kind: 'warning', dueAt: clock.dueAt, fireAt: clock.warnAt });
      timers.push({ target, kind: 'breach', dueAt: clock.dueAt, fireAt: clock.dueAt });
    }
    if (clock.outcome === 'breached' && !clock.escalationAcknowledged && clock.level >= 1 && clock.level < 3) {
      const level = clock.level + 1;
      timers.push({ target, kind: 'escalation', dueAt: clock.dueAt, level, fireAt: escalationDueAt(clock.dueAt, intervals, level) });
    }
  };
  plan('response', state.response, false);
  plan('resolution', state.resolution, state.resolution.pausedSince !== undefined);
  return timers;
};

/** Each order's SLA clocks are one stream beside the order's. */
export const slaStream = (workOrderId: string): string => `sla-${workOrderId}`;
