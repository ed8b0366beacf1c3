import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlaPolicySchema, targetsFor } from './sla-policy';

// The policy is configuration: it is validated once at start-up, so every mistake an operator can make in
// config/sla-policy.json must be rejected here, with a message that says what is wrong.

const shippedPolicyJson: unknown = JSON.parse(readFileSync(join(__dirname, '../../../config/sla-policy.json'), 'utf8'));

/** The minimal valid policy: only what an operator must write; everything else takes its default. */
const minimal = {
  id: 'test-policy',
  tiers: {
    urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
    normal: { responseSeconds: 14400, resolutionSeconds: 86400 },
    planned: { responseSeconds: 259200, resolutionSeconds: 2592000 },
  },
};

const withUrgent = (urgent: Record<string, unknown>) => ({ ...minimal, tiers: { ...minimal.tiers, urgent } });

/** A site calendar as an operator writes one, with the optional closures left out. */
const shanghaiHours = { timeZone: 'Asia/Shanghai', opens: '08:30', closes: '17:30' };
const withCalendar = (calendar: Record<string, unknown>) => ({
  ...minimal,
  calendar: { ...shanghaiHours, ...calendar },
});
const withSiteCalendar = (calendar: Record<string, unknown>) => ({
  ...minimal,
  siteCalendars: { S2: { ...shanghaiHours, ...calendar } },
});

const messagesOf = (input: unknown): string[] => {
  const result = SlaPolicySchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => i.message);
};

describe('the shipped SLA policy (config/sla-policy.json)', () => {
  const parsed = SlaPolicySchema.safeParse(shippedPolicyJson);

  it('parses with SlaPolicySchema', () => {
    expect(parsed.success).toBe(true);
  });

  it('follows the three-tier response: urgent answered in 30 min and fixed in 2 h', () => {
    expect(parsed.data?.tiers.urgent).toMatchObject({ responseSeconds: 30 * 60, resolutionSeconds: 2 * 60 * 60 });
  });

  it('gives normal orders at most a day and folds planned orders into the monthly plan, closed on the 20th', () => {
    const tiers = parsed.data?.tiers;
    expect(tiers?.normal?.resolutionSeconds).toBeLessThanOrEqual(24 * 60 * 60);
    expect(tiers?.planned).toMatchObject({ resolution: { plan: 'monthly', cutoffDay: 20 } });
    expect(tiers?.planned?.resolutionSeconds).toBeUndefined();
  });

  it('warns at 80 % of a target and escalates urgent breaches after 15 min (service manager), then 30 min (operations head)', () => {
    expect(parsed.data?.warningFraction).toBe(0.8);
    expect(parsed.data?.tiers.urgent?.escalationIntervalsSeconds).toEqual([900, 1800]);
  });

  it('counts urgent work around the clock and normal and planned work in working time', () => {
    expect(parsed.data?.tiers.urgent?.clock).toBe('continuous');
    expect(parsed.data?.tiers.normal?.clock).toBe('working-time');
    expect(parsed.data?.tiers.planned?.clock).toBe('working-time');
  });

  it('resolves normal orders within one nine-hour working day', () => {
    expect(parsed.data?.tiers.normal).toMatchObject({ responseSeconds: 4 * 60 * 60, resolutionSeconds: 9 * 60 * 60 });
  });

  it('keeps office hours 08:30-17:30 Beijing time, with site S2 open 09:00-18:00 and closed on 31 December', () => {
    expect(parsed.data?.calendar).toEqual({
      timeZone: 'Asia/Shanghai',
      opens: '08:30',
      closes: '17:30',
      closedOn: [],
      openOn: [],
    });
    expect(parsed.data?.siteCalendars).toEqual({
      S2: { timeZone: 'Asia/Shanghai', opens: '09:00', closes: '18:00', closedOn: ['2026-12-31'], openOn: [] },
    });
  });

  it('escalates a slower tier no faster than a quicker one', () => {
    const tiers = parsed.data?.tiers;
    const [urgent, normal, planned] = [tiers?.urgent, tiers?.normal, tiers?.planned].map(
      (t) => t?.escalationIntervalsSeconds ?? [0, 0],
    );
    expect(normal?.[0]).toBeGreaterThanOrEqual(urgent?.[0] ?? Infinity);
    expect(planned?.[0]).toBeGreaterThanOrEqual(normal?.[0] ?? Infinity);
  });
});

describe('SlaPolicySchema', () => {
  describe('given a policy that leaves the optional settings out', () => {
    it('warns at 0.8 of a target by default', () => {
      expect(SlaPolicySchema.parse(minimal).warningFraction).toBe(0.8);
    });

    it('escalates after 1800 s to level 2 and 3600 s more to level 3 by default, for every tier', () => {
      const { tiers } = SlaPolicySchema.parse(minimal);
      expect(tiers.urgent?.escalationIntervalsSeconds).toEqual([1800, 3600]);
      expect(tiers.normal?.escalationIntervalsSeconds).toEqual([1800, 3600]);
      expect(tiers.planned?.escalationIntervalsSeconds).toEqual([1800, 3600]);
    });

    it('keeps the targets as written', () => {
      expect(SlaPolicySchema.parse(minimal).tiers.urgent).toEqual({
        clock: 'continuous',
        responseSeconds: 1800,
        resolutionSeconds: 7200,
        escalationIntervalsSeconds: [1800, 3600],
      });
    });

    it('counts every tier around the clock by default', () => {
      const { tiers } = SlaPolicySchema.parse(minimal);
      expect([tiers.urgent?.clock, tiers.normal?.clock, tiers.planned?.clock]).toEqual([
        'continuous',
        'continuous',
        'continuous',
      ]);
    });

    it('keeps office hours 08:30-17:30 Beijing time by default, with no extra closures or working days', () => {
      expect(SlaPolicySchema.parse(minimal).calendar).toEqual({
        timeZone: 'Asia/Shanghai',
        opens: '08:30',
        closes: '17:30',
        closedOn: [],
        openOn: [],
      });
    });

    it('has no per-site calendars by default', () => {
      expect(SlaPolicySchema.parse(minimal).siteCalendars).toEqual({});
    });
  });

  describe('given a policy that sets them', () => {
    it('keeps the warning fraction and escalation intervals written', () => {
      const parsed = SlaPolicySchema.parse({
        ...withUrgent({ responseSeconds: 10, resolutionSeconds: 60, escalationIntervalsSeconds: [5, 20] }),
        warningFraction: 0.5,
      });
      expect(parsed.warningFraction).toBe(0.5);
      expect(parsed.tiers.urgent).toEqual({
        clock: 'continuous',
        responseSeconds: 10,
        resolutionSeconds: 60,
        escalationIntervalsSeconds: [5, 20],
      });
    });

    it('accepts equal response and resolution targets', () => {
      expect(SlaPolicySchema.safeParse(withUrgent({ responseSeconds: 1800, resolutionSeconds: 1800 })).success).toBe(
        true,
      );
    });

    it('keeps a monthly plan as the resolution target of a tier', () => {
      expect(
        SlaPolicySchema.parse(withUrgent({ responseSeconds: 1800, resolution: { plan: 'monthly', cutoffDay: 25 } }))
          .tiers.urgent,
      ).toEqual({
        clock: 'continuous',
        responseSeconds: 1800,
        resolution: { plan: 'monthly', cutoffDay: 25 },
        escalationIntervalsSeconds: [1800, 3600],
      });
    });

    it('keeps the clock a tier counts by', () => {
      expect(
        SlaPolicySchema.parse(withUrgent({ clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 }))
          .tiers.urgent?.clock,
      ).toBe('working-time');
      expect(
        SlaPolicySchema.parse(withUrgent({ clock: 'continuous', responseSeconds: 1800, resolutionSeconds: 7200 })).tiers
          .urgent?.clock,
      ).toBe('continuous');
    });

    it('keeps the calendar written, with its extra closures and extra working days', () => {
      const calendar = {
        timeZone: 'Asia/Urumqi',
        opens: '10:00',
        closes: '19:00',
        closedOn: ['2026-12-31'],
        openOn: ['2026-10-11'],
      };
      expect(SlaPolicySchema.parse({ ...minimal, calendar }).calendar).toEqual(calendar);
    });

    it('keeps per-site calendars, filling in their closures and extra working days as none', () => {
      const parsed = SlaPolicySchema.parse({
        ...minimal,
        siteCalendars: {
          S2: { timeZone: 'Asia/Shanghai', opens: '09:00', closes: '18:00', closedOn: ['2026-12-31'] },
          S3: { timeZone: 'Asia/Shanghai', opens: '07:00', closes: '22:00' },
        },
      });
      expect(parsed.siteCalendars).toEqual({
        S2: { timeZone: 'Asia/Shanghai', opens: '09:00', closes: '18:00', closedOn: ['2026-12-31'], openOn: [] },
        S3: { timeZone: 'Asia/Shanghai', opens: '07:00', closes: '22:00', closedOn: [], openOn: [] },
      });
      expect(parsed.calendar).toEqual({ ...shanghaiHours, closedOn: [], openOn: [] });
    });

    it('accepts the earliest opening and the latest closing a day has', () => {
      expect(SlaPolicySchema.safeParse(withCalendar({ opens: '00:00', closes: '23:59' })).success).toBe(true);
    });
  });

  describe('given a policy with a mistake', () => {
    it('rejects a response target longer than the resolution target', () => {
      expect(messagesOf(withUrgent({ responseSeconds: 7200, resolutionSeconds: 1800 }))).toContain(
        'responseSeconds must not exceed resolutionSeconds',
      );
    });

    it('rejects a tier with both a resolution duration and a plan, or with neither', () => {
      const plan = { plan: 'monthly', cutoffDay: 20 };
      expect(messagesOf(withUrgent({ responseSeconds: 1800, resolutionSeconds: 7200, resolution: plan }))).toContain(
        'a tier names either resolutionSeconds or a resolution plan',
      );
      expect(messagesOf(withUrgent({ responseSeconds: 1800 }))).toContain(
        'a tier names either resolutionSeconds or a resolution plan',
      );
    });

    it.each([0, 29, 31, 20.5])(
      'rejects a monthly plan closing on day %p: a whole day from 1 to 28, which every month has',
      (cutoffDay) => {
        expect(
          messagesOf(withUrgent({ responseSeconds: 1800, resolution: { plan: 'monthly', cutoffDay } })).length,
        ).toBeGreaterThan(0);
      },
    );

    it('rejects a plan other than monthly', () => {
      expect(
        messagesOf(withUrgent({ responseSeconds: 1800, resolution: { plan: 'weekly', cutoffDay: 5 } })).length,
      ).toBeGreaterThan(0);
    });

    it('rejects a policy missing a tier', () => {
      const { planned: _planned, ...twoTiers } = minimal.tiers;
      expect(messagesOf({ ...minimal, tiers: twoTiers })).toContain(
        'every tier (urgent, normal, planned) needs targets',
      );
    });

    it.each([0, 1, -0.1, 1.5])('rejects a warning fraction of %p, outside (0, 1)', (warningFraction) => {
      expect(messagesOf({ ...minimal, warningFraction })).toHaveLength(1);
    });

    it('accepts warning fractions just inside (0, 1)', () => {
      expect(SlaPolicySchema.safeParse({ ...minimal, warningFraction: 0.01 }).success).toBe(true);
      expect(SlaPolicySchema.safeParse({ ...minimal, warningFraction: 0.99 }).success).toBe(true);
    });

    it.each([0, -60, 90.5])('rejects %p as a number of seconds', (responseSeconds) => {
      expect(messagesOf(withUrgent({ responseSeconds, resolutionSeconds: 7200 })).length).toBeGreaterThan(0);
    });

    it.each([[[900]], [[900, 1800, 3600]], [[0, 1800]], [[900, -1]], [[900.5, 1800]]])(
      'rejects escalation intervals %j: two positive whole seconds, to level 2 and to level 3',
      (escalationIntervalsSeconds) => {
        expect(
          messagesOf(withUrgent({ responseSeconds: 1800, resolutionSeconds: 7200, escalationIntervalsSeconds })).length,
        ).toBeGreaterThan(0);
      },
    );

    it('rejects an unknown tier name and unknown keys', () => {
      expect(
        SlaPolicySchema.safeParse({ ...minimal, tiers: { ...minimal.tiers, emergency: minimal.tiers.urgent } }).success,
      ).toBe(false);
      expect(SlaPolicySchema.safeParse({ ...minimal, holidays: 'cn-2026' }).success).toBe(false);
      expect(
        SlaPolicySchema.safeParse(
          withUrgent({ responseSeconds: 1800, resolutionSeconds: 7200, businessHoursOnly: true }),
        ).success,
      ).toBe(false);
      expect(SlaPolicySchema.safeParse(withCalendar({ lunchBreak: '12:00-13:00' })).success).toBe(false);
      expect(SlaPolicySchema.safeParse(withSiteCalendar({ holidays: 'cn-2026' })).success).toBe(false);
    });

    it('rejects a calendar named rather than written out', () => {
      expect(SlaPolicySchema.safeParse({ ...minimal, calendar: 'cn-2026' }).success).toBe(false);
      expect(SlaPolicySchema.safeParse({ ...minimal, siteCalendars: { S2: 'cn-2026' } }).success).toBe(false);
    });

    it.each(['business-hours', 'working-days', ''])(
      'rejects a tier clock of %p: continuous or working-time',
      (clock) => {
        expect(
          messagesOf(withUrgent({ clock, responseSeconds: 1800, resolutionSeconds: 7200 })).length,
        ).toBeGreaterThan(0);
      },
    );

    it.each(['8:30', '08:30:00', '0830', '24:00', '08:60', '8.30', ''])(
      'rejects office hours of %p: must be HH:mm (00:00-23:59)',
      (time) => {
        expect(messagesOf(withCalendar({ opens: time }))).toContain('must be HH:mm (00:00-23:59)');
        expect(messagesOf(withCalendar({ closes: time }))).toContain('must be HH:mm (00:00-23:59)');
        expect(messagesOf(withSiteCalendar({ opens: time }))).toContain('must be HH:mm (00:00-23:59)');
      },
    );

    it('rejects a calendar that opens at or after it closes', () => {
      expect(messagesOf(withCalendar({ opens: '17:30', closes: '08:30' }))).toContain('opens must be before closes');
      expect(messagesOf(withCalendar({ opens: '09:00', closes: '09:00' }))).toContain('opens must be before closes');
      expect(messagesOf(withSiteCalendar({ opens: '18:00', closes: '09:00' }))).toContain(
        'opens must be before closes',
      );
    });

    it.each(['Asia/Beijing', 'Beijing', 'UTC+8', '+08:00', ''])('rejects a time zone of %p', (timeZone) => {
      expect(messagesOf(withCalendar({ timeZone }))).toContain(
        `unknown time zone "${timeZone}"; use an IANA name such as Asia/Shanghai`,
      );
      expect(messagesOf(withSiteCalendar({ timeZone }))).toContain(
        `unknown time zone "${timeZone}"; use an IANA name such as Asia/Shanghai`,
      );
    });

    it('rejects a calendar without its time zone or hours', () => {
      const { timeZone: _timeZone, ...noZone } = shanghaiHours;
      const { opens: _opens, ...noOpening } = shanghaiHours;
      expect(SlaPolicySchema.safeParse({ ...minimal, calendar: noZone }).success).toBe(false);
      expect(SlaPolicySchema.safeParse({ ...minimal, siteCalendars: { S2: noOpening } }).success).toBe(false);
    });

    it.each(['2026/12/31', '31-12-2026', '2026-12-31T00:00:00Z', '2026-1-5', '20261231', ''])(
      'rejects %p as a closed or extra working date: must be YYYY-MM-DD',
      (date) => {
        expect(messagesOf(withCalendar({ closedOn: [date] }))).toContain('must be YYYY-MM-DD');
        expect(messagesOf(withCalendar({ openOn: ['2026-10-11', date] }))).toContain('must be YYYY-MM-DD');
        expect(messagesOf(withSiteCalendar({ closedOn: [date] }))).toContain('must be YYYY-MM-DD');
      },
    );

    it.each(['2026-13-01', '2026-02-30', '2026-12-00'])(
      'rejects %p, a date no calendar has, as a closed or extra working date',
      (date) => {
        // The schema checks only the shape: a date that cannot happen would never match a local date and be ignored.
        expect(messagesOf(withCalendar({ closedOn: [date] })).length).toBeGreaterThan(0);
        expect(messagesOf(withSiteCalendar({ openOn: [date] })).length).toBeGreaterThan(0);
      },
    );

    it('rejects closed and extra working dates given as one string rather than a list', () => {
      expect(SlaPolicySchema.safeParse(withCalendar({ closedOn: '2026-12-31' })).success).toBe(false);
      expect(SlaPolicySchema.safeParse(withSiteCalendar({ openOn: '2026-10-11' })).success).toBe(false);
    });

    it('rejects a policy without an id', () => {
      expect(SlaPolicySchema.safeParse({ ...minimal, id: '' }).success).toBe(false);
    });
  });
});

describe('targets for one order: the tier, with the first matching override', () => {
  const policy = SlaPolicySchema.parse({
    id: 'overrides',
    tiers: {
      urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
      normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
      planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
    },
    overrides: [
      { categories: ['lift'], tiers: { urgent: { responseSeconds: 900 } } },
      {
        sites: ['S2'],
        tiers: { normal: { clock: 'continuous', resolutionSeconds: 86400 }, urgent: { resolutionSeconds: 3600 } },
      },
    ],
  });

  it('uses the tier as it is when no override matches', () => {
    expect(targetsFor(policy, { tier: 'urgent', siteId: 'S1', category: 'plumbing' })).toMatchObject({
      responseSeconds: 1800,
      resolution: { seconds: 7200 },
    });
  });

  it('answers a lift faster at every site, keeping the tier’s other targets', () => {
    expect(targetsFor(policy, { tier: 'urgent', siteId: 'S1', category: 'lift' })).toMatchObject({
      responseSeconds: 900,
      resolution: { seconds: 7200 },
      clock: 'continuous',
    });
  });

  it('takes the first override that matches, not a later one', () => {
    expect(targetsFor(policy, { tier: 'urgent', siteId: 'S2', category: 'lift' })).toMatchObject({
      responseSeconds: 900,
      resolution: { seconds: 7200 },
    });
    expect(targetsFor(policy, { tier: 'urgent', siteId: 'S2', category: 'plumbing' })).toMatchObject({
      responseSeconds: 1800,
      resolution: { seconds: 3600 },
    });
  });

  it('lets a site run a tier on another clock', () => {
    expect(targetsFor(policy, { tier: 'normal', siteId: 'S2' })).toMatchObject({
      clock: 'continuous',
      responseSeconds: 14400,
      resolution: { seconds: 86400 },
    });
  });

  it('folds the planned tier into the monthly plan, with a site whose plan closes on the 25th and a category fixed within a duration', () => {
    const planned = SlaPolicySchema.parse({
      ...policy,
      tiers: {
        ...policy.tiers,
        planned: { clock: 'working-time', responseSeconds: 64800, resolution: { plan: 'monthly', cutoffDay: 20 } },
      },
      overrides: [
        { sites: ['S2'], tiers: { planned: { resolution: { plan: 'monthly', cutoffDay: 25 } } } },
        { categories: ['lift'], tiers: { planned: { resolutionSeconds: 324000 } } },
      ],
    });
    expect(targetsFor(planned, { tier: 'planned', siteId: 'S1' }).resolution).toEqual({
      plan: 'monthly',
      cutoffDay: 20,
    });
    expect(targetsFor(planned, { tier: 'planned', siteId: 'S2' }).resolution).toEqual({
      plan: 'monthly',
      cutoffDay: 25,
    });
    expect(targetsFor(planned, { tier: 'planned', siteId: 'S1', category: 'lift' }).resolution).toEqual({
      seconds: 324000,
    });
    expect(targetsFor(policy, { tier: 'planned', siteId: 'S1' }).resolution).toEqual({ seconds: 648000 });
  });

  it('lets an override replace a duration with a monthly plan, without checking the response against it', () => {
    const result = SlaPolicySchema.safeParse({
      ...policy,
      overrides: [
        { sites: ['S3'], tiers: { urgent: { responseSeconds: 9000, resolution: { plan: 'monthly', cutoffDay: 20 } } } },
      ],
    });
    expect(result.success).toBe(true);
    expect(result.success && targetsFor(result.data, { tier: 'urgent', siteId: 'S3' })).toMatchObject({
      responseSeconds: 9000,
      resolution: { plan: 'monthly', cutoffDay: 20 },
    });
  });

  it('refuses an override that names both a duration and a plan', () => {
    const result = SlaPolicySchema.safeParse({
      ...policy,
      overrides: [
        {
          sites: ['S3'],
          tiers: { planned: { resolutionSeconds: 648000, resolution: { plan: 'monthly', cutoffDay: 20 } } },
        },
      ],
    });
    expect(result.error?.issues.map((i) => i.message)).toContain(
      'an override names either resolutionSeconds or a resolution plan',
    );
  });

  it('refuses an override that names neither sites nor categories', () => {
    const result = SlaPolicySchema.safeParse({
      ...policy,
      overrides: [{ tiers: { urgent: { responseSeconds: 60 } } }],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain('an override names sites, categories or both');
  });

  it('refuses an override that puts the response target after the resolution target', () => {
    const result = SlaPolicySchema.safeParse({
      ...policy,
      overrides: [{ sites: ['S3'], tiers: { urgent: { responseSeconds: 9000 } } }],
    });
    expect(result.error?.issues.map((i) => i.message)).toContain(
      'an override must not make responseSeconds exceed resolutionSeconds',
    );
  });
});
