import {
  localDateOf,
  localDateTimeOf,
  localWallTimeToInstant,
  OnCallLevel,
  OnCallSchedule,
  Override,
  OverrideInputSchema,
  Rotation,
  RotationInputSchema,
  RotationSchema,
  whoIsOnCall,
} from './oncall-schedule';

// ── Fixtures ──────────────────────────────────────────────────────────────────────────────────────────────
// Site S1 is in Shanghai (UTC+8, no DST). 2026-11-23 is a Monday. New York changes to EDT on Sunday 2026-03-08
// (02:00 → 03:00) and back to EST on Sunday 2026-11-01 (02:00 → 01:00). Kolkata is UTC+05:30 all year.

const at = (iso: string) => new Date(iso);
const schedule = (rotations: Rotation[], overrides: Override[] = []): OnCallSchedule => ({ rotations, overrides });

const shanghaiDaily: Rotation = {
  id: 'rot-s1-l1',
  siteId: 'S1',
  level: 1,
  timeZone: 'Asia/Shanghai',
  handoff: 'daily',
  handoffTime: '09:00',
  startsOn: '2026-11-23',
  members: ['zhang.min', 'li.na', 'chen.jie'],
};

const shift = (staffId: string, from: string, to: string, rotationId = shanghaiDaily.id) => ({
  staffId,
  source: 'rotation',
  rotationId,
  from,
  to,
});

/** Who is on call at level 1 of site S1 at the instant. */
const onCallInS1 = (s: OnCallSchedule, instant: string) => whoIsOnCall(s, 'S1', 1, at(instant));

const weeklyUtc: Rotation = {
  id: 'rot-weekly',
  siteId: 'S1',
  level: 2,
  timeZone: 'UTC',
  handoff: 'weekly',
  handoffTime: '18:00',
  handoffWeekday: 5,
  startsOn: '2026-11-27',
  members: ['wang.wei', 'zhao.lei'],
};
const weekShift = (staffId: string, from: string, to: string) => shift(staffId, from, to, weeklyUtc.id);

/** When nobody is on call: at the instant, at the rotation's site and level unless others are named. */
interface NobodyCase {
  readonly when: string;
  readonly instant: string;
  readonly siteId?: string;
  readonly level?: OnCallLevel;
}

describe.each<{
  readonly title: string;
  readonly rotation: Rotation;
  readonly nobody: NobodyCase[];
  readonly shifts: { readonly when: string; readonly instant: string; readonly shift: ReturnType<typeof shift> }[];
  readonly staff: { readonly when: string; readonly instant: string; readonly staffId: string }[];
}>([
  {
    title: 'a daily rotation in Asia/Shanghai (hand-off 09:00 local = 01:00Z)',
    rotation: shanghaiDaily,
    nobody: [
      { when: 'before startsOn', instant: '2026-11-22T12:00:00+08:00' },
      { when: 'on startsOn before the first hand-off', instant: '2026-11-23T08:59:59.999+08:00' },
      { when: 'at another site', instant: '2026-11-24T12:00:00+08:00', siteId: 'S2' },
      { when: 'at another level', instant: '2026-11-24T12:00:00+08:00', level: 2 },
    ],
    shifts: [
      {
        when: 'exactly at the first hand-off, members[0], for one day',
        instant: '2026-11-23T09:00:00+08:00',
        shift: shift('zhang.min', '2026-11-23T01:00:00.000Z', '2026-11-24T01:00:00.000Z'),
      },
      {
        when: 'at the next hand-off, members[1]',
        instant: '2026-11-24T09:00:00+08:00',
        shift: shift('li.na', '2026-11-24T01:00:00.000Z', '2026-11-25T01:00:00.000Z'),
      },
      {
        when: 'in the small hours, the person who took over the morning before',
        instant: '2026-11-26T03:00:00+08:00',
        shift: shift('chen.jie', '2026-11-25T01:00:00.000Z', '2026-11-26T01:00:00.000Z'),
      },
    ],
    staff: [
      {
        when: 'a millisecond before the next hand-off, still members[0]',
        instant: '2026-11-24T08:59:59.999+08:00',
        staffId: 'zhang.min',
      },
      {
        when: 'after the last member, round to members[0]',
        instant: '2026-11-26T09:00:00+08:00',
        staffId: 'zhang.min',
      },
      { when: '100 days on (100 mod 3 = 1), members[1]', instant: '2027-03-03T12:00:00+08:00', staffId: 'li.na' },
    ],
  },
  {
    title: 'a weekly rotation in UTC (Fridays 18:00)',
    rotation: weeklyUtc,
    nobody: [{ when: 'before the first hand-off', instant: '2026-11-27T17:59:59.999Z' }],
    shifts: [
      {
        when: 'from the first hand-off, members[0], for a week',
        instant: '2026-11-27T18:00:00Z',
        shift: weekShift('wang.wei', '2026-11-27T18:00:00.000Z', '2026-12-04T18:00:00.000Z'),
      },
      {
        when: 'on the hand-off day before the hand-off time, still last week’s person',
        instant: '2026-12-11T08:00:00Z',
        shift: weekShift('zhao.lei', '2026-12-04T18:00:00.000Z', '2026-12-11T18:00:00.000Z'),
      },
      {
        when: 'at the second hand-off, round again to members[0]',
        instant: '2026-12-11T18:00:00Z',
        shift: weekShift('wang.wei', '2026-12-11T18:00:00.000Z', '2026-12-18T18:00:00.000Z'),
      },
    ],
    staff: [
      { when: 'in the middle of the first week, members[0]', instant: '2026-12-01T09:00:00Z', staffId: 'wang.wei' },
      {
        when: 'a millisecond before the next hand-off, still members[0]',
        instant: '2026-12-04T17:59:59.999Z',
        staffId: 'wang.wei',
      },
      { when: 'at the next hand-off, members[1]', instant: '2026-12-04T18:00:00Z', staffId: 'zhao.lei' },
    ],
  },
])('whoIsOnCall, $title', ({ rotation, nobody, shifts, staff }) => {
  const onCallAt = (instant: string, siteId = rotation.siteId, level: OnCallLevel = rotation.level) =>
    whoIsOnCall(schedule([rotation]), siteId, level, at(instant));

  it.each(nobody)('$when, nobody', ({ instant, siteId, level }) => {
    expect(onCallAt(instant, siteId, level)).toBeUndefined();
  });

  it.each(shifts)('$when', ({ instant, shift: expected }) => {
    expect(onCallAt(instant)).toEqual(expected);
  });

  it.each(staff)('$when', ({ instant, staffId }) => {
    expect(onCallAt(instant)?.staffId).toBe(staffId);
  });
});

describe('whoIsOnCall, a weekly rotation that starts off its hand-off weekday', () => {
  const offWeekday: Rotation = {
    ...shanghaiDaily,
    id: 'rot-mid-week',
    handoff: 'weekly',
    handoffWeekday: 1,
    startsOn: '2026-11-25',
  };
  const mid = schedule([offWeekday]);
  const midShift = (staffId: string, from: string, to: string) => shift(staffId, from, to, offWeekday.id);

  it('starting on a Wednesday with Monday hand-offs, the first shift is short and the next starts on Monday', () => {
    expect(whoIsOnCall(mid, 'S1', 1, at('2026-11-25T08:00:00+08:00'))).toBeUndefined();
    expect(whoIsOnCall(mid, 'S1', 1, at('2026-11-25T09:00:00+08:00'))).toEqual(
      midShift('zhang.min', '2026-11-25T01:00:00.000Z', '2026-11-30T01:00:00.000Z'),
    );
    expect(whoIsOnCall(mid, 'S1', 1, at('2026-11-30T09:00:00+08:00'))).toEqual(
      midShift('li.na', '2026-11-30T01:00:00.000Z', '2026-12-07T01:00:00.000Z'),
    );
    expect(whoIsOnCall(mid, 'S1', 1, at('2026-12-07T09:00:00+08:00'))?.staffId).toBe('chen.jie');
  });
});

describe('whoIsOnCall, America/New_York across its DST changes (daily 09:00)', () => {
  const newYork: Rotation = { ...shanghaiDaily, id: 'rot-ny', timeZone: 'America/New_York', startsOn: '2026-03-06' };
  const s = schedule([newYork]);
  const nyShift = (staffId: string, from: string, to: string) => shift(staffId, from, to, newYork.id);

  it('the hand-off stays at 09:00 local: the shift into the spring change is 23 hours (14:00Z → 13:00Z)', () => {
    expect(whoIsOnCall(s, 'S1', 1, at('2026-03-07T14:00:00Z'))).toEqual(
      nyShift('li.na', '2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z'),
    );
    expect(whoIsOnCall(s, 'S1', 1, at('2026-03-08T12:59:59Z'))?.staffId).toBe('li.na');
    expect(whoIsOnCall(s, 'S1', 1, at('2026-03-08T13:00:00Z'))).toEqual(
      nyShift('chen.jie', '2026-03-08T13:00:00.000Z', '2026-03-09T13:00:00.000Z'),
    );
  });

  it('and the shift into the autumn change is 25 hours (13:00Z → 14:00Z)', () => {
    // 2026-03-06 + 239 days = 2026-10-31: 239 mod 3 = 2.
    expect(whoIsOnCall(s, 'S1', 1, at('2026-11-01T13:30:00Z'))).toEqual(
      nyShift('chen.jie', '2026-10-31T13:00:00.000Z', '2026-11-01T14:00:00.000Z'),
    );
    expect(whoIsOnCall(s, 'S1', 1, at('2026-11-01T14:00:00Z'))?.staffId).toBe('zhang.min');
  });

  it('a hand-off time that the spring change skips happens just after the gap', () => {
    const skipped: Rotation = { ...newYork, id: 'rot-ny-night', handoffTime: '02:30' };
    expect(whoIsOnCall(schedule([skipped]), 'S1', 1, at('2026-03-08T12:00:00Z'))).toEqual(
      shift('chen.jie', '2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z', skipped.id),
    );
  });
});

describe('whoIsOnCall, Asia/Kolkata (UTC+05:30)', () => {
  it('hands off at 21:30 local, 16:00Z', () => {
    const kolkata: Rotation = {
      ...shanghaiDaily,
      id: 'rot-in',
      siteId: 'IN1',
      timeZone: 'Asia/Kolkata',
      handoffTime: '21:30',
      startsOn: '2026-11-23',
    };
    const s = schedule([kolkata]);
    expect(whoIsOnCall(s, 'IN1', 1, at('2026-11-23T15:59:59Z'))).toBeUndefined();
    expect(whoIsOnCall(s, 'IN1', 1, at('2026-11-23T16:00:00Z'))).toEqual(
      shift('zhang.min', '2026-11-23T16:00:00.000Z', '2026-11-24T16:00:00.000Z', kolkata.id),
    );
    // 02:00 local on the 25th is still the 24th's shift.
    expect(whoIsOnCall(s, 'IN1', 1, at('2026-11-25T02:00:00+05:30'))?.staffId).toBe('li.na');
  });
});

describe('whoIsOnCall, overrides', () => {
  const override = (
    id: string,
    staffId: string,
    from: string,
    to: string,
    createdAt: string,
    where: Partial<Pick<Override, 'siteId' | 'level'>> = {},
  ): Override => ({
    id,
    siteId: 'S1',
    level: 1,
    staffId,
    from,
    to,
    reason: 'swap',
    createdAt,
    ...where,
  });
  const sickLeave = override(
    'ovr-1',
    'wang.wei',
    '2026-11-24T12:00:00+08:00',
    '2026-11-25T12:00:00+08:00',
    '2026-11-24T08:00:00Z',
  );

  it('an override covering the instant wins over the rotation, with its own interval as UTC', () => {
    expect(whoIsOnCall(schedule([shanghaiDaily], [sickLeave]), 'S1', 1, at('2026-11-24T18:00:00+08:00'))).toEqual({
      staffId: 'wang.wei',
      source: 'override',
      overrideId: 'ovr-1',
      from: '2026-11-24T04:00:00.000Z',
      to: '2026-11-25T04:00:00.000Z',
    });
  });

  it('covers [from, to): at from it applies, at to the rotation is back', () => {
    const s = schedule([shanghaiDaily], [sickLeave]);
    expect(onCallInS1(s, '2026-11-24T12:00:00+08:00')?.source).toBe('override');
    expect(onCallInS1(s, '2026-11-24T11:59:59.999+08:00')).toMatchObject({ source: 'rotation', staffId: 'li.na' });
    expect(onCallInS1(s, '2026-11-25T12:00:00+08:00')).toMatchObject({ source: 'rotation', staffId: 'chen.jie' });
  });

  it('of overlapping overrides, the one created last wins, whatever the list order', () => {
    const correction = override(
      'ovr-2',
      'zhao.lei',
      '2026-11-24T18:00:00+08:00',
      '2026-11-24T22:00:00+08:00',
      '2026-11-24T09:00:00Z',
    );
    const older = override(
      'ovr-0',
      'sun.li',
      '2026-11-24T00:00:00+08:00',
      '2026-11-26T00:00:00+08:00',
      '2026-11-20T09:00:00Z',
    );
    const s = schedule([shanghaiDaily], [correction, sickLeave, older]);
    expect(onCallInS1(s, '2026-11-24T19:00:00+08:00')).toMatchObject({ staffId: 'zhao.lei', overrideId: 'ovr-2' });
    expect(onCallInS1(s, '2026-11-24T23:00:00+08:00')).toMatchObject({ staffId: 'wang.wei', overrideId: 'ovr-1' });
    expect(onCallInS1(s, '2026-11-25T23:00:00+08:00')).toMatchObject({ staffId: 'sun.li', overrideId: 'ovr-0' });
  });

  it('overrides for another site or level are ignored', () => {
    const s = schedule(
      [shanghaiDaily],
      [
        override('ovr-s2', 'x', '2026-11-24T00:00:00Z', '2026-11-26T00:00:00Z', '2026-11-24T09:00:00Z', {
          siteId: 'S2',
        }),
        override('ovr-l2', 'y', '2026-11-24T00:00:00Z', '2026-11-26T00:00:00Z', '2026-11-24T09:00:00Z', { level: 2 }),
      ],
    );
    expect(onCallInS1(s, '2026-11-24T18:00:00+08:00')).toMatchObject({ source: 'rotation', staffId: 'li.na' });
    expect(whoIsOnCall(s, 'S2', 1, at('2026-11-24T18:00:00+08:00'))).toMatchObject({
      source: 'override',
      staffId: 'x',
    });
  });

  it('an override applies even where there is no rotation, and before a rotation starts', () => {
    expect(whoIsOnCall(schedule([], [sickLeave]), 'S1', 1, at('2026-11-24T18:00:00+08:00'))?.staffId).toBe('wang.wei');
    const early = override(
      'ovr-early',
      'wang.wei',
      '2026-11-20T00:00:00Z',
      '2026-11-21T00:00:00Z',
      '2026-11-19T00:00:00Z',
    );
    expect(whoIsOnCall(schedule([shanghaiDaily], [early]), 'S1', 1, at('2026-11-20T12:00:00Z'))?.staffId).toBe(
      'wang.wei',
    );
  });
});

describe('whoIsOnCall, several rotations for one site and level', () => {
  const later: Rotation = { ...shanghaiDaily, id: 'rot-next', startsOn: '2026-12-01', members: ['new.team'] };
  const other: Rotation = { ...shanghaiDaily, id: 'rot-other', siteId: 'S2', members: ['elsewhere'] };

  it('the first in order that has a shift at the instant answers', () => {
    const s = schedule([other, later, shanghaiDaily]);
    expect(onCallInS1(s, '2026-11-24T12:00:00+08:00')).toMatchObject({ rotationId: 'rot-s1-l1', staffId: 'li.na' });
    expect(onCallInS1(s, '2026-12-02T12:00:00+08:00')).toMatchObject({ rotationId: 'rot-next', staffId: 'new.team' });
  });
});

describe('local wall time and instants', () => {
  it('converts in zones with and without DST', () => {
    expect(localWallTimeToInstant('2026-11-23', '09:00', 'Asia/Shanghai').toISOString()).toBe(
      '2026-11-23T01:00:00.000Z',
    );
    expect(localWallTimeToInstant('2026-11-23', '09:00', 'UTC').toISOString()).toBe('2026-11-23T09:00:00.000Z');
    expect(localWallTimeToInstant('2026-11-23', '09:00', 'Asia/Kolkata').toISOString()).toBe(
      '2026-11-23T03:30:00.000Z',
    );
    expect(localWallTimeToInstant('2026-07-01', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
    expect(localWallTimeToInstant('2026-12-01', '09:00', 'America/New_York').toISOString()).toBe(
      '2026-12-01T14:00:00.000Z',
    );
  });

  it('reads a time the clocks skip just past the gap, and a time they repeat at its first occurrence', () => {
    expect(localWallTimeToInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    ); // 03:30 EDT
    expect(localWallTimeToInstant('2026-11-01', '01:30', 'America/New_York').toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    ); // 01:30 EDT
  });

  it('answers a wall time asked again as the first time, a new Date each time', () => {
    const first = localWallTimeToInstant('2026-03-08', '02:30', 'America/New_York');
    const again = localWallTimeToInstant('2026-03-08', '02:30', 'America/New_York');
    expect(again.toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(again).not.toBe(first);
    first.setTime(0);
    expect(localWallTimeToInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
  });

  it('gives the local date and time of an instant', () => {
    expect(localDateOf(at('2026-11-23T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-11-24');
    expect(localDateOf(at('2026-11-23T17:00:00Z'), 'America/New_York')).toBe('2026-11-23');
    expect(localDateTimeOf(at('2026-11-23T17:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-23 22:30');
  });
});

describe('RotationSchema', () => {
  const valid = { ...shanghaiDaily, members: [...shanghaiDaily.members] };
  const issuesOf = (input: unknown) => {
    const result = RotationSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts a daily and a weekly rotation', () => {
    expect(RotationSchema.parse(valid)).toEqual(valid);
    expect(issuesOf({ ...valid, handoff: 'weekly', handoffWeekday: 7 })).toEqual([]);
  });

  it('requires a weekday on a weekly rotation, and refuses one on a daily rotation', () => {
    expect(issuesOf({ ...valid, handoff: 'weekly' })).toEqual([
      'handoffWeekday: a weekly rotation needs handoffWeekday (1=Monday..7=Sunday)',
    ]);
    expect(issuesOf({ ...valid, handoffWeekday: 1 })).toEqual([
      'handoffWeekday: handoffWeekday is for weekly rotations only',
    ]);
    expect(issuesOf({ ...valid, handoff: 'weekly', handoffWeekday: 0 })).toHaveLength(1);
    expect(issuesOf({ ...valid, handoff: 'weekly', handoffWeekday: 8 })).toHaveLength(1);
  });

  it.each(['24:00', '9:00', '09:60', '0900', ''])('refuses hand-off time %p', (handoffTime) => {
    expect(issuesOf({ ...valid, handoffTime })).toEqual(['handoffTime: must be HH:mm (00:00-23:59)']);
  });

  it('refuses an unknown zone, an impossible date and an unknown level', () => {
    expect(issuesOf({ ...valid, timeZone: 'Mars/Olympus_Mons' })).toEqual([
      'timeZone: unknown time zone "Mars/Olympus_Mons"; use an IANA name such as Asia/Shanghai',
    ]);
    expect(issuesOf({ ...valid, startsOn: '2026-02-30' })).toEqual(['startsOn: must be a real date']);
    expect(issuesOf({ ...valid, startsOn: '23/11/2026' })).toEqual(['startsOn: must be YYYY-MM-DD']);
    expect(issuesOf({ ...valid, level: 4 })).toHaveLength(1);
  });

  it('needs 1 to 50 unique, non-empty member ids of at most 64 characters', () => {
    expect(issuesOf({ ...valid, members: [] })).toHaveLength(1);
    expect(issuesOf({ ...valid, members: Array.from({ length: 51 }, (_, i) => `m${i}`) })).toHaveLength(1);
    expect(issuesOf({ ...valid, members: Array.from({ length: 50 }, (_, i) => `m${i}`) })).toEqual([]);
    expect(issuesOf({ ...valid, members: ['a', 'b', 'a'] })).toEqual(['members: members must not repeat a staff id']);
    expect(issuesOf({ ...valid, members: ['a', ' '] })).toHaveLength(1);
    expect(issuesOf({ ...valid, members: ['x'.repeat(65)] })).toHaveLength(1);
  });

  it('refuses unknown fields, and the input form has no id', () => {
    expect(issuesOf({ ...valid, colour: 'red' })).toHaveLength(1);
    const { id: _id, ...input } = valid;
    expect(RotationInputSchema.safeParse(input).success).toBe(true);
    expect(RotationInputSchema.safeParse(valid).success).toBe(false);
  });
});

describe('OverrideInputSchema', () => {
  const valid = {
    siteId: 'S1',
    level: 1,
    staffId: 'wang.wei',
    from: '2026-11-24T12:00:00+08:00',
    to: '2026-11-25T12:00:00+08:00',
    reason: 'covering Li Na’s sick leave',
  };
  const issuesOf = (input: unknown) => {
    const result = OverrideInputSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts an override of up to 90 days', () => {
    expect(issuesOf(valid)).toEqual([]);
    expect(issuesOf({ ...valid, to: '2027-02-22T12:00:00+08:00' })).toEqual([]); // exactly 90 days
  });

  it('refuses an empty or backwards interval and one longer than 90 days', () => {
    expect(issuesOf({ ...valid, to: valid.from })).toEqual(['to: to must be after from']);
    expect(issuesOf({ ...valid, from: valid.to, to: valid.from })).toEqual(['to: to must be after from']);
    expect(issuesOf({ ...valid, to: '2027-02-22T12:00:00.001+08:00' })).toEqual([
      'to: an override lasts at most 90 days',
    ]);
  });

  it('refuses instants without an offset, a blank reason and a missing staff id', () => {
    expect(issuesOf({ ...valid, from: '2026-11-24 12:00' })).toHaveLength(1);
    expect(issuesOf({ ...valid, reason: '  ' })).toHaveLength(1);
    expect(issuesOf({ ...valid, staffId: undefined })).toHaveLength(1);
  });
});
