import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Roster, RosterInput, RosterSchema, route, RoutingDecision } from './routing';

const shippedRosterJson: unknown = JSON.parse(readFileSync(join(__dirname, '../../../config/roster.json'), 'utf8'));

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const manyWorkOrderIds = Array.from({ length: 40 }, (_, i) => `0b9d2f64-8a1c-4e3b-9d5f-${String(i).padStart(12, '0')}`);

// Fixed instants, written in the sites' own offset. 2026-11-22 is a Sunday, 2026-11-23 a Monday.
const SUN_02_00 = new Date('2026-11-22T02:00:00+08:00');
const SUN_10_00 = new Date('2026-11-29T10:00:00+08:00');
const SUN_23_00 = new Date('2026-11-22T23:00:00+08:00');
const MON_02_00 = new Date('2026-11-23T02:00:00+08:00');
const MON_03_10 = new Date('2026-11-23T03:10:00+08:00');
const MON_08_00 = new Date('2026-11-23T08:00:00+08:00');
const MON_10_00 = new Date('2026-11-23T10:00:00+08:00');
const MON_17_59 = new Date('2026-11-23T17:59:00+08:00');
const MON_18_00 = new Date('2026-11-23T18:00:00+08:00');
const MON_19_00 = new Date('2026-11-23T19:00:00+08:00');
const MON_21_00 = new Date('2026-11-23T21:00:00+08:00');
const MON_23_00 = new Date('2026-11-23T23:00:00+08:00');
const TUE_10_00 = new Date('2026-11-24T10:00:00+08:00');
const SAT_10_00 = new Date('2026-11-28T10:00:00+08:00');
const SAT_15_00 = new Date('2026-11-28T15:00:00+08:00');

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** A roster as configuration would hold it, validated (time zones filled in) the way dispatch loads it. */
const rosterOf = (input: RosterInput): Roster => RosterSchema.parse(input);

/** A one-site, one-team roster for S1: enough to exercise shifts and skills on their own. */
const oneTeam = (
  team: { id?: string; categories?: string[]; members: RosterInput['sites'][string]['teams'][number]['members'] },
  timeZone?: string,
): Roster =>
  rosterOf({
    sites: {
      S1: {
        dispatcherQueue: 'S1-dispatch',
        ...(timeZone ? { timeZone } : {}),
        teams: [{ id: team.id ?? 's1-plumbing', categories: team.categories ?? ['plumbing'], members: team.members }],
      },
    },
  });

/** The decision to park an order in its site's dispatcher queue, saying why. */
const queuedFor = (siteId: string, reason: string): RoutingDecision => ({
  kind: 'dispatcher-queue',
  queueId: `${siteId}-dispatch`,
  reason,
});

const ownerOf = (decision: RoutingDecision): string | undefined =>
  decision.kind === 'team' ? decision.owner.staffId : undefined;

describe('the shipped roster (config/roster.json)', () => {
  const parsed = RosterSchema.safeParse(shippedRosterJson);
  const roster: Roster = parsed.success ? parsed.data : { sites: {} };
  const s1 = (category: string, now: Date, building?: string) =>
    route(roster, { workOrderId, siteId: 'S1', building, category }, now);

  it('parses with RosterSchema', () => {
    expect(parsed.error).toBeUndefined();
    expect(Object.keys(roster.sites)).toEqual(expect.arrayContaining(['S1', 'S2']));
  });

  it('reads S1 shifts in Asia/Shanghai, and gives S2, which names no zone, the same by default', () => {
    expect(roster.sites['S1']?.timeZone).toBe('Asia/Shanghai');
    expect(roster.sites['S2']?.timeZone).toBe('Asia/Shanghai');
  });

  describe('at site S1', () => {
    it('gives a burst pipe on a Monday morning to the one plumber on the day shift, saying who was on', () => {
      expect(s1('plumbing', MON_10_00, '3')).toEqual({
        kind: 'team',
        teamId: 's1-plumbing',
        owner: { staffId: 's1-wang-wei', name: 'Wang Wei' },
        ruleId: 'roster:S1:s1-plumbing',
        reason: 'team s1-plumbing takes "plumbing"; on shift with the skill at 10:00 Mon (Asia/Shanghai): Wang Wei',
      });
    });

    it('shares a Tuesday morning burst pipe between the two day plumbers', () => {
      const decision = s1('plumbing', TUE_10_00);
      expect(decision).toMatchObject({
        kind: 'team',
        teamId: 's1-plumbing',
        reason:
          'team s1-plumbing takes "plumbing"; on shift with the skill at 10:00 Tue (Asia/Shanghai): Wang Wei, Li Na',
      });
      expect(['s1-wang-wei', 's1-li-na']).toContain(ownerOf(decision));
    });

    it('gives a burst pipe at 03:10 on Monday to the night-duty plumber whose shift began on Sunday evening', () => {
      expect(s1('plumbing', MON_03_10)).toMatchObject({
        kind: 'team',
        teamId: 's1-plumbing',
        owner: { staffId: 's1-wu-gang', name: 'Wu Gang' },
        reason: 'team s1-plumbing takes "plumbing"; on shift with the skill at 03:10 Mon (Asia/Shanghai): Wu Gang',
      });
    });

    it('gives a lift fault to whoever of the lift team is on: Chen Jie on Monday, Qian Bo on Sunday, He Jun at night', () => {
      expect(s1('lift', MON_10_00)).toMatchObject({
        kind: 'team',
        teamId: 's1-lifts',
        owner: { staffId: 's1-chen-jie', name: 'Chen Jie' },
      });
      expect(s1('lift', SUN_10_00)).toMatchObject({
        kind: 'team',
        teamId: 's1-lifts',
        owner: { staffId: 's1-qian-bo', name: 'Qian Bo' },
      });
      expect(s1('lift', MON_21_00)).toMatchObject({
        kind: 'team',
        teamId: 's1-lifts',
        owner: { staffId: 's1-he-jun', name: 'He Jun' },
      });
    });

    it('gives a corridor light only to an electrician with the lighting skill', () => {
      // Monday: Zhang Min (electrical, lighting) is on, Huang Tao (electrical only) rests.
      expect(s1('lighting', MON_10_00)).toMatchObject({ kind: 'team', owner: { staffId: 's1-zhang-min' } });
      // Sunday: only Huang Tao is on by day, and he does not take lighting.
      expect(s1('electrical', SUN_10_00)).toMatchObject({ kind: 'team', owner: { staffId: 's1-huang-tao' } });
      expect(s1('lighting', SUN_10_00)).toEqual(
        queuedFor(
          'S1',
          'team s1-electrical has nobody on shift with the skill for "lighting" at 10:00 Sun (Asia/Shanghai)',
        ),
      );
      // At night the duty electrician, who lists no skills, takes everything the team takes.
      expect(s1('lighting', MON_21_00)).toMatchObject({ kind: 'team', owner: { staffId: 's1-guo-qiang' } });
    });

    it('gives noise complaints and general reports to the service desk, whose duty receptionist is always on', () => {
      for (const category of ['noise', 'billing', 'general']) {
        expect(s1(category, MON_10_00)).toMatchObject({ kind: 'team', teamId: 's1-service-desk' });
        expect(s1(category, SAT_15_00)).toMatchObject({
          kind: 'team',
          teamId: 's1-service-desk',
          owner: { staffId: 's1-xu-ting' },
        });
      }
      expect(s1('noise', SAT_15_00)).toMatchObject({
        reason:
          'team s1-service-desk takes "noise"; on shift with the skill at 15:00 Sat (Asia/Shanghai): Xu Ting (always on)',
      });
    });

    it('has someone on shift for pipes, power, lifts and the service desk at every quarter hour of the week', () => {
      const gaps: string[] = [];
      const monday = MON_02_00.getTime() - 2 * 3600_000; // Monday 00:00 in Shanghai
      for (let quarter = 0; quarter < 7 * 24 * 4; quarter++) {
        const now = new Date(monday + quarter * 15 * 60_000);
        for (const category of ['plumbing', 'electrical', 'lift', 'noise', 'billing']) {
          const decision = s1(category, now);
          if (decision.kind !== 'team') gaps.push(decision.reason);
        }
      }
      expect(gaps).toEqual([]);
    });

    it('parks a category no team takes in the S1 dispatcher queue, saying why', () => {
      expect(s1('hvac', MON_10_00, '3')).toEqual(
        queuedFor('S1', 'no team on the S1 roster takes category "hvac" in building 3'),
      );
    });
  });

  describe('at site S2, where maintenance serves only buildings A1 and A2 and nobody has shifts (always on)', () => {
    it('gives a leak in building A1 to maintenance team A, at any hour', () => {
      for (const now of [MON_03_10, MON_10_00, SAT_15_00, SUN_23_00]) {
        expect(route(roster, { workOrderId, siteId: 'S2', building: 'A1', category: 'plumbing' }, now)).toMatchObject({
          kind: 'team',
          teamId: 's2-maintenance-a',
          owner: { staffId: 's2-liu-yang', name: 'Liu Yang' },
          ruleId: 'roster:S2:s2-maintenance-a',
        });
      }
      expect(
        route(roster, { workOrderId, siteId: 'S2', building: 'A1', category: 'plumbing' }, MON_03_10),
      ).toMatchObject({
        reason:
          'team s2-maintenance-a takes "plumbing" in building A1; on shift with the skill at 03:10 Mon (Asia/Shanghai): Liu Yang (always on)',
      });
    });

    it.each([
      {
        name: 'queues a leak in building B3 for the dispatcher',
        building: 'B3',
        reason: 'no team on the S2 roster takes category "plumbing" in building B3',
      },
      {
        name: 'queues a leak reported without a building, since no building-bound team can claim it',
        building: undefined,
        reason: 'no team on the S2 roster takes category "plumbing"',
      },
    ])('$name', ({ building, reason }) => {
      expect(route(roster, { workOrderId, siteId: 'S2', building, category: 'plumbing' }, MON_10_00)).toEqual({
        kind: 'dispatcher-queue',
        queueId: 'S2-dispatch',
        reason,
      });
    });

    it('gives a lift fault in any building to the site-wide lift team', () => {
      expect(route(roster, { workOrderId, siteId: 'S2', building: 'C7', category: 'lift' }, MON_10_00)).toMatchObject({
        kind: 'team',
        teamId: 's2-lifts',
      });
    });
  });

  it('queues orders of a site missing from the roster in "<site>-dispatch"', () => {
    expect(route(roster, { workOrderId, siteId: 'S9', category: 'plumbing' }, MON_10_00)).toEqual(
      queuedFor('S9', 'site S9 has no roster'),
    );
  });
});

describe('shifts', () => {
  describe('given a plumber on days 08:00–18:00 and one on nights 20:00–08:00, every day', () => {
    const roster = oneTeam({
      members: [
        { staffId: 's1-wang-wei', name: 'Wang Wei', shifts: [{ days: [...EVERY_DAY], start: '08:00', end: '18:00' }] },
        { staffId: 's1-wu-gang', name: 'Wu Gang', shifts: [{ days: [...EVERY_DAY], start: '20:00', end: '08:00' }] },
      ],
    });
    const at = (now: Date) => route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, now);

    it('when a pipe bursts at 10:00, then the day plumber gets it', () => {
      expect(ownerOf(at(MON_10_00))).toBe('s1-wang-wei');
    });

    it('when a pipe bursts at 21:00, then the night plumber gets it', () => {
      expect(ownerOf(at(MON_21_00))).toBe('s1-wu-gang');
    });

    it('when a pipe bursts at 08:00 sharp, then the day shift has begun and the night shift has ended', () => {
      expect(ownerOf(at(MON_08_00))).toBe('s1-wang-wei');
    });

    it('when a pipe bursts at 17:59, then the day plumber is still on; at 18:00 he is not', () => {
      expect(ownerOf(at(MON_17_59))).toBe('s1-wang-wei');
      expect(at(MON_18_00)).toMatchObject({ kind: 'dispatcher-queue' });
    });

    it('when a pipe bursts at 19:00, between the shifts, then it goes to the dispatcher queue saying nobody is on', () => {
      expect(at(MON_19_00)).toEqual(
        queuedFor('S1', 'team s1-plumbing has nobody on shift at 19:00 Mon (Asia/Shanghai)'),
      );
    });
  });

  describe('given a night shift 20:00–08:00 worked only on Sundays', () => {
    const roster = oneTeam({
      members: [{ staffId: 's1-wu-gang', name: 'Wu Gang', shifts: [{ days: ['sun'], start: '20:00', end: '08:00' }] }],
    });
    const at = (now: Date) => route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, now);

    const onShift = (at: string) => ({
      kind: 'team',
      owner: { staffId: 's1-wu-gang' },
      reason: `team s1-plumbing takes "plumbing"; on shift with the skill at ${at} (Asia/Shanghai): Wu Gang`,
    });
    const offShift = (at: string) => ({
      kind: 'dispatcher-queue',
      reason: `team s1-plumbing has nobody on shift at ${at} (Asia/Shanghai)`,
    });

    it.each([
      { name: 'when it is Sunday 23:00, then the night plumber is on', now: SUN_23_00, decision: onShift('23:00 Sun') },
      {
        name: 'when it is Monday 02:00, then he is still on: the shift began on Sunday',
        now: MON_02_00,
        decision: onShift('02:00 Mon'),
      },
      { name: 'when it is Monday 08:00, then he is off', now: MON_08_00, decision: offShift('08:00 Mon') },
      { name: 'when it is Monday 23:00, then he is off', now: MON_23_00, decision: offShift('23:00 Mon') },
      {
        name: 'when it is Sunday 02:00, then he is off: Saturday night is not his',
        now: SUN_02_00,
        decision: offShift('02:00 Sun'),
      },
    ])('$name', ({ now, decision }) => {
      expect(at(now)).toMatchObject(decision);
    });
  });

  describe('given a service desk that works office hours only (Mon–Fri 08:30–17:30, Sat 09:00–12:00)', () => {
    const roster = oneTeam({
      id: 's1-service-desk',
      categories: ['noise', 'billing'],
      members: [
        {
          staffId: 's1-zhao-lei',
          name: 'Zhao Lei',
          shifts: [
            { days: [...WEEKDAYS], start: '08:30', end: '17:30' },
            { days: ['sat'], start: '09:00', end: '12:00' },
          ],
        },
      ],
    });
    const at = (now: Date) => route(roster, { workOrderId, siteId: 'S1', category: 'noise' }, now);

    it('when a noise complaint comes on Saturday morning, then the desk takes it', () => {
      expect(ownerOf(at(SAT_10_00))).toBe('s1-zhao-lei');
    });

    it('when a noise complaint comes on Saturday afternoon, then it waits in the dispatcher queue, saying nobody is on', () => {
      expect(at(SAT_15_00)).toEqual(
        queuedFor('S1', 'team s1-service-desk has nobody on shift at 15:00 Sat (Asia/Shanghai)'),
      );
    });

    it('when a noise complaint comes on Sunday, then it waits in the dispatcher queue', () => {
      expect(at(SUN_10_00)).toMatchObject({
        kind: 'dispatcher-queue',
        reason: 'team s1-service-desk has nobody on shift at 10:00 Sun (Asia/Shanghai)',
      });
    });
  });

  describe('given a site whose shifts are written in another time zone', () => {
    const roster = oneTeam(
      {
        members: [
          { staffId: 'uk-jones', name: 'Sam Jones', shifts: [{ days: [...WEEKDAYS], start: '09:00', end: '17:00' }] },
        ],
      },
      'Europe/London',
    );

    it('when it is 10:00 in Shanghai, then it is 02:00 at the site and nobody is on', () => {
      expect(route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, MON_10_00)).toMatchObject({
        kind: 'dispatcher-queue',
        reason: 'team s1-plumbing has nobody on shift at 02:00 Mon (Europe/London)',
      });
    });

    it('when it is 18:00 in Shanghai, then it is 10:00 at the site and the team takes it', () => {
      expect(ownerOf(route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, MON_18_00))).toBe('uk-jones');
    });
  });

  describe('given a member with no shifts', () => {
    const roster = oneTeam({ members: [{ staffId: 's1-wang-wei', name: 'Wang Wei' }] });

    it('when orders come at any hour of any day, then that member is always on', () => {
      for (const now of [SUN_02_00, SUN_23_00, MON_03_10, MON_19_00, SAT_15_00, SUN_10_00]) {
        expect(ownerOf(route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, now))).toBe('s1-wang-wei');
      }
    });
  });
});

describe('skills', () => {
  const electricians = (members: RosterInput['sites'][string]['teams'][number]['members']) =>
    oneTeam({ id: 's1-electrical', categories: ['electrical', 'lighting'], members });
  const ownersFor = (roster: Roster, category: string, now = MON_10_00) =>
    new Set(manyWorkOrderIds.map((id) => ownerOf(route(roster, { workOrderId: id, siteId: 'S1', category }, now))));

  describe('given an electrician with ["electrical"], one with ["electrical", "lighting"], and one who lists no skills', () => {
    const roster = electricians([
      { staffId: 's1-huang-tao', name: 'Huang Tao', skills: ['electrical'] },
      { staffId: 's1-zhang-min', name: 'Zhang Min', skills: ['electrical', 'lighting'] },
      { staffId: 's1-guo-qiang', name: 'Guo Qiang' },
    ]);

    it('when a corridor light is out, then only those who take lighting are chosen', () => {
      expect(ownersFor(roster, 'lighting')).toEqual(new Set(['s1-zhang-min', 's1-guo-qiang']));
      expect(route(roster, { workOrderId, siteId: 'S1', category: 'lighting' }, MON_10_00)).toMatchObject({
        reason:
          'team s1-electrical takes "lighting"; on shift with the skill at 10:00 Mon (Asia/Shanghai): Zhang Min (always on), Guo Qiang (always on)',
      });
    });

    it('when the power is out, then every one of them may be chosen', () => {
      expect(ownersFor(roster, 'electrical')).toEqual(new Set(['s1-huang-tao', 's1-zhang-min', 's1-guo-qiang']));
    });
  });

  describe('given a team that takes lighting but whose members all list only "electrical"', () => {
    const roster = electricians([{ staffId: 's1-huang-tao', name: 'Huang Tao', skills: ['electrical'] }]);

    it('when a corridor light is out, then it waits in the dispatcher queue, saying nobody has the skill', () => {
      expect(route(roster, { workOrderId, siteId: 'S1', category: 'lighting' }, MON_10_00)).toEqual(
        queuedFor('S1', 'team s1-electrical takes "lighting" but none of its members has the skill'),
      );
    });
  });

  describe('given the lighting electrician works days and the one on at night takes only "electrical"', () => {
    const roster = electricians([
      {
        staffId: 's1-zhang-min',
        name: 'Zhang Min',
        skills: ['lighting'],
        shifts: [{ days: [...EVERY_DAY], start: '08:00', end: '18:00' }],
      },
      {
        staffId: 's1-huang-tao',
        name: 'Huang Tao',
        skills: ['electrical'],
        shifts: [{ days: [...EVERY_DAY], start: '18:00', end: '08:00' }],
      },
    ]);

    it('when a corridor light goes out at night, then it waits in the queue, saying nobody on shift has the skill', () => {
      expect(route(roster, { workOrderId, siteId: 'S1', category: 'lighting' }, MON_21_00)).toEqual(
        queuedFor(
          'S1',
          'team s1-electrical has nobody on shift with the skill for "lighting" at 21:00 Mon (Asia/Shanghai)',
        ),
      );
    });

    it('when the power goes out at night, then the night electrician takes it', () => {
      expect(ownersFor(roster, 'electrical', MON_21_00)).toEqual(new Set(['s1-huang-tao']));
    });
  });
});

describe('choosing the owner within a team', () => {
  const roster = oneTeam({
    members: [
      {
        staffId: 's1-wang-wei',
        name: 'Wang Wei',
        skills: ['plumbing'],
        shifts: [{ days: [...EVERY_DAY], start: '08:00', end: '18:00' }],
      },
      { staffId: 's1-li-na', name: 'Li Na', shifts: [{ days: [...EVERY_DAY], start: '08:00', end: '18:00' }] },
      { staffId: 's1-wu-gang', name: 'Wu Gang', shifts: [{ days: [...EVERY_DAY], start: '18:00', end: '08:00' }] },
    ],
  });
  const ownerAt = (id: string, now: Date) =>
    ownerOf(route(roster, { workOrderId: id, siteId: 'S1', category: 'plumbing' }, now));

  it('picks the same member every time for the same work order at the same instant, so a redelivered event changes nothing', () => {
    const first = ownerAt(workOrderId, MON_10_00);
    expect(first).toBeDefined();
    for (let i = 0; i < 5; i++) expect(ownerAt(workOrderId, new Date(MON_10_00.getTime()))).toBe(first);
  });

  it('spreads different work orders over every member on shift, and over nobody off shift', () => {
    expect(new Set(manyWorkOrderIds.map((id) => ownerAt(id, MON_10_00)))).toEqual(new Set(['s1-wang-wei', 's1-li-na']));
    expect(new Set(manyWorkOrderIds.map((id) => ownerAt(id, MON_21_00)))).toEqual(new Set(['s1-wu-gang']));
  });

  it('names the owner by staff id and name only: skills and shifts stay in the roster, out of the event', () => {
    const decision = route(roster, { workOrderId, siteId: 'S1', category: 'plumbing' }, MON_10_00);
    expect(decision.kind === 'team' ? Object.keys(decision.owner).sort() : []).toEqual(['name', 'staffId']);
  });

  it('uses the first team in roster order when two teams take the same category', () => {
    const twoTeams = rosterOf({
      sites: {
        S1: {
          dispatcherQueue: 'S1-dispatch',
          teams: [
            { id: 'day-shift', categories: ['plumbing'], members: [{ staffId: 's1-wang-wei', name: 'Wang Wei' }] },
            { id: 'night-shift', categories: ['plumbing'], members: [{ staffId: 's1-li-na', name: 'Li Na' }] },
          ],
        },
      },
    });
    expect(route(twoTeams, { workOrderId, siteId: 'S1', category: 'plumbing' }, MON_10_00)).toMatchObject({
      teamId: 'day-shift',
    });
  });
});

describe('RosterSchema', () => {
  const member = { staffId: 'zhao-lei', name: 'Zhao Lei' };
  const site = { dispatcherQueue: 'S1-dispatch', teams: [{ id: 'desk', categories: ['general'], members: [member] }] };
  const withMember = (m: Record<string, unknown>) => ({
    sites: { S1: { ...site, teams: [{ ...site.teams[0], members: [m] }] } },
  });
  const withShift = (shift: Record<string, unknown>) => withMember({ ...member, shifts: [shift] });
  const messagesOf = (input: unknown) => {
    const result = RosterSchema.safeParse(input);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts a minimal site, and fills in Asia/Shanghai as its time zone', () => {
    const parsed = RosterSchema.safeParse({ sites: { S1: site } });
    expect(parsed.success && parsed.data.sites['S1']?.timeZone).toBe('Asia/Shanghai');
  });

  it('accepts skills and shifts, including a night shift that ends the next morning and one that ends at midnight', () => {
    const parsed = RosterSchema.safeParse(
      withMember({
        ...member,
        skills: ['general', 'noise'],
        shifts: [
          { days: ['mon', 'sun'], start: '20:00', end: '08:00' },
          { days: ['sat'], start: '18:00', end: '00:00' },
        ],
      }),
    );
    expect(parsed.error).toBeUndefined();
  });

  it('rejects a time that is not HH:MM within the day', () => {
    for (const bad of ['8:00', '24:00', '12:60', '08:00:00', 'noon']) {
      expect(messagesOf(withShift({ days: ['mon'], start: bad, end: '18:00' }))).toEqual([
        'sites.S1.teams.0.members.0.shifts.0.start: a time of day is HH:MM, from 00:00 to 23:59',
      ]);
    }
  });

  it('rejects a shift with no days, or a day that is not a three-letter weekday', () => {
    expect(messagesOf(withShift({ days: [], start: '08:00', end: '18:00' }))).toEqual([
      'sites.S1.teams.0.members.0.shifts.0.days: a shift needs at least one day',
    ]);
    expect(messagesOf(withShift({ days: ['monday'], start: '08:00', end: '18:00' }))).toHaveLength(1);
  });

  it('rejects a shift that starts and ends at the same time, which could mean all day or never', () => {
    expect(messagesOf(withShift({ days: ['mon'], start: '08:00', end: '08:00' }))).toHaveLength(1);
  });

  it('rejects an empty list of shifts or skills, which would make a member never eligible', () => {
    expect(messagesOf(withMember({ ...member, shifts: [] }))).toHaveLength(1);
    expect(messagesOf(withMember({ ...member, skills: [] }))).toHaveLength(1);
  });

  it('rejects a time zone that is not an IANA name', () => {
    expect(messagesOf({ sites: { S1: { ...site, timeZone: 'Asia/Shangai' } } })).toEqual([
      'sites.S1.timeZone: unknown time zone "Asia/Shangai"; use an IANA name such as Asia/Shanghai',
    ]);
    expect(messagesOf({ sites: { S1: { ...site, timeZone: 'Mars/Olympus_Mons' } } })).toHaveLength(1);
  });

  it('rejects a team with no members', () => {
    expect(
      RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], members: [] }] } } }).success,
    ).toBe(false);
  });

  it('rejects a team that takes no category', () => {
    expect(
      RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], categories: [] }] } } }).success,
    ).toBe(false);
  });

  it('rejects a site without a dispatcher queue', () => {
    expect(RosterSchema.safeParse({ sites: { S1: { teams: site.teams } } }).success).toBe(false);
  });

  it('rejects unknown keys, so a misspelt "building" or "shift" is not silently ignored', () => {
    expect(
      RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], building: ['A1'] }] } } }).success,
    ).toBe(false);
    expect(
      RosterSchema.safeParse(withMember({ ...member, shift: [{ days: ['mon'], start: '08:00', end: '18:00' }] }))
        .success,
    ).toBe(false);
  });
});
