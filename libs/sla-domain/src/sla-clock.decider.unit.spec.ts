import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isWorkday } from 'chinese-days';
import { EventTypes, foldEvents, SlaEvent, SlaTarget, Tier } from '@closeloop/contracts';
import { deciderSpec, expectPublishable, roundTheClockSlaTiers } from '@closeloop/testing';
import { FireSlaTimer, ObserveWorkOrder, SlaCommand, StartSlaClock } from './sla-clock.commands';
import { slaClockDecider } from './sla-clock.decider';
import { SlaState, slaStream } from './sla-clock.state';
import { SlaTimer, timersFor } from './sla-clock.timers';
import { BusinessCalendar } from './business-calendar';
import { shanghaiOffice } from './calendars-under-test.spec';
import { SlaPolicy, SlaPolicySchema } from './sla-policy';

// ── Policies ──────────────────────────────────────────────────────────────────────────────────────────────
// The shipped policy, parsed exactly as the sla-timer service parses it at start-up: urgent answered in 30 min
// and fixed in 2 h around the clock, warned at 80 %, escalated to the service manager 15 min after the breach
// and to the operations head 30 min after that; normal and planned counted in working time. A hand-made policy
// with second-scale targets and a 50 % warning, so a whole escalation fits in a minute and the fraction is
// visibly the policy's own. The targets shipped before working-time clocks, every tier around the clock. And a
// hand-made working-day policy: normal answered within 4 working hours and fixed within one working day.

const shipped: SlaPolicy = SlaPolicySchema.parse(
  JSON.parse(readFileSync(join(__dirname, '../../../config/sla-policy.json'), 'utf8')),
);

/**
 * A policy whose tiers leave `clock` out, so every tier counts around the clock (the default): per tier, seconds to
 * respond, seconds to resolve, and the escalation intervals after a breach (none for a tier given two figures).
 */
type AroundTheClock = readonly [respond: number, resolve: number, escalations?: readonly number[]];
const aroundTheClock = (
  id: string,
  warningFraction: number,
  tiers: { readonly [tier in Tier]: AroundTheClock },
): SlaPolicy =>
  SlaPolicySchema.parse({
    id,
    warningFraction,
    tiers: Object.fromEntries(
      Object.entries(tiers).map(([tier, [responseSeconds, resolutionSeconds, escalationIntervalsSeconds]]) => [
        tier,
        { responseSeconds, resolutionSeconds, ...(escalationIntervalsSeconds ? { escalationIntervalsSeconds } : {}) },
      ]),
    ),
  });

const quick = aroundTheClock('quick-test', 0.5, {
  urgent: [10, 60, [5, 20]],
  normal: [20, 120, [10, 30]],
  planned: [30, 300],
});

const roundTheClock = aroundTheClock('round-the-clock', 0.8, {
  urgent: [1800, 7200, [900, 1800]],
  normal: [14400, 86400, [3600, 14400]],
  planned: [259200, 2592000, [86400, 259200]],
});

const workingDay: SlaPolicy = SlaPolicySchema.parse({
  id: 'working-day-test',
  tiers: {
    urgent: {
      clock: 'continuous',
      responseSeconds: 1800,
      resolutionSeconds: 7200,
      escalationIntervalsSeconds: [900, 1800],
    },
    normal: {
      clock: 'working-time',
      responseSeconds: 14400,
      resolutionSeconds: 32400,
      escalationIntervalsSeconds: [3600, 14400],
    },
    planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
  },
});

// ── Calendars ─────────────────────────────────────────────────────────────────────────────────────────────
// The site's calendar is the decider's fourth argument. Continuous tiers ignore it, so most cases pass one open
// all day, every day. The working-time cases use the real mainland-China calendar: weekends off, public holidays
// off, adjusted workdays (调休) on, from the chinese-days package, at the default office hours 08:30-17:30
// (shanghaiOffice, shared with the calendar's own specs).

const alwaysOpen: BusinessCalendar = {
  timeZone: 'Asia/Shanghai',
  opens: '00:00',
  closes: '23:59',
  isWorkingDay: () => true,
  hasOfficialDataFor: () => true,
};

// ── Given / when / then ───────────────────────────────────────────────────────────────────────────────────
// deciderSpec (libs/testing) folds the given events as SlaClockService does after reading the `sla-<id>` stream.

/** The clocks under a policy, counting on one calendar whatever the site. */
const clocks = (policy: SlaPolicy = shipped, calendar: BusinessCalendar = alwaysOpen) =>
  slaClockDecider(policy, () => calendar);

const fold = (events: readonly SlaEvent[], policy: SlaPolicy = shipped): SlaState => foldEvents(clocks(policy), events);

const given = (history: readonly SlaEvent[], policy: SlaPolicy = shipped, calendar: BusinessCalendar = alwaysOpen) =>
  deciderSpec(clocks(policy, calendar)).given(history);

/** Each command, on the given events, decides nothing: a redelivery, a stale timer, a fact that no longer matters. */
const expectIgnored = (history: readonly SlaEvent[], ...commands: SlaCommand[]) => {
  for (const command of commands) given(history).when(command).then([]);
};

/** One test a case, named by its key: on the given events, each of its commands decides nothing. */
const itIgnores = (history: readonly SlaEvent[], cases: Readonly<Record<string, readonly SlaCommand[]>>) =>
  it.each(Object.entries(cases))('%s', (_name, commands) => expectIgnored(history, ...commands));

/** One test a case, named by its key: on the given events, the command decides exactly these events. */
const itDecides = (
  history: readonly SlaEvent[],
  cases: Readonly<Record<string, readonly [SlaCommand, readonly SlaEvent[]]>>,
) =>
  it.each(Object.entries(cases))('%s', (_name, [command, events]) => {
    given(history).when(command).then(events);
  });

/** The timers the clocks want after the given events. */
const timersAfter = (history: readonly SlaEvent[], policy: SlaPolicy = shipped): SlaTimer[] =>
  timersFor(fold(history, policy), policy);

/** The timers are a set (the service schedules each idempotently), so their order is not part of the contract. */
const expectTimers = (actual: readonly SlaTimer[], expected: readonly SlaTimer[]) => {
  expect(actual).toHaveLength(expected.length);
  expect(actual).toEqual(expect.arrayContaining(expected.map((t) => expect.objectContaining(t))));
  for (const timer of actual)
    expect(timer.level).toBe(expected.find((e) => e.kind === timer.kind && e.target === timer.target)?.level);
};

// ── Fixtures: a burst pipe (urgent) reported by phone at 09:00 Beijing time ───────────────────────────────
// Commands carry instants; events carry them as UTC. 09:00+08:00 is 01:00Z.

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const reportedAt = new Date('2026-11-23T09:00:00+08:00');
const utc = (time: string, day = 23) => `2026-11-${day}T${time}.000Z`;
/** A Beijing wall-clock time as the UTC instant events carry: local('2026-11-30T11:00') is '2026-11-30T03:00:00.000Z'. */
const local = (dateTime: string) => new Date(`${dateTime}:00+08:00`).toISOString();

const STARTED_AT = utc('01:00:00');
const RESPONSE_WARN_AT = utc('01:24:00'); // 0.8 × 30 min
const RESPONSE_DUE = utc('01:30:00'); // 30 min
const RESOLUTION_WARN_AT = utc('02:36:00'); // 0.8 × 2 h
const RESOLUTION_DUE = utc('03:00:00'); // 2 h

// ── Event and command builders ────────────────────────────────────────────────────────────────────────────

const siteId = 'S1';

interface Warnings {
  readonly responseWarnAt: string;
  readonly resolutionWarnAt: string;
}
/** A continuous tier warns at the policy's fraction of the elapsed time from the start to the deadline. */
const fractionOfTheWay = (from: string, to: string, fraction: number): string =>
  new Date(Date.parse(from) + (Date.parse(to) - Date.parse(from)) * fraction).toISOString();

/**
 * Targets set, with the warning times recorded: pass them for a working-time tier; for a continuous tier pass
 * the policy's warning fraction (0.8 unless given) and they fall that fraction of the way to each deadline.
 */
const targetsSet = (
  tier: Tier,
  policyId: string,
  startedAt: string,
  responseDueAt: string,
  resolutionDueAt: string,
  warnings: Warnings | number = 0.8,
): SlaEvent => {
  const { responseWarnAt, resolutionWarnAt } =
    typeof warnings === 'number'
      ? {
          responseWarnAt: fractionOfTheWay(startedAt, responseDueAt, warnings),
          resolutionWarnAt: fractionOfTheWay(startedAt, resolutionDueAt, warnings),
        }
      : warnings;
  return {
    type: EventTypes.SlaTargetsSet,
    data: {
      workOrderId,
      tier,
      policyId,
      startedAt,
      responseDueAt,
      resolutionDueAt,
      siteId,
      policyVersion: 1,
      responseWarnAt,
      resolutionWarnAt,
    },
  };
};
/** Targets set as recorded before sites and warning times were: the warning falls at the fraction of the elapsed time. */
const legacyTargetsSet = (
  tier: Tier,
  policyId: string,
  startedAt: string,
  responseDueAt: string,
  resolutionDueAt: string,
): SlaEvent => ({
  type: EventTypes.SlaTargetsSet,
  data: { workOrderId, tier, policyId, startedAt, responseDueAt, resolutionDueAt },
});
/** Warned when the warning fell due, unless `warnAt` says it fell due earlier. */
const warningRaised = (target: SlaTarget, dueAt: string, warnedAt: string, warnAt = warnedAt): SlaEvent => ({
  type: EventTypes.SlaWarningRaised,
  data: { workOrderId, target, dueAt, warnAt, warnedAt },
});
const breached = (target: SlaTarget, dueAt: string, breachedAt: string): SlaEvent => ({
  type: EventTypes.SlaBreached,
  data: { workOrderId, target, dueAt, breachedAt },
});
/** Escalated when the level fell due, unless `dueAt` says it fell due earlier. */
const escalated = (target: SlaTarget, level: number, escalatedAt: string, dueAt = escalatedAt): SlaEvent => ({
  type: EventTypes.SlaEscalated,
  data: { workOrderId, target, level, dueAt, escalatedAt },
});
const targetMet = (target: SlaTarget, dueAt: string, metAt: string, onTime: boolean): SlaEvent => ({
  type: EventTypes.SlaTargetMet,
  data: { workOrderId, target, dueAt, metAt, onTime },
});
const clockPaused = (pausedAt: string): SlaEvent => ({
  type: EventTypes.SlaClockPaused,
  data: { workOrderId, pausedAt },
});
const clockResumed = (
  resumedAt: string,
  pausedSeconds: number,
  resolutionDueAt: string,
  resolutionWarnAt: string,
): SlaEvent => ({
  type: EventTypes.SlaClockResumed,
  data: { workOrderId, resumedAt, pausedSeconds, resolutionDueAt, resolutionWarnAt },
});
const legacyClockResumed = (resumedAt: string, pausedSeconds: number, resolutionDueAt: string): SlaEvent => ({
  type: EventTypes.SlaClockResumed,
  data: { workOrderId, resumedAt, pausedSeconds, resolutionDueAt },
});
const clockRestarted = (
  round: number,
  restartedAt: string,
  resolutionDueAt: string,
  resolutionWarnAt: string,
): SlaEvent => ({
  type: EventTypes.SlaClockRestarted,
  data: { workOrderId, round, restartedAt, resolutionDueAt, resolutionWarnAt },
});
const clockStopped = (stoppedAt: string): SlaEvent => ({
  type: EventTypes.SlaClockStopped,
  data: { workOrderId, stoppedAt, reason: 'cancelled' },
});

const start = (tier: Tier = 'urgent', at: Date = reportedAt): StartSlaClock => ({
  type: 'StartSlaClock',
  workOrderId,
  siteId,
  tier,
  reportedAt: at,
});
const observe = (happened: ObserveWorkOrder['happened'], at: string, round?: number): ObserveWorkOrder => ({
  type: 'ObserveWorkOrder',
  workOrderId,
  happened,
  at: new Date(at),
  ...(round === undefined ? {} : { round }),
});
/** A timer firing at `now`, on time unless `firesAt` says it was set for earlier. */
const fire = (
  target: SlaTarget,
  kind: FireSlaTimer['kind'],
  dueAt: string,
  now: string,
  level?: number,
  firesAt = now,
): FireSlaTimer => ({
  type: 'FireSlaTimer',
  workOrderId,
  target,
  kind,
  dueAt,
  firesAt,
  now: new Date(now),
  ...(level === undefined ? {} : { level }),
});

/** The warning timer of a live deadline fires on time: the warning is raised. */
const expectWarnsOnTime = (history: readonly SlaEvent[], target: SlaTarget, dueAt: string, warnAt: string) => {
  given(history)
    .when(fire(target, 'warning', dueAt, warnAt))
    .then([warningRaised(target, dueAt, warnAt)]);
};

/** The breach timer of a live deadline fires on time: the target breaches and escalates to level 1 at once. */
const expectBreachesOnTime = (history: readonly SlaEvent[], target: SlaTarget, dueAt: string) => {
  given(history)
    .when(fire(target, 'breach', dueAt, dueAt))
    .then([breached(target, dueAt, dueAt), escalated(target, 1, dueAt)]);
};

/** The clocks ask for some timer, and each one they ask for decides something publishable when it fires on time. */
const expectEveryTimerActedOn = (
  history: readonly SlaEvent[],
  policy: SlaPolicy = shipped,
  calendar: BusinessCalendar = alwaysOpen,
) => {
  const timers = timersAfter(history, policy);
  expect(timers.length).toBeGreaterThan(0);
  for (const timer of timers) {
    const events = clocks(policy, calendar).decide(
      fire(timer.target, timer.kind, timer.dueAt, timer.fireAt, timer.level),
      fold(history, policy),
    );
    expect(events.length).toBeGreaterThan(0);
    expectPublishable(events);
  }
};

/** The warning and breach timers of a deadline, each firing on time. */
const deadlineFiring = (target: SlaTarget, dueAt: string, warnAt: string): FireSlaTimer[] => [
  fire(target, 'warning', dueAt, warnAt),
  fire(target, 'breach', dueAt, dueAt),
];

/** A live deadline: its warning timer warns and its breach timer breaches, each on time. */
const expectLiveDeadline = (history: readonly SlaEvent[], target: SlaTarget, dueAt: string, warnAt: string) => {
  expectWarnsOnTime(history, target, dueAt, warnAt);
  expectBreachesOnTime(history, target, dueAt);
};

/** The two timers a live deadline asks for: the warning at its warning time and the breach at the deadline. */
const deadlineTimers = (target: SlaTarget, dueAt: string, warnAt: string): SlaTimer[] => [
  { target, kind: 'warning', dueAt, fireAt: warnAt },
  { target, kind: 'breach', dueAt, fireAt: dueAt },
];

// ── Histories: the `sla-<id>` stream at each starting state ───────────────────────────────────────────────

const STARTED = [targetsSet('urgent', 'default-2026', STARTED_AT, RESPONSE_DUE, RESOLUTION_DUE)];
const RESPONSE_WARNED = [...STARTED, warningRaised('response', RESPONSE_DUE, RESPONSE_WARN_AT)];
/** Nobody acknowledged in 30 min: the site supervisor on call was raised at the breach. */
const RESPONSE_LEVEL_1 = [
  ...RESPONSE_WARNED,
  breached('response', RESPONSE_DUE, RESPONSE_DUE),
  escalated('response', 1, RESPONSE_DUE),
];
/** 15 min later (urgent interval 900 s), still nobody: the service manager. */
const RESPONSE_LEVEL_2 = [...RESPONSE_LEVEL_1, escalated('response', 2, utc('01:45:00'))];
/** 30 min after that (urgent interval 1800 s): the operations head. */
const RESPONSE_LEVEL_3 = [...RESPONSE_LEVEL_2, escalated('response', 3, utc('02:15:00'))];
/** Acknowledged at 01:40, ten minutes late, after level 1 was raised. */
const RESPONSE_MET_LATE = [...RESPONSE_LEVEL_1, targetMet('response', RESPONSE_DUE, utc('01:40:00'), false)];
/** Wang Wei acknowledged at 09:04. */
const RESPONSE_MET = [...STARTED, targetMet('response', RESPONSE_DUE, utc('01:04:00'), true)];
/** Put on hold at 09:40: the resident has to let the plumber in. */
const PAUSED = [...RESPONSE_MET, clockPaused(utc('01:40:00'))];
/** Resumed at 10:12:30: 32 min 30 s = 1950 s on hold, so the resolution deadline and its warning move by 1950 s. */
const RESUMED_DUE = utc('03:32:30');
const RESUMED_WARN_AT = utc('03:08:30');
const RESUMED = [...PAUSED, clockResumed(utc('02:12:30'), 1950, RESUMED_DUE, RESUMED_WARN_AT)];
/** Fixed at 10:48. */
const RESOLVED = [...RESPONSE_MET, targetMet('resolution', RESOLUTION_DUE, utc('02:48:00'), true)];
/** The resident said at the callback (回访) the next morning that it still leaks: round 1, another 2 h from 10:00. */
const REOPENED_AT = utc('02:00:00', 24);
const REOPENED_DUE = utc('04:00:00', 24);
const REOPENED_WARN_AT = utc('03:36:00', 24);
const REOPENED = [...RESOLVED, clockRestarted(1, REOPENED_AT, REOPENED_DUE, REOPENED_WARN_AT)];
/** Not fixed in 2 h: the resolution breached and escalated to level 1, then was fixed late at 11:20 and reopened next day. */
const RESOLUTION_LEVEL_1 = [
  ...RESPONSE_MET,
  breached('resolution', RESOLUTION_DUE, RESOLUTION_DUE),
  escalated('resolution', 1, RESOLUTION_DUE),
];
const REOPENED_AFTER_BREACH = [
  ...RESOLUTION_LEVEL_1,
  targetMet('resolution', RESOLUTION_DUE, utc('03:20:00'), false),
  clockRestarted(1, REOPENED_AT, REOPENED_DUE, REOPENED_WARN_AT),
];
/** The resident withdrew the report at 09:10. */
const STOPPED = [...STARTED, clockStopped(utc('01:10:00'))];

// ── Specs ─────────────────────────────────────────────────────────────────────────────────────────────────

describe('SLA clock decider', () => {
  it("runs each order's clocks in their own stream beside the order's", () => {
    expect(slaStream(workOrderId)).toBe('sla-e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80');
  });

  describe('given a clock that has not started', () => {
    it('sets response and resolution deadlines for an urgent burst pipe from the report time: 30 min and 2 h', () => {
      given([])
        .when(start('urgent'))
        .then([targetsSet('urgent', 'default-2026', STARTED_AT, RESPONSE_DUE, RESOLUTION_DUE)]);
    });

    it("uses the targets of the order's own tier: normal 4 h and 1 day", () => {
      given([], roundTheClock)
        .when(start('normal'))
        .then([targetsSet('normal', 'round-the-clock', STARTED_AT, utc('05:00:00'), utc('01:00:00', 24))]);
    });

    it("uses the targets of the order's own tier: planned 3 days and 30 days", () => {
      given([], roundTheClock)
        .when(start('planned'))
        .then([targetsSet('planned', 'round-the-clock', STARTED_AT, utc('01:00:00', 26), '2026-12-23T01:00:00.000Z')]);
    });

    /** A shipped tier started on Monday 09:00 at the Shanghai office, and the working-time deadlines it must set. */
    interface ShippedTierCase {
      readonly name: string;
      readonly tier: Tier;
      readonly responseDue: string;
      readonly resolutionDue: string;
      readonly responseWarnAt: string;
      readonly resolutionWarnAt: string;
    }

    it.each<ShippedTierCase>([
      // Monday 09:00: response due 13:00, warned 3 h 12 min in at 12:12; resolution 8 h 30 min on Monday and
      // 30 min on Tuesday, due Tuesday 09:00, warned 7 h 12 min in at Monday 16:12.
      {
        name: 'counts the shipped normal tier in working time: 4 working hours and one nine-hour working day, warned at 80 % of each',
        tier: 'normal',
        responseDue: local('2026-11-23T13:00'),
        resolutionDue: local('2026-11-24T09:00'),
        responseWarnAt: local('2026-11-23T12:12'),
        resolutionWarnAt: local('2026-11-23T16:12'),
      },
      // 64800 s is 18 working hours: Monday 8 h 30 min, Tuesday 9 h, Wednesday 30 min. November's plan closed on the
      // 20th, so the order is due at close on Thursday 31 December; from Monday 09:00 that is 260 h 30 min of working
      // time (29 working days), and the warning falls 208 h 24 min in, on Thursday 24 December at 10:24.
      {
        name: "answers the shipped planned tier within 2 working days and folds it into December's plan, reported after the 20th",
        tier: 'planned',
        responseDue: local('2026-11-25T09:00'),
        resolutionDue: local('2026-12-31T17:30'),
        responseWarnAt: local('2026-11-24T14:24'),
        resolutionWarnAt: local('2026-12-24T10:24'),
      },
    ])('$name', ({ tier, responseDue, resolutionDue, responseWarnAt, resolutionWarnAt }) => {
      given([], shipped, shanghaiOffice)
        .when(start(tier))
        .then([
          targetsSet(tier, 'default-2026', STARTED_AT, responseDue, resolutionDue, {
            responseWarnAt,
            resolutionWarnAt,
          }),
        ]);
    });

    it("records the order's site, whose calendar counts its working time", () => {
      const [event] = clocks(shipped, shanghaiOffice).decide(
        { ...start('normal'), siteId: 'S2' },
        clocks().initialState(),
      );
      expect(event?.data).toMatchObject({ siteId: 'S2' });
      expect(fold(event ? [event] : [])).toMatchObject({ status: 'running', siteId: 'S2' });
    });

    it("names the policy that set the deadlines, and takes a hand-made policy's second-scale targets", () => {
      given([], quick)
        .when(start('urgent'))
        .then([targetsSet('urgent', 'quick-test', STARTED_AT, utc('01:00:10'), utc('01:01:00'), 0.5)]);
    });

    it('counts elapsed time, weekends included, for a tier counted around the clock', () => {
      // Friday 27 November 2026, 17:00 in Shanghai: a normal order is due Saturday 17:00.
      given([], roundTheClock)
        .when(start('normal', new Date('2026-11-27T17:00:00+08:00')))
        .then([targetsSet('normal', 'round-the-clock', utc('09:00:00', 27), utc('13:00:00', 27), utc('09:00:00', 28))]);
    });

    it('ignores the working calendar for a continuous tier, even on the office calendar on a Saturday night', () => {
      // Saturday 28 November, 23:00: the urgent order is due 23:30 and Sunday 01:00 all the same.
      given([], shipped, shanghaiOffice)
        .when(start('urgent', new Date('2026-11-28T23:00:00+08:00')))
        .then([
          targetsSet(
            'urgent',
            'default-2026',
            local('2026-11-28T23:00'),
            local('2026-11-28T23:30'),
            local('2026-11-29T01:00'),
          ),
        ]);
    });

    it('records warning times to the millisecond for a fraction not exact in binary (0.7 of a day is 16 h 48 min)', () => {
      const seventy = { ...roundTheClock, warningFraction: 0.7 };
      given([], seventy)
        .when(start('normal'))
        .then([
          targetsSet('normal', 'round-the-clock', STARTED_AT, utc('05:00:00'), utc('01:00:00', 24), {
            responseWarnAt: utc('03:48:00'), // 0.7 × 4 h = 2 h 48 min
            resolutionWarnAt: utc('17:48:00'),
          }),
        ]);
    });

    itIgnores([], {
      'ignores what happens to the order before the clock starts': [
        observe('acknowledged', utc('01:04:00')),
        observe('cancelled', utc('01:04:00')),
      ],
      'ignores a timer': [fire('response', 'breach', RESPONSE_DUE, RESPONSE_DUE)],
    });

    it('needs no timers', () => {
      expect(timersAfter([])).toEqual([]);
    });

    it('fails loudly if a policy that skipped validation lacks the tier', () => {
      const partial = { ...shipped, id: 'partial', tiers: { urgent: shipped.tiers.urgent } } as SlaPolicy;
      expect(() => clocks(partial, alwaysOpen).decide(start('planned'), clocks().initialState())).toThrow(
        'policy partial has no targets for tier planned',
      );
    });
  });

  describe('given an urgent clock just started (targets set)', () => {
    itIgnores(STARTED, {
      'ignores a second start, so a redelivered "triaged" event sets no second pair of deadlines': [
        start('normal', new Date('2026-11-23T10:00:00+08:00')),
      ],
      'ignores a warning timer set for a warning time the clock no longer has (a recomputed warning fraction)': [
        fire('response', 'warning', RESPONSE_DUE, utc('01:15:00')),
      ],
      'ignores a warning timer naming another deadline': [
        fire('response', 'warning', utc('01:31:00'), RESPONSE_WARN_AT),
        fire('response', 'warning', RESOLUTION_DUE, RESPONSE_WARN_AT),
      ],
      'ignores a breach timer naming another deadline': [fire('resolution', 'breach', RESPONSE_DUE, RESPONSE_DUE)],
      'does not escalate a target that has not breached': [
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2),
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00')),
      ],
      'does not pause a resolution clock whose deadline has already passed': [
        observe('waiting-on-resident', utc('03:10:00')),
      ],
      'ignores a resume when nothing is paused': [observe('resumed', utc('02:12:30'))],
    });

    it('warns the owner when the response warning timer for this deadline fires', () => {
      expectWarnsOnTime(STARTED, 'response', RESPONSE_DUE, RESPONSE_WARN_AT);
    });

    it('warns about the resolution target on its own timer', () => {
      expectWarnsOnTime(STARTED, 'resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT);
    });

    itDecides(STARTED, {
      'records when the warning fell due and when it was recorded, later if the timer service was down': [
        fire('response', 'warning', RESPONSE_DUE, utc('01:26:00'), undefined, RESPONSE_WARN_AT),
        [warningRaised('response', RESPONSE_DUE, utc('01:26:00'), RESPONSE_WARN_AT)],
      ],
      'records a breach at the time the timer fired, later than the deadline if the timer service was down': [
        fire('resolution', 'breach', RESOLUTION_DUE, utc('03:05:00'), undefined, RESOLUTION_DUE),
        [
          breached('resolution', RESOLUTION_DUE, utc('03:05:00')),
          escalated('resolution', 1, utc('03:05:00'), RESOLUTION_DUE),
        ],
      ],
      'meets the response target on time when acknowledged before it is due': [
        observe('acknowledged', utc('01:04:00')),
        [targetMet('response', RESPONSE_DUE, utc('01:04:00'), true)],
      ],
      'counts an acknowledgement at the very deadline as on time': [
        observe('acknowledged', RESPONSE_DUE),
        [targetMet('response', RESPONSE_DUE, RESPONSE_DUE, true)],
      ],
      'records the breach the timer had not fired yet, then the late response, with no escalation': [
        observe('acknowledged', utc('01:30:01')),
        [
          breached('response', RESPONSE_DUE, utc('01:30:01')),
          targetMet('response', RESPONSE_DUE, utc('01:30:01'), false),
        ],
      ],
      'meets the resolution target when the order is resolved': [
        observe('resolved', utc('02:48:00')),
        [targetMet('resolution', RESOLUTION_DUE, utc('02:48:00'), true)],
      ],
      'pauses the resolution clock while the order waits on the resident': [
        observe('waiting-on-resident', utc('01:40:00')),
        [clockPaused(utc('01:40:00'))],
      ],
      'stops the clock when the order is cancelled': [
        observe('cancelled', utc('01:10:00')),
        [clockStopped(utc('01:10:00'))],
      ],
    });

    it('records the breach and raises level 1 (site supervisor on call) when the response deadline passes', () => {
      expectBreachesOnTime(STARTED, 'response', RESPONSE_DUE);
    });
  });

  describe('given the response warning was raised', () => {
    itIgnores(RESPONSE_WARNED, {
      'does not warn twice, even if the warning timer is redelivered': [
        fire('response', 'warning', RESPONSE_DUE, utc('01:24:01')),
      ],
    });

    it('still breaches when the deadline passes', () => {
      expectBreachesOnTime(RESPONSE_WARNED, 'response', RESPONSE_DUE);
    });

    it('still warns about the resolution target, which has a warning of its own', () => {
      expectWarnsOnTime(RESPONSE_WARNED, 'resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT);
    });
  });

  describe('given the response target breached and escalated to level 1', () => {
    itDecides(RESPONSE_LEVEL_1, {
      'escalates to level 2 (service manager) when the escalation timer fires': [
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2),
        [escalated('response', 2, utc('01:45:00'))],
      ],
      'escalates to the next level when the timer names none': [
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00')),
        [escalated('response', 2, utc('01:45:00'))],
      ],
      'meets the response target late when the order is finally acknowledged': [
        observe('acknowledged', utc('01:40:00')),
        [targetMet('response', RESPONSE_DUE, utc('01:40:00'), false)],
      ],
      'records when level 2 fell due and when it was recorded, later if the timer service was down': [
        fire('response', 'escalation', RESPONSE_DUE, utc('02:00:00'), 2, utc('01:45:00')),
        [escalated('response', 2, utc('02:00:00'), utc('01:45:00'))],
      ],
    });

    itIgnores(RESPONSE_LEVEL_1, {
      'never skips a level': [fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 3)],
      'does not raise level 1 again': [fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 1)],
      'does not breach twice or warn after the breach, even if those timers are redelivered': [
        fire('response', 'breach', RESPONSE_DUE, utc('01:30:05')),
        fire('response', 'warning', RESPONSE_DUE, utc('01:30:05')),
      ],
      'ignores an escalation timer naming another deadline': [
        fire('response', 'escalation', RESOLUTION_DUE, utc('01:45:00'), 2),
      ],
      'does not escalate the resolution target, which has not breached': [
        fire('resolution', 'escalation', RESOLUTION_DUE, utc('01:45:00'), 2),
      ],
      "ignores an escalation timer set for another time than the deadline plus the interval (one counted on a host's clock)":
        [fire('response', 'escalation', RESPONSE_DUE, utc('01:55:00'), 2)],
    });
  });

  describe('given the response breach recorded an hour late, sla-timer having been down at the deadline', () => {
    const LATE_LEVEL_1 = [
      ...RESPONSE_WARNED,
      breached('response', RESPONSE_DUE, utc('02:30:00')),
      escalated('response', 1, utc('02:30:00'), RESPONSE_DUE),
    ];

    it('keeps the chain anchored to the deadline: level 2 is due 15 min after it, not after the late breach', () => {
      expect(timersAfter(LATE_LEVEL_1).find((t) => t.kind === 'escalation')).toMatchObject({
        level: 2,
        fireAt: utc('01:45:00'),
      });
    });

    it('raises the levels whose due times have passed one after the other, each with its own due time', () => {
      const level2 = given(LATE_LEVEL_1)
        .when(fire('response', 'escalation', RESPONSE_DUE, utc('02:30:01'), 2, utc('01:45:00')))
        .then([escalated('response', 2, utc('02:30:01'), utc('01:45:00'))]);
      expect(timersFor(level2, shipped).find((t) => t.kind === 'escalation')).toMatchObject({
        level: 3,
        fireAt: utc('02:15:00'),
      });
      given([...LATE_LEVEL_1, escalated('response', 2, utc('02:30:01'), utc('01:45:00'))])
        .when(fire('response', 'escalation', RESPONSE_DUE, utc('02:30:02'), 3, utc('02:15:00')))
        .then([escalated('response', 3, utc('02:30:02'), utc('02:15:00'))]);
    });
  });

  describe('given level 1 recorded before escalation due times were (no dueAt on the event)', () => {
    const LEGACY_LEVEL_1 = [
      ...RESPONSE_WARNED,
      breached('response', RESPONSE_DUE, utc('01:31:00')),
      {
        type: EventTypes.SlaEscalated,
        data: { workOrderId, target: 'response', level: 1, escalatedAt: utc('01:31:00') },
      } as SlaEvent,
    ];

    it('still reads it, and plans level 2 from the deadline', () => {
      expect(timersAfter(LEGACY_LEVEL_1).find((t) => t.kind === 'escalation')).toMatchObject({
        level: 2,
        fireAt: utc('01:45:00'),
      });
    });
  });

  describe('given the response target escalated to level 1 and on call acknowledged the alert', () => {
    const alertId = '5d1c6a2b-8f3e-4b7a-9c2d-1e0f3a4b5c6d';
    const onCall = { staffId: 'oc-zhao', name: 'Zhao Min' };
    const acknowledge = (target: SlaTarget, at: string): SlaCommand => ({
      type: 'AcknowledgeEscalation',
      workOrderId,
      target,
      alertId,
      by: onCall,
      at: new Date(at),
    });
    const acknowledged = (level: number, at: string): SlaEvent => ({
      type: EventTypes.SlaEscalationAcknowledged,
      data: { workOrderId, target: 'response', level, alertId, acknowledgedBy: onCall, acknowledgedAt: at },
    });
    const ACKNOWLEDGED = [...RESPONSE_LEVEL_1, acknowledged(1, utc('01:35:00'))];

    itDecides(RESPONSE_LEVEL_1, {
      'records the acknowledgement at the level the chain had reached': [
        acknowledge('response', utc('01:35:00')),
        [acknowledged(1, utc('01:35:00'))],
      ],
    });

    itIgnores(ACKNOWLEDGED, {
      'changes nothing on a second acknowledgement': [acknowledge('response', utc('01:36:00'))],
    });

    it('stops climbing: the level-2 timer does nothing and no further escalation timer is asked for', () => {
      expectIgnored(ACKNOWLEDGED, fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2));
      expect(timersAfter(ACKNOWLEDGED).filter((t) => t.target === 'response')).toEqual([]);
    });

    itDecides(ACKNOWLEDGED, {
      'still meets the target late when the order is acknowledged': [
        observe('acknowledged', utc('01:40:00')),
        [targetMet('response', RESPONSE_DUE, utc('01:40:00'), false)],
      ],
    });

    it('cannot acknowledge a target that is not being escalated', () => {
      expectIgnored(STARTED, acknowledge('response', utc('01:05:00')));
      expectIgnored(RESPONSE_LEVEL_1, acknowledge('resolution', utc('01:35:00')));
    });
  });

  describe('given the response target escalated to level 2', () => {
    itDecides(RESPONSE_LEVEL_2, {
      'escalates to level 3 (operations head)': [
        fire('response', 'escalation', RESPONSE_DUE, utc('02:15:00'), 3),
        [escalated('response', 3, utc('02:15:00'))],
      ],
    });

    itIgnores(RESPONSE_LEVEL_2, {
      'does not raise level 2 again when its timer is redelivered': [
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:01'), 2),
      ],
    });
  });

  describe('given the response target escalated to level 3', () => {
    itIgnores(RESPONSE_LEVEL_3, {
      'never escalates to a level 4': [
        fire('response', 'escalation', RESPONSE_DUE, utc('03:15:00'), 4),
        fire('response', 'escalation', RESPONSE_DUE, utc('03:15:00')),
      ],
      'does not raise level 3 again': [fire('response', 'escalation', RESPONSE_DUE, utc('02:15:01'), 3)],
    });
  });

  describe('given the response target met late, after level 1 was raised', () => {
    itIgnores(RESPONSE_MET_LATE, {
      'escalates no further: someone is acting on the order': [
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2),
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00')),
      ],
      'does not meet the target twice': [observe('acknowledged', utc('01:41:00'))],
    });
  });

  describe('given the response target met on time', () => {
    itIgnores(RESPONSE_MET, {
      'does not meet it twice when the acknowledgement is redelivered': [observe('acknowledged', utc('01:04:00'))],
      'ignores the response warning, breach and escalation timers': [
        ...deadlineFiring('response', RESPONSE_DUE, RESPONSE_WARN_AT),
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2),
      ],
    });

    it('still runs the resolution target', () => {
      expectLiveDeadline(RESPONSE_MET, 'resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT);
    });

    itDecides(RESPONSE_MET, {
      'meets the resolution target late when resolved after it was due, recording the breach first': [
        observe('resolved', utc('03:00:01')),
        [
          breached('resolution', RESOLUTION_DUE, utc('03:00:01')),
          targetMet('resolution', RESOLUTION_DUE, utc('03:00:01'), false),
        ],
      ],
    });
  });

  describe('given the resolution clock paused while waiting on the resident', () => {
    itIgnores(PAUSED, {
      'pauses only once when the hold is redelivered': [observe('waiting-on-resident', utc('01:45:00'))],
      'neither warns nor breaches the resolution target, even on its live deadline': deadlineFiring(
        'resolution',
        RESOLUTION_DUE,
        RESOLUTION_WARN_AT,
      ),
    });

    itDecides(PAUSED, {
      'resumes with the seconds on hold and moves the resolution deadline and its warning by exactly that': [
        observe('resumed', utc('02:12:30')),
        [clockResumed(utc('02:12:30'), 1950, RESUMED_DUE, RESUMED_WARN_AT)],
      ],
      'resumes at once with nothing paused and the deadline unmoved': [
        observe('resumed', utc('01:40:00')),
        [clockResumed(utc('01:40:00'), 0, RESOLUTION_DUE, RESOLUTION_WARN_AT)],
      ],
      'can still be cancelled': [observe('cancelled', utc('01:50:00')), [clockStopped(utc('01:50:00'))]],
    });
  });

  describe('given the resolution clock paused before anyone acknowledged', () => {
    const PAUSED_UNACKNOWLEDGED = [...STARTED, clockPaused(utc('01:10:00'))];

    it('does not pause the response target: only the resolution target waits on the resident', () => {
      expectBreachesOnTime(PAUSED_UNACKNOWLEDGED, 'response', RESPONSE_DUE);
    });
  });

  describe('given the resolution clock resumed after 1950 s on hold', () => {
    itIgnores(RESUMED, {
      'ignores the timers set for the deadline before the pause': deadlineFiring(
        'resolution',
        RESOLUTION_DUE,
        RESOLUTION_WARN_AT,
      ),
      'does not resume twice': [observe('resumed', utc('02:20:00'))],
    });

    it('warns and breaches on the moved deadline', () => {
      expectLiveDeadline(RESUMED, 'resolution', RESUMED_DUE, RESUMED_WARN_AT);
    });

    itDecides(RESUMED, {
      'counts a resolution after the original deadline but before the moved one as on time': [
        observe('resolved', utc('03:20:00')),
        [targetMet('resolution', RESUMED_DUE, utc('03:20:00'), true)],
      ],
    });

    it('adds a second hold to the first: 10 more minutes move the deadline 600 s further', () => {
      const pausedAgain = given(RESUMED)
        .when(observe('waiting-on-resident', utc('02:30:00')))
        .then([clockPaused(utc('02:30:00'))]);
      expect(pausedAgain.status).toBe('running');
      given([...RESUMED, clockPaused(utc('02:30:00'))])
        .when(observe('resumed', utc('02:40:00')))
        .then([clockResumed(utc('02:40:00'), 600, utc('03:42:30'), utc('03:18:30'))]);
    });
  });

  describe('given the resolution clock paused after its warning time had passed', () => {
    // Warned at 10:36 (02:36Z), on hold from 10:40 with 20 min left of the 2 h, resumed at 11:10.
    const PAUSED_AFTER_WARNING = [...RESPONSE_MET, clockPaused(utc('02:40:00'))];

    itDecides(PAUSED_AFTER_WARNING, {
      'keeps the 20 min that were left, and warns at once on resuming': [
        observe('resumed', utc('03:10:00')),
        [clockResumed(utc('03:10:00'), 1800, utc('03:30:00'), utc('03:10:00'))],
      ],
    });

    it('asks for the warning at the resume and the breach 20 min later', () => {
      expectTimers(
        timersAfter([...PAUSED_AFTER_WARNING, clockResumed(utc('03:10:00'), 1800, utc('03:30:00'), utc('03:10:00'))]),
        deadlineTimers('resolution', utc('03:30:00'), utc('03:10:00')),
      );
    });
  });

  describe('given the resolution target met (resolved)', () => {
    itIgnores(RESOLVED, {
      'does not meet it twice when the resolution is redelivered': [observe('resolved', utc('02:48:00'))],
      'does not pause a target already met': [observe('waiting-on-resident', utc('02:50:00'))],
      'ignores the resolution warning and breach timers': deadlineFiring(
        'resolution',
        RESOLUTION_DUE,
        RESOLUTION_WARN_AT,
      ),
    });

    itDecides(RESOLVED, {
      'restarts the resolution clock for round n when reopened: due resolutionSeconds after the reopen': [
        observe('reopened', REOPENED_AT, 1),
        [clockRestarted(1, REOPENED_AT, REOPENED_DUE, REOPENED_WARN_AT)],
      ],
      'takes the next round when the reopen names none': [
        observe('reopened', REOPENED_AT),
        [clockRestarted(1, REOPENED_AT, REOPENED_DUE, REOPENED_WARN_AT)],
      ],
    });

    it('restarts on the hand-made policy with its own resolution target', () => {
      const quickResolved = [
        targetsSet('urgent', 'quick-test', STARTED_AT, utc('01:00:10'), utc('01:01:00'), 0.5),
        targetMet('response', utc('01:00:10'), utc('01:00:03'), true),
        targetMet('resolution', utc('01:01:00'), utc('01:00:40'), true),
      ];
      given(quickResolved, quick)
        .when(observe('reopened', utc('01:05:00'), 1))
        .then([clockRestarted(1, utc('01:05:00'), utc('01:06:00'), utc('01:05:30'))]);
    });
  });

  describe('given the order reopened (round 1)', () => {
    itIgnores(REOPENED, {
      'ignores the same reopen redelivered, and an older round': [observe('reopened', REOPENED_AT, 1)],
      "ignores the previous round's timers": deadlineFiring('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
    });

    it("warns and breaches on this round's deadline", () => {
      expectLiveDeadline(REOPENED, 'resolution', REOPENED_DUE, REOPENED_WARN_AT);
    });

    itDecides(REOPENED, {
      'meets the resolution target of this round when resolved again': [
        observe('resolved', utc('03:00:00', 24)),
        [targetMet('resolution', REOPENED_DUE, utc('03:00:00', 24), true)],
      ],
    });

    it('restarts again for round 2', () => {
      const resolvedAgain = [...REOPENED, targetMet('resolution', REOPENED_DUE, utc('03:00:00', 24), true)];
      given(resolvedAgain)
        .when(observe('reopened', utc('02:00:00', 25), 2))
        .then([clockRestarted(2, utc('02:00:00', 25), utc('04:00:00', 25), utc('03:36:00', 25))]);
    });
  });

  describe('given a resolution breached and escalated, then resolved late and reopened', () => {
    itIgnores(REOPENED_AFTER_BREACH, {
      "ignores the previous round's escalation timer": [
        fire('resolution', 'escalation', RESOLUTION_DUE, utc('03:15:00'), 2),
        fire('resolution', 'escalation', RESOLUTION_DUE, utc('03:15:00')),
      ],
    });

    it('starts the new round with no escalation: its breach raises level 1 again', () => {
      expectBreachesOnTime(REOPENED_AFTER_BREACH, 'resolution', REOPENED_DUE);
    });
  });

  describe('given the clock stopped because the order was cancelled', () => {
    itIgnores(STOPPED, {
      'fires nothing: no warning, breach or escalation': [
        ...deadlineFiring('response', RESPONSE_DUE, RESPONSE_WARN_AT),
        fire('resolution', 'breach', RESOLUTION_DUE, RESOLUTION_DUE),
        fire('response', 'escalation', RESPONSE_DUE, utc('01:45:00'), 2),
      ],
      'does not start again when the "triaged" event is redelivered': [start('urgent')],
    });

    it('ignores everything that happens to the order afterwards', () => {
      for (const happened of [
        'acknowledged',
        'resolved',
        'waiting-on-resident',
        'resumed',
        'reopened',
        'cancelled',
      ] as const) {
        expectIgnored(STOPPED, observe(happened, utc('01:20:00'), happened === 'reopened' ? 1 : undefined));
      }
    });

    it('needs no timers', () => {
      expect(timersAfter(STOPPED)).toEqual([]);
    });
  });

  describe('timersFor', () => {
    it('after the targets are set: a warning at 0.8 of each target and a breach at each deadline', () => {
      expectTimers(timersAfter(STARTED), [
        ...deadlineTimers('response', RESPONSE_DUE, RESPONSE_WARN_AT),
        ...deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
      ]);
    });

    it("places the warning at the policy's own fraction (0.5 of 10 s and of 60 s)", () => {
      const quickStarted = [targetsSet('urgent', 'quick-test', STARTED_AT, utc('01:00:10'), utc('01:01:00'), 0.5)];
      expectTimers(timersAfter(quickStarted, quick), [
        ...deadlineTimers('response', utc('01:00:10'), utc('01:00:05')),
        ...deadlineTimers('resolution', utc('01:01:00'), utc('01:00:30')),
      ]);
    });

    it('places the warning to the millisecond for a fraction not exact in binary (0.7 of a day is 16 h 48 min), on targets recorded without warning times', () => {
      const seventy = { ...roundTheClock, warningFraction: 0.7 };
      const normalStarted = [
        legacyTargetsSet('normal', 'round-the-clock', STARTED_AT, utc('05:00:00'), utc('01:00:00', 24)),
      ];
      const resolutionWarning = timersFor(fold(normalStarted, seventy), seventy).find(
        (t) => t.target === 'resolution' && t.kind === 'warning',
      );
      expect(resolutionWarning?.fireAt).toBe(utc('17:48:00'));
    });

    it('after the response warning: only the response breach remains for that target', () => {
      expectTimers(timersAfter(RESPONSE_WARNED), [
        { target: 'response', kind: 'breach', dueAt: RESPONSE_DUE, fireAt: RESPONSE_DUE },
        ...deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
      ]);
    });

    it('after a breach at level 1: level 2 one urgent interval (900 s) after the deadline', () => {
      expectTimers(timersAfter(RESPONSE_LEVEL_1), [
        { target: 'response', kind: 'escalation', dueAt: RESPONSE_DUE, level: 2, fireAt: utc('01:45:00') },
        ...deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
      ]);
    });

    it("after level 2: level 3 the second urgent interval (1800 s) after level 2's due time", () => {
      expectTimers(timersAfter(RESPONSE_LEVEL_2), [
        { target: 'response', kind: 'escalation', dueAt: RESPONSE_DUE, level: 3, fireAt: utc('02:15:00') },
        ...deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
      ]);
    });

    it('after level 3: no further escalation', () => {
      expectTimers(timersAfter(RESPONSE_LEVEL_3), deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT));
    });

    it("takes the escalation intervals from the order's tier", () => {
      const normalDue = utc('05:00:00');
      const normalLevel1 = [
        targetsSet('normal', 'default-2026', STARTED_AT, normalDue, utc('01:00:00', 24), {
          responseWarnAt: utc('04:12:00'),
          resolutionWarnAt: utc('08:12:00'),
        }),
        breached('response', normalDue, normalDue),
        escalated('response', 1, normalDue),
      ];
      expect(timersAfter(normalLevel1).find((t) => t.kind === 'escalation')).toEqual({
        target: 'response',
        kind: 'escalation',
        dueAt: normalDue,
        level: 2,
        fireAt: utc('06:00:00'), // normal: 3600 s
      });
    });

    it('after the response was met: only the resolution timers', () => {
      expectTimers(timersAfter(RESPONSE_MET), deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT));
    });

    it('after the response was met late, at level 1: no escalation either', () => {
      expectTimers(timersAfter(RESPONSE_MET_LATE), deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT));
    });

    it('while paused: no resolution timers', () => {
      expect(timersAfter(PAUSED)).toEqual([]);
    });

    it('while paused before acknowledgement: the response timers only', () => {
      expectTimers(
        timersAfter([...STARTED, clockPaused(utc('01:10:00'))]),
        deadlineTimers('response', RESPONSE_DUE, RESPONSE_WARN_AT),
      );
    });

    it('after a resume: the warning and breach moved by the time on hold', () => {
      expectTimers(timersAfter(RESUMED), deadlineTimers('resolution', RESUMED_DUE, RESUMED_WARN_AT));
    });

    it('after both targets were met: none', () => {
      expect(timersAfter(RESOLVED)).toEqual([]);
    });

    it("after a reopen: this round's warning at 0.8 of the target from the reopen, and its breach", () => {
      expectTimers(timersAfter(REOPENED), deadlineTimers('resolution', REOPENED_DUE, REOPENED_WARN_AT));
    });

    it('after a reopen following a breach: no escalation left over from the previous round', () => {
      expectTimers(timersAfter(REOPENED_AFTER_BREACH), deadlineTimers('resolution', REOPENED_DUE, REOPENED_WARN_AT));
    });

    it.each([
      ['just started', STARTED],
      ['response warned', RESPONSE_WARNED],
      ['response at level 1', RESPONSE_LEVEL_1],
      ['response at level 2', RESPONSE_LEVEL_2],
      ['response met', RESPONSE_MET],
      ['resumed', RESUMED],
      ['reopened', REOPENED],
      ['reopened after a breach', REOPENED_AFTER_BREACH],
    ])('asks only for timers the decider acts on when they fire (%s)', (_name, history) => {
      expectEveryTimerActedOn(history);
    });
  });

  describe('given events recorded before sites and warning times were', () => {
    it('warns at the fraction of the elapsed time to each deadline', () => {
      expectTimers(
        timersAfter([legacyTargetsSet('urgent', 'default-2026', STARTED_AT, RESPONSE_DUE, RESOLUTION_DUE)]),
        [
          ...deadlineTimers('response', RESPONSE_DUE, RESPONSE_WARN_AT),
          ...deadlineTimers('resolution', RESOLUTION_DUE, RESOLUTION_WARN_AT),
        ],
      );
    });

    it("moves the warning by the seconds on hold on a resume, and places a restarted round's at the fraction of it", () => {
      const legacyStarted = [
        legacyTargetsSet('urgent', 'default-2026', STARTED_AT, RESPONSE_DUE, RESOLUTION_DUE),
        targetMet('response', RESPONSE_DUE, utc('01:04:00'), true),
      ];
      const legacyResumed = [
        ...legacyStarted,
        clockPaused(utc('01:40:00')),
        legacyClockResumed(utc('02:12:30'), 1950, RESUMED_DUE),
      ];
      expectTimers(timersAfter(legacyResumed), deadlineTimers('resolution', RESUMED_DUE, RESUMED_WARN_AT));
      const legacyReopened: SlaEvent[] = [
        ...legacyStarted,
        targetMet('resolution', RESOLUTION_DUE, utc('02:48:00'), true),
        {
          type: EventTypes.SlaClockRestarted,
          data: { workOrderId, round: 1, restartedAt: REOPENED_AT, resolutionDueAt: REOPENED_DUE },
        },
      ];
      expectTimers(timersAfter(legacyReopened), deadlineTimers('resolution', REOPENED_DUE, REOPENED_WARN_AT));
    });
  });

  describe('a normal order counted in working time on the mainland-China calendar (4 working hours to respond, 1 working day to resolve)', () => {
    // Office hours 08:30-17:30, so one working day is 32400 s; the warning falls at 80 % of the working time,
    // 3 h 12 min into the response target and 7 h 12 min into the resolution target. Times are Beijing time.
    const on = (history: readonly SlaEvent[]) => given(history, workingDay, shanghaiOffice);
    const reportedLocally = (dateTime: string) => start('normal', new Date(`${dateTime}:00+08:00`));
    const normalSet = (
      startedAt: string,
      responseDueAt: string,
      resolutionDueAt: string,
      responseWarnAt: string,
      resolutionWarnAt: string,
    ) =>
      targetsSet('normal', 'working-day-test', local(startedAt), local(responseDueAt), local(resolutionDueAt), {
        responseWarnAt: local(responseWarnAt),
        resolutionWarnAt: local(resolutionWarnAt),
      });

    /** Reported Friday 27 November 2026 at 16:00: 1 h 30 min of Friday counts, then Monday from 08:30. */
    const FRIDAY = [
      normalSet('2026-11-27T16:00', '2026-11-30T11:00', '2026-11-30T16:00', '2026-11-30T10:12', '2026-11-30T14:12'),
    ];
    /** Reported Thursday 26 November at 21:00, after hours, and acknowledged Friday 09:00: the working day is Friday. */
    const THURSDAY_NIGHT = [
      normalSet('2026-11-26T21:00', '2026-11-27T12:30', '2026-11-27T17:30', '2026-11-27T11:42', '2026-11-27T15:42'),
      targetMet('response', local('2026-11-27T12:30'), local('2026-11-27T09:00'), true),
    ];
    /** On hold from Friday 16:30, with one working hour left, resumed Monday 30 November at 09:00 (64 h 30 min on hold). */
    const RESUMED_ON_MONDAY = [
      ...THURSDAY_NIGHT,
      clockPaused(local('2026-11-27T16:30')),
      clockResumed(local('2026-11-30T09:00'), 232200, local('2026-11-30T10:00'), local('2026-11-30T09:00')),
    ];
    /** Resolved Monday 30 November 15:00; at the callback on Friday 4 December 17:00 the resident said it still leaks. */
    const RESOLVED_ON_MONDAY = [
      ...FRIDAY,
      targetMet('response', local('2026-11-30T11:00'), local('2026-11-30T09:00'), true),
      targetMet('resolution', local('2026-11-30T16:00'), local('2026-11-30T15:00'), true),
    ];
    const REOPENED_ON_FRIDAY = [
      ...RESOLVED_ON_MONDAY,
      clockRestarted(1, local('2026-12-04T17:00'), local('2026-12-07T17:00'), local('2026-12-07T15:12')),
    ];

    describe('starting the clocks', () => {
      it('carries a report on Friday 16:00 over the weekend: response due Monday 11:00, resolution Monday 16:00', () => {
        on([]).when(reportedLocally('2026-11-27T16:00')).then(FRIDAY);
      });

      it('starts counting at the next opening for a report made out of hours: Thursday 21:00 counts from Friday 08:30', () => {
        on([]).when(reportedLocally('2026-11-26T21:00')).then(THURSDAY_NIGHT.slice(0, 1));
      });

      // Each row: reported at, then the response and resolution deadlines and their warnings, Beijing time.
      it.each([
        [
          'ends a working day at closing time, not at the next opening: reported Sunday, resolution due Monday 17:30',
          '2026-11-29T11:00',
          ['2026-11-30T12:30', '2026-11-30T17:30', '2026-11-30T11:42', '2026-11-30T15:42'],
        ],
        [
          'skips the National Day week: reported Wednesday 30 September 15:00, due Thursday 8 October 10:00 and 15:00',
          '2026-09-30T15:00',
          ['2026-10-08T10:00', '2026-10-08T15:00', '2026-10-08T09:12', '2026-10-08T13:12'],
        ],
        [
          'counts the adjusted workday (调休) Saturday 10 October: reported Friday 9 October 15:00, due Saturday 10:00 and 15:00',
          '2026-10-09T15:00',
          ['2026-10-10T10:00', '2026-10-10T15:00', '2026-10-10T09:12', '2026-10-10T13:12'],
        ],
      ] as const)('%s', (_name, reportedAt, [responseDueAt, resolutionDueAt, responseWarnAt, resolutionWarnAt]) => {
        on([])
          .when(reportedLocally(reportedAt))
          .then([normalSet(reportedAt, responseDueAt, resolutionDueAt, responseWarnAt, resolutionWarnAt)]);
      });

      it('keeps counting an urgent order on the same policy and calendar around the clock', () => {
        on([])
          .when(start('urgent', new Date('2026-11-27T17:00:00+08:00')))
          .then([
            targetsSet(
              'urgent',
              'working-day-test',
              local('2026-11-27T17:00'),
              local('2026-11-27T17:30'),
              local('2026-11-27T19:00'),
            ),
          ]);
      });
    });

    describe('meeting the targets', () => {
      it('counts an acknowledgement on Monday 10:30, 66 h 30 min after a Friday report, as on time', () => {
        on(FRIDAY)
          .when(observe('acknowledged', local('2026-11-30T10:30')))
          .then([targetMet('response', local('2026-11-30T11:00'), local('2026-11-30T10:30'), true)]);
      });

      it('records the breach the timer had not fired yet for a resolution on Monday 16:01', () => {
        on(FRIDAY)
          .when(observe('resolved', local('2026-11-30T16:01')))
          .then([
            breached('resolution', local('2026-11-30T16:00'), local('2026-11-30T16:01')),
            targetMet('resolution', local('2026-11-30T16:00'), local('2026-11-30T16:01'), false),
          ]);
      });
    });

    describe('pausing while the order waits on the resident', () => {
      it('keeps the one working hour left at a pause on Friday 16:30: resumed Monday 09:00, due Monday 10:00, warned at once', () => {
        // The warning time, Friday 15:42, had passed when the pause began.
        on([...THURSDAY_NIGHT, clockPaused(local('2026-11-27T16:30'))])
          .when(observe('resumed', local('2026-11-30T09:00')))
          .then(RESUMED_ON_MONDAY.slice(-1));
      });

      it('keeps the working time left before the deadline and before the warning: 8 h 30 min and 6 h 42 min from Monday 09:00', () => {
        // Reported Friday 16:00, on hold Friday 16:30-Monday 09:00: Monday 08:30-09:00 is time on hold too.
        on([...FRIDAY, clockPaused(local('2026-11-27T16:30'))])
          .when(observe('resumed', local('2026-11-30T09:00')))
          .then([
            clockResumed(local('2026-11-30T09:00'), 232200, local('2026-11-30T17:30'), local('2026-11-30T15:42')),
          ]);
      });

      it('counts the time left across the National Day week, onto the adjusted workday', () => {
        // Reported 30 September 15:00, on hold from 16:00 with 8 h left (6 h 12 min before the warning), resumed
        // Friday 9 October 10:00: 7 h 30 min of Friday and 30 min of Saturday 10 October.
        const pausedOnSeptember30 = [
          normalSet('2026-09-30T15:00', '2026-10-08T10:00', '2026-10-08T15:00', '2026-10-08T09:12', '2026-10-08T13:12'),
          clockPaused(local('2026-09-30T16:00')),
        ];
        on(pausedOnSeptember30)
          .when(observe('resumed', local('2026-10-09T10:00')))
          .then([
            clockResumed(local('2026-10-09T10:00'), 756000, local('2026-10-10T09:00'), local('2026-10-09T16:12')),
          ]);
      });

      it('warns and breaches on the moved deadline, and ignores the timers set for Friday 17:30', () => {
        on(RESUMED_ON_MONDAY)
          .when(fire('resolution', 'breach', local('2026-11-27T17:30'), local('2026-11-27T17:30')))
          .then([]);
        on(RESUMED_ON_MONDAY)
          .when(fire('resolution', 'warning', local('2026-11-30T10:00'), local('2026-11-30T09:00')))
          .then([warningRaised('resolution', local('2026-11-30T10:00'), local('2026-11-30T09:00'))]);
        on(RESUMED_ON_MONDAY)
          .when(fire('resolution', 'breach', local('2026-11-30T10:00'), local('2026-11-30T10:00')))
          .then([
            breached('resolution', local('2026-11-30T10:00'), local('2026-11-30T10:00')),
            escalated('resolution', 1, local('2026-11-30T10:00')),
          ]);
      });
    });

    describe('reopening', () => {
      it('restarts a full working day from the reopen: Friday 17:00-17:30, then Monday to 17:00, warned Monday 15:12', () => {
        on(RESOLVED_ON_MONDAY)
          .when(observe('reopened', local('2026-12-04T17:00'), 1))
          .then(REOPENED_ON_FRIDAY.slice(-1));
      });
    });

    describe('timersFor', () => {
      it('after the targets are set: the warnings at 80 % of the working time and the breaches at the working-time deadlines', () => {
        expectTimers(timersAfter(FRIDAY, workingDay), [
          ...deadlineTimers('response', local('2026-11-30T11:00'), local('2026-11-30T10:12')),
          ...deadlineTimers('resolution', local('2026-11-30T16:00'), local('2026-11-30T14:12')),
        ]);
      });

      it('after a resume: the warning at the resume, its time having passed before the pause, and the breach an hour later', () => {
        expectTimers(
          timersAfter(RESUMED_ON_MONDAY, workingDay),
          deadlineTimers('resolution', local('2026-11-30T10:00'), local('2026-11-30T09:00')),
        );
      });

      it("after a reopen: this round's warning and breach in working time from the reopen", () => {
        expectTimers(
          timersAfter(REOPENED_ON_FRIDAY, workingDay),
          deadlineTimers('resolution', local('2026-12-07T17:00'), local('2026-12-07T15:12')),
        );
      });

      it.each([
        ['reported on Friday afternoon', FRIDAY],
        ['resumed on Monday', RESUMED_ON_MONDAY],
        ['reopened on Friday', REOPENED_ON_FRIDAY],
      ])('asks only for timers the decider acts on when they fire (%s)', (_name, history) => {
        expectEveryTimerActedOn(history, workingDay, shanghaiOffice);
      });
    });
  });

  describe('given an urgent order on the second-scale policy that nobody acts on', () => {
    // Plays the sla-timer service: always fire the earliest timer the clocks ask for, at its fireAt.
    const runUntilQuiet = (): SlaEvent[] => {
      const evolve = clocks(quick).evolve;
      let stream = clocks(quick, alwaysOpen).decide(start('urgent'), clocks().initialState());
      for (let step = 0; step < 20; step++) {
        const state = stream.reduce(evolve, clocks().initialState());
        const [next] = [...timersFor(state, quick)].sort((a, b) => Date.parse(a.fireAt) - Date.parse(b.fireAt));
        if (!next) return stream;
        const decided = clocks(quick, alwaysOpen).decide(
          fire(next.target, next.kind, next.dueAt, next.fireAt, next.level),
          state,
        );
        expect(decided.length).toBeGreaterThan(0);
        stream = [...stream, ...decided];
      }
      throw new Error('the clocks never went quiet');
    };

    it('warns, breaches and climbs the three levels for each target, in order, within a minute and a half, then goes quiet', () => {
      const stream = runUntilQuiet();
      const responseDue = utc('01:00:10');
      const resolutionDue = utc('01:01:00');
      expect(stream).toEqual([
        targetsSet('urgent', 'quick-test', STARTED_AT, responseDue, resolutionDue, 0.5),
        warningRaised('response', responseDue, utc('01:00:05')),
        breached('response', responseDue, responseDue),
        escalated('response', 1, responseDue),
        escalated('response', 2, utc('01:00:15')), // + 5 s
        warningRaised('resolution', resolutionDue, utc('01:00:30')),
        escalated('response', 3, utc('01:00:35')), // + 20 s
        breached('resolution', resolutionDue, resolutionDue),
        escalated('resolution', 1, resolutionDue),
        escalated('resolution', 2, utc('01:01:05')),
        escalated('resolution', 3, utc('01:01:25')),
      ]);
      expectPublishable(stream);
    });
  });
});

describe('an order whose category an override matches', () => {
  const withLiftOverride = SlaPolicySchema.parse({
    id: 'lifts-faster',
    tiers: roundTheClockSlaTiers,
    overrides: [{ categories: ['lift'], tiers: { urgent: { responseSeconds: 900 } } }],
  });
  const reported = new Date('2026-11-23T09:00:00+08:00');

  it('sets the overridden response target, records the category, and keeps the tier’s resolution target', () => {
    const [set] = clocks(withLiftOverride, alwaysOpen).decide(
      { type: 'StartSlaClock', workOrderId, siteId: 'S1', category: 'lift', tier: 'urgent', reportedAt: reported },
      clocks().initialState(),
    );
    expect(set?.data).toMatchObject({
      category: 'lift',
      responseDueAt: '2026-11-23T01:15:00.000Z',
      resolutionDueAt: '2026-11-23T03:00:00.000Z',
    });
  });

  it('restarts a reopened lift order on the same, category-aware targets', () => {
    const start = clocks(withLiftOverride, alwaysOpen).decide(
      { type: 'StartSlaClock', workOrderId, siteId: 'S1', category: 'lift', tier: 'urgent', reportedAt: reported },
      clocks().initialState(),
    );
    const state = start.reduce(clocks(withLiftOverride).evolve, clocks().initialState());
    expect(state).toMatchObject({ status: 'running', category: 'lift' });
    const [restarted] = clocks(withLiftOverride, alwaysOpen).decide(
      {
        type: 'ObserveWorkOrder',
        workOrderId,
        happened: 'reopened',
        round: 1,
        at: new Date('2026-11-23T10:00:00+08:00'),
      },
      state,
    );
    expect(restarted?.data).toMatchObject({ resolutionDueAt: '2026-11-23T04:00:00.000Z' });
  });
});

describe('recomputing deadlines when the policy or calendar is corrected', () => {
  const v1 = SlaPolicySchema.parse({
    id: 'office',
    version: 1,
    tiers: {
      urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
      normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
      planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
    },
  });
  const v2 = { ...v1, version: 2 };
  const office = (closedOn: readonly string[]): BusinessCalendar => ({
    timeZone: 'Asia/Shanghai',
    opens: '08:30',
    closes: '17:30',
    isWorkingDay: (date) => !closedOn.includes(date) && isWorkday(date),
    hasOfficialDataFor: (year) => year <= 2026,
  });
  // Reported Friday 27 November 2026 at 16:00: one working day is due Monday 30 November at 16:00.
  const reportedFriday = new Date('2026-11-27T16:00:00+08:00');
  const now = new Date('2026-11-28T10:00:00+08:00');
  /** sla-timer's start-up recomputation, by default under v2 with Monday 30 November closed (the corrected data). */
  const recompute = (state: SlaState, policy: SlaPolicy = v2, calendar = office(['2026-11-30'])) =>
    clocks(policy, calendar).decide({ type: 'RecomputeDeadlines', workOrderId, now }, state);
  const startedUnder = (calendar: BusinessCalendar) =>
    clocks(v1, calendar)
      .decide(
        { type: 'StartSlaClock', workOrderId, siteId: 'S1', tier: 'normal', reportedAt: reportedFriday },
        clocks().initialState(),
      )
      .reduce(clocks(v1).evolve, clocks().initialState());

  it('moves a running deadline past a holiday added late, and says so on the timeline', () => {
    const state = startedUnder(office([]));
    expect(state).toMatchObject({ status: 'running', resolution: { dueAt: '2026-11-30T08:00:00.000Z' } });
    const [recomputed] = recompute(state);
    expect(recomputed).toMatchObject({
      type: EventTypes.SlaDeadlinesRecomputed,
      data: {
        policyId: 'office',
        policyVersion: 2,
        resolutionDueAt: '2026-12-01T08:00:00.000Z',
        responseDueAt: '2026-12-01T03:00:00.000Z',
        recomputedAt: now.toISOString(),
      },
    });
    expectPublishable([recomputed!]);
    const after = [recomputed!].reduce(clocks(v2).evolve, state);
    expect(timersFor(after, v2).find((t) => t.target === 'resolution' && t.kind === 'breach')?.fireAt).toBe(
      '2026-12-01T08:00:00.000Z',
    );
  });

  it('records nothing when no running deadline or pending warning moves', () => {
    expect(recompute(startedUnder(office([])), v2, office([]))).toEqual([]);
  });

  it('records nothing for a closed order: both targets met keep their verdict and the timeline is untouched', () => {
    const state = startedUnder(office([]));
    const closed = [
      ...clocks(v1, office([])).decide(
        { type: 'ObserveWorkOrder', workOrderId, happened: 'acknowledged', at: new Date('2026-11-27T16:30:00+08:00') },
        state,
      ),
      ...clocks(v1, office([])).decide(
        { type: 'ObserveWorkOrder', workOrderId, happened: 'resolved', at: new Date('2026-11-27T17:20:00+08:00') },
        state,
      ),
    ].reduce(clocks(v1).evolve, state);
    expect(recompute(closed)).toEqual([]);
  });

  it('records nothing for a breached target, nor for a stopped clock', () => {
    const state = startedUnder(office([]));
    const breachedBoth = [
      {
        type: EventTypes.SlaBreached,
        data: {
          workOrderId,
          target: 'response',
          dueAt: '2026-11-30T03:00:00.000Z',
          breachedAt: '2026-11-30T03:00:00.000Z',
        },
      },
      {
        type: EventTypes.SlaBreached,
        data: {
          workOrderId,
          target: 'resolution',
          dueAt: '2026-11-30T08:00:00.000Z',
          breachedAt: '2026-11-30T08:00:00.000Z',
        },
      },
    ] as SlaEvent[];
    expect(recompute(breachedBoth.reduce(clocks(v1).evolve, state))).toEqual([]);
    const cancelled = clocks(v1, office([]))
      .decide({ type: 'ObserveWorkOrder', workOrderId, happened: 'cancelled', at: now }, state)
      .reduce(clocks(v1).evolve, state);
    expect(recompute(cancelled)).toEqual([]);
  });

  it('recomputes under the same policy version when the calendar changed (newer holiday data)', () => {
    const [recomputed] = recompute(startedUnder(office([])), v1);
    expect(recomputed?.data).toMatchObject({ policyVersion: 1, resolutionDueAt: '2026-12-01T08:00:00.000Z' });
  });

  it('leaves a clock computed under a newer policy version to it', () => {
    const state = startedUnder(office([]));
    const [recomputed] = recompute(state);
    const underV2 = [recomputed!].reduce(clocks(v2).evolve, state);
    expect(recompute(underV2, v1, office([]))).toEqual([]);
  });

  it('reschedules a warning moved by a new warning fraction alone: the new timer warns, the old one does nothing', () => {
    const state = startedUnder(office([]));
    const halfway = { ...v2, warningFraction: 0.5 };
    const [recomputed] = recompute(state, halfway, office([]));
    // Half of 4 working hours from Friday 16:00 (1.5 h left that day) is Monday 09:00; half of 9 is Monday 11:30. The deadlines stay.
    expect(recomputed?.data).toEqual({
      workOrderId,
      policyId: 'office',
      policyVersion: 2,
      responseDueAt: '2026-11-30T03:00:00.000Z',
      responseWarnAt: '2026-11-30T01:00:00.000Z',
      resolutionDueAt: '2026-11-30T08:00:00.000Z',
      resolutionWarnAt: '2026-11-30T03:30:00.000Z',
      recomputedAt: now.toISOString(),
    });
    const after = [recomputed!].reduce(clocks(halfway).evolve, state);
    const warning = timersFor(after, halfway).find((t) => t.target === 'response' && t.kind === 'warning');
    expect(warning).toMatchObject({ dueAt: '2026-11-30T03:00:00.000Z', fireAt: '2026-11-30T01:00:00.000Z' });
    const oldWarnAt = state.status === 'running' ? state.response.warnAt : '';
    const fireWarning = (at: string): FireSlaTimer => ({
      type: 'FireSlaTimer',
      workOrderId,
      target: 'response',
      kind: 'warning',
      dueAt: '2026-11-30T03:00:00.000Z',
      firesAt: at,
      now: new Date(at),
    });
    expect(clocks(halfway, office([])).decide(fireWarning(oldWarnAt), after)).toEqual([]);
    expect(clocks(halfway, office([])).decide(fireWarning('2026-11-30T01:00:00.000Z'), after)).toMatchObject([
      { type: EventTypes.SlaWarningRaised, data: { warnAt: '2026-11-30T01:00:00.000Z' } },
    ]);
  });

  it('does not list a warning already raised, whose time no longer matters', () => {
    const warned = [
      {
        type: EventTypes.SlaWarningRaised,
        data: {
          workOrderId,
          target: 'response',
          dueAt: '2026-11-30T03:00:00.000Z',
          warnedAt: '2026-11-30T02:12:00.000Z',
        },
      } as SlaEvent,
    ].reduce(clocks(v1).evolve, startedUnder(office([])));
    const [recomputed] = recompute(warned, { ...v2, warningFraction: 0.5 }, office([]));
    expect(recomputed?.data).not.toHaveProperty('responseWarnAt');
    expect(recomputed?.data).toHaveProperty('resolutionWarnAt');
  });

  it('does nothing for a clock already computed under this version', () => {
    const state = startedUnder(office([]));
    const [recomputed] = recompute(state);
    const current = [recomputed!].reduce(clocks(v2).evolve, state);
    expect(recompute(current)).toEqual([]);
  });

  it('keeps a met target’s verdict and recomputes only what still runs', () => {
    const state = startedUnder(office([]));
    const acknowledged = clocks(v1, office([])).decide(
      { type: 'ObserveWorkOrder', workOrderId, happened: 'acknowledged', at: new Date('2026-11-27T16:30:00+08:00') },
      state,
    );
    const metResponse = acknowledged.reduce(clocks(v1).evolve, state);
    const [recomputed] = recompute(metResponse);
    expect(recomputed?.data).not.toHaveProperty('responseDueAt');
    expect(recomputed?.data).toMatchObject({ resolutionDueAt: '2026-12-01T08:00:00.000Z' });
  });

  it('counts the pauses of the round again under the corrected calendar', () => {
    const state = startedUnder(office([]));
    const held = clocks(v1, office([])).decide(
      {
        type: 'ObserveWorkOrder',
        workOrderId,
        happened: 'waiting-on-resident',
        at: new Date('2026-11-27T17:00:00+08:00'),
      },
      state,
    );
    const heldState = held.reduce(clocks(v1).evolve, state);
    const resumed = clocks(v1, office([])).decide(
      { type: 'ObserveWorkOrder', workOrderId, happened: 'resumed', at: new Date('2026-11-30T09:30:00+08:00') },
      heldState,
    );
    const resumedState = resumed.reduce(clocks(v1).evolve, heldState);
    // Paused Friday 17:00 to Monday 09:30: 1.5 working hours paused (Fri 17:00-17:30, Mon 08:30-09:30), due Monday 17:30.
    expect(resumedState).toMatchObject({ resolution: { dueAt: '2026-11-30T09:30:00.000Z' } });
    const [recomputed] = recompute(resumedState);
    // With Monday closed the pause covered only Friday 17:00-17:30: due Tuesday 08:30 + 9 h - 1.5 h worked + 0.5 h paused = Tuesday 16:30.
    expect(recomputed?.data).toMatchObject({ resolutionDueAt: '2026-12-01T08:30:00.000Z' });
  });
});

describe('working time counted beyond the years the holiday data publishes (chinese-days 1.5.7: up to 2026)', () => {
  const startNormal = (reportedAt: string, tier: Tier = 'normal') =>
    clocks(workingDay, shanghaiOffice).decide(
      { type: 'StartSlaClock', workOrderId, siteId, tier, reportedAt: new Date(reportedAt) },
      clocks().initialState(),
    );

  it('says so on targets set when a deadline falls in 2027, whose days were taken as plain Monday to Friday', () => {
    expect(startNormal('2026-12-31T15:00:00+08:00')[0]?.data).toMatchObject({ calendarBeyondOfficialData: true });
  });

  it('says nothing when the deadlines stay in 2026', () => {
    expect(startNormal('2026-12-28T09:00:00+08:00')[0]?.data).not.toHaveProperty('calendarBeyondOfficialData');
  });

  it('never flags a tier counted around the clock, which needs no calendar', () => {
    expect(startNormal('2026-12-31T23:00:00+08:00', 'urgent')[0]?.data).not.toHaveProperty(
      'calendarBeyondOfficialData',
    );
  });

  it('flags a round restarted into 2027, and a resumed deadline moved into it', () => {
    const state = startNormal('2026-12-28T09:00:00+08:00').reduce(clocks(workingDay).evolve, clocks().initialState());
    const [restarted] = clocks(workingDay, shanghaiOffice).decide(
      {
        type: 'ObserveWorkOrder',
        workOrderId,
        happened: 'reopened',
        round: 1,
        at: new Date('2026-12-31T16:00:00+08:00'),
      },
      state,
    );
    expect(restarted?.data).toMatchObject({ calendarBeyondOfficialData: true });
    const held = clocks(workingDay, shanghaiOffice)
      .decide(
        {
          type: 'ObserveWorkOrder',
          workOrderId,
          happened: 'waiting-on-resident',
          at: new Date('2026-12-28T10:00:00+08:00'),
        },
        state,
      )
      .reduce(clocks(workingDay).evolve, state);
    const [resumed] = clocks(workingDay, shanghaiOffice).decide(
      { type: 'ObserveWorkOrder', workOrderId, happened: 'resumed', at: new Date('2026-12-31T16:00:00+08:00') },
      held,
    );
    expect(resumed?.data).toMatchObject({ calendarBeyondOfficialData: true });
    expectPublishable([restarted!, resumed!]);
  });
});

describe('a planned order folded into the monthly plan (the shipped policy: the plan closes on the 20th, counted in working time)', () => {
  const sla = (policy: SlaPolicy, calendar: BusinessCalendar) => ({
    start: (reported: string, site = siteId) =>
      clocks(policy, calendar).decide(
        {
          type: 'StartSlaClock',
          workOrderId,
          siteId: site,
          tier: 'planned',
          reportedAt: new Date(`${reported}:00+08:00`),
        },
        clocks().initialState(),
      ),
    after: (events: readonly SlaEvent[]) => events.reduce(clocks(policy).evolve, clocks().initialState()),
    decide: (command: SlaCommand, state: SlaState) => clocks(policy, calendar).decide(command, state),
  });
  const office = sla(shipped, shanghaiOffice);
  const resolutionOf = (events: readonly SlaEvent[]) => {
    expectPublishable(events);
    const [event] = events;
    return event?.type === EventTypes.SlaTargetsSet
      ? { dueAt: event.data.resolutionDueAt, warnAt: event.data.resolutionWarnAt }
      : undefined;
  };
  const observed = (happened: ObserveWorkOrder['happened'], at: string, round?: number) =>
    observe(happened, local(at), round);

  it("is due at close on the month's last working day when reported on or before the 20th, warned at 80 % of the working time to it", () => {
    // Friday 20 November 10:00 to Monday 30 November 17:30 is 61 h 30 min of working time; 80 % of it ends Friday 27th 14:12.
    expect(resolutionOf(office.start('2026-11-20T10:00'))).toEqual({
      dueAt: local('2026-11-30T17:30'),
      warnAt: local('2026-11-27T14:12'),
    });
  });

  it("joins next month's plan when reported after the 20th", () => {
    expect(resolutionOf(office.start('2026-11-21T09:00'))?.dueAt).toBe(local('2026-12-31T17:30'));
  });

  it('ends September 2026 on Wednesday the 30th, before the National Day week, and October on Friday the 30th, before a weekend', () => {
    expect(resolutionOf(office.start('2026-09-10T09:00'))?.dueAt).toBe(local('2026-09-30T17:30'));
    expect(resolutionOf(office.start('2026-09-21T09:00'))?.dueAt).toBe(local('2026-10-30T17:30'));
  });

  it("follows a site's own plan and calendar: S2 closes its plan on the 25th, works 09:00-18:00 and is closed on New Year's Eve", () => {
    const withSitePlan = SlaPolicySchema.parse({
      ...shipped,
      overrides: [
        ...shipped.overrides,
        { sites: ['S2'], tiers: { planned: { resolution: { plan: 'monthly', cutoffDay: 25 } } } },
      ],
    });
    const siteS2: BusinessCalendar = {
      ...shanghaiOffice,
      opens: '09:00',
      closes: '18:00',
      isWorkingDay: (date) => date !== '2026-12-31' && isWorkday(date),
    };
    expect(resolutionOf(sla(withSitePlan, siteS2).start('2026-11-23T09:00', 'S2'))?.dueAt).toBe(
      local('2026-11-30T18:00'),
    );
    expect(resolutionOf(sla(withSitePlan, siteS2).start('2026-12-01T09:00', 'S2'))?.dueAt).toBe(
      local('2026-12-30T18:00'),
    );
    expect(resolutionOf(sla(withSitePlan, shanghaiOffice).start('2026-11-23T09:00', 'S1'))?.dueAt).toBe(
      local('2026-12-31T17:30'),
    );
  });

  describe('given it was reported on Tuesday 3 November 10:00, due Monday 30 November 17:30 and warned Wednesday 25th 08:48', () => {
    const reported = office.start('2026-11-03T10:00');

    it('starts there', () => {
      expect(resolutionOf(reported)).toEqual({ dueAt: local('2026-11-30T17:30'), warnAt: local('2026-11-25T08:48') });
    });

    it('moves the deadline and the warning on by the two working days it waited on the resident', () => {
      const held = office.after([...reported, clockPaused(local('2026-11-10T10:00'))]);
      const resumed = office.decide(observed('resumed', '2026-11-12T10:00'), held);
      expect(resumed).toEqual([
        clockResumed(local('2026-11-12T10:00'), 172800, local('2026-12-02T17:30'), local('2026-11-27T08:48')),
      ]);
    });

    it('recomputes to the same deadline, pause included, under a new version of the same policy', () => {
      const resumed = office.after([
        ...reported,
        clockPaused(local('2026-11-10T10:00')),
        clockResumed(local('2026-11-12T10:00'), 172800, local('2026-12-02T17:30'), local('2026-11-27T08:48')),
      ]);
      expect(
        clocks({ ...shipped, version: 2 }, shanghaiOffice).decide(
          { type: 'RecomputeDeadlines', workOrderId, now: new Date(local('2026-11-13T09:00')) },
          resumed,
        ),
      ).toEqual([]);
    });

    it("restarts from a reopen into the plan the reopen joins: December's on the 3rd, January's on the 21st", () => {
      const resolved = office.after([
        ...reported,
        targetMet('resolution', local('2026-11-30T17:30'), local('2026-11-27T10:00'), true),
      ]);
      expect(office.decide(observed('reopened', '2026-12-03T10:00', 1), resolved)).toEqual([
        clockRestarted(1, local('2026-12-03T10:00'), local('2026-12-31T17:30'), local('2026-12-25T16:00')),
      ]);
      // January 2027's last working day is taken as Friday the 29th, on plain Monday-to-Friday days.
      const intoJanuary = clockRestarted(
        1,
        local('2026-12-21T10:00'),
        local('2027-01-29T17:30'),
        local('2027-01-22T08:48'),
      );
      expect(office.decide(observed('reopened', '2026-12-21T10:00', 1), resolved)).toEqual([
        { ...intoJanuary, data: { ...intoJanuary.data, calendarBeyondOfficialData: true } },
      ]);
    });
  });

  it('moves a deadline set as 20 working days onto the monthly plan when the policy is recomputed', () => {
    const underDuration = sla(workingDay, shanghaiOffice);
    const state = underDuration.after(underDuration.start('2026-11-23T09:00'));
    expect(state).toMatchObject({ resolution: { dueAt: local('2026-12-21T09:00') } });
    const [recomputed] = clocks({ ...shipped, version: 2 }, shanghaiOffice).decide(
      { type: 'RecomputeDeadlines', workOrderId, now: new Date(local('2026-11-24T09:00')) },
      state,
    );
    expect(recomputed).toEqual({
      type: EventTypes.SlaDeadlinesRecomputed,
      data: {
        workOrderId,
        policyId: 'default-2026',
        policyVersion: 2,
        resolutionDueAt: local('2026-12-31T17:30'),
        resolutionWarnAt: local('2026-12-24T10:24'),
        recomputedAt: local('2026-11-24T09:00'),
      },
    });
    expectPublishable([recomputed!]);
  });
});
