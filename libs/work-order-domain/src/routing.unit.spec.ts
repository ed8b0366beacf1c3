import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Roster, RosterSchema, route } from './routing';

const shippedRosterJson: unknown = JSON.parse(readFileSync(join(__dirname, '../../../config/roster.json'), 'utf8'));

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const manyWorkOrderIds = Array.from({ length: 40 }, (_, i) => `0b9d2f64-8a1c-4e3b-9d5f-${String(i).padStart(12, '0')}`);

describe('the shipped roster (config/roster.json)', () => {
  const parsed = RosterSchema.safeParse(shippedRosterJson);
  const roster: Roster = parsed.success ? parsed.data : { sites: {} };

  it('parses with RosterSchema', () => {
    expect(parsed.success).toBe(true);
    expect(Object.keys(roster.sites)).toEqual(expect.arrayContaining(['S1', 'S2']));
  });

  describe('at site S1', () => {
    it('gives a burst pipe to the plumbing team, naming a team member as owner', () => {
      const decision = route(roster, { workOrderId, siteId: 'S1', building: '3', category: 'plumbing' });
      expect(decision).toMatchObject({ kind: 'team', teamId: 's1-plumbing', ruleId: 'roster:S1:s1-plumbing', reason: 'team s1-plumbing takes "plumbing"' });
      expect(['s1-wang-wei', 's1-li-na']).toContain(decision.kind === 'team' ? decision.owner.staffId : undefined);
    });

    it('gives a lift fault to the lift team', () => {
      expect(route(roster, { workOrderId, siteId: 'S1', category: 'lift' })).toMatchObject({
        kind: 'team',
        teamId: 's1-lifts',
        owner: { staffId: 's1-chen-jie', name: 'Chen Jie' },
      });
    });

    it('gives noise complaints and general reports to the service desk', () => {
      for (const category of ['noise', 'billing', 'general']) {
        expect(route(roster, { workOrderId, siteId: 'S1', category })).toMatchObject({ kind: 'team', teamId: 's1-service-desk' });
      }
    });

    it('parks a category no team takes in the S1 dispatcher queue, saying why', () => {
      expect(route(roster, { workOrderId, siteId: 'S1', building: '3', category: 'hvac' })).toEqual({
        kind: 'dispatcher-queue',
        queueId: 'S1-dispatch',
        reason: 'no team on the S1 roster takes category "hvac" in building 3',
      });
    });
  });

  describe('at site S2, where maintenance serves only buildings A1 and A2', () => {
    it('gives a leak in building A1 to maintenance team A', () => {
      expect(route(roster, { workOrderId, siteId: 'S2', building: 'A1', category: 'plumbing' })).toEqual({
        kind: 'team',
        teamId: 's2-maintenance-a',
        owner: { staffId: 's2-liu-yang', name: 'Liu Yang' },
        ruleId: 'roster:S2:s2-maintenance-a',
        reason: 'team s2-maintenance-a takes "plumbing" in building A1',
      });
    });

    it('queues a leak in building B3 for the dispatcher', () => {
      expect(route(roster, { workOrderId, siteId: 'S2', building: 'B3', category: 'plumbing' })).toEqual({
        kind: 'dispatcher-queue',
        queueId: 'S2-dispatch',
        reason: 'no team on the S2 roster takes category "plumbing" in building B3',
      });
    });

    it('queues a leak reported without a building, since no building-bound team can claim it', () => {
      expect(route(roster, { workOrderId, siteId: 'S2', category: 'plumbing' })).toEqual({
        kind: 'dispatcher-queue',
        queueId: 'S2-dispatch',
        reason: 'no team on the S2 roster takes category "plumbing"',
      });
    });

    it('gives a lift fault in any building to the site-wide lift team', () => {
      expect(route(roster, { workOrderId, siteId: 'S2', building: 'C7', category: 'lift' })).toMatchObject({ kind: 'team', teamId: 's2-lifts' });
    });
  });

  it('queues orders of a site missing from the roster in "<site>-dispatch"', () => {
    expect(route(roster, { workOrderId, siteId: 'S9', category: 'plumbing' })).toEqual({
      kind: 'dispatcher-queue',
      queueId: 'S9-dispatch',
      reason: 'site S9 has no roster',
    });
  });
});

describe('choosing the owner within a team', () => {
  const roster: Roster = {
    sites: {
      S1: {
        dispatcherQueue: 'S1-dispatch',
        teams: [
          {
            id: 's1-plumbing',
            categories: ['plumbing'],
            members: [
              { staffId: 's1-wang-wei', name: 'Wang Wei' },
              { staffId: 's1-li-na', name: 'Li Na' },
            ],
          },
        ],
      },
    },
  };
  const ownerOf = (id: string) => {
    const decision = route(roster, { workOrderId: id, siteId: 'S1', category: 'plumbing' });
    return decision.kind === 'team' ? decision.owner.staffId : undefined;
  };

  it('picks the same member every time for the same work order, so a redelivered event changes nothing', () => {
    const first = ownerOf(workOrderId);
    expect(first).toBeDefined();
    for (let i = 0; i < 5; i++) expect(ownerOf(workOrderId)).toBe(first);
  });

  it('spreads different work orders over every member of the team', () => {
    const owners = new Set(manyWorkOrderIds.map(ownerOf));
    expect(owners).toEqual(new Set(['s1-wang-wei', 's1-li-na']));
  });

  it('uses the first team in roster order when two teams take the same category', () => {
    const twoTeams: Roster = {
      sites: {
        S1: {
          dispatcherQueue: 'S1-dispatch',
          teams: [
            { id: 'day-shift', categories: ['plumbing'], members: [{ staffId: 's1-wang-wei', name: 'Wang Wei' }] },
            { id: 'night-shift', categories: ['plumbing'], members: [{ staffId: 's1-li-na', name: 'Li Na' }] },
          ],
        },
      },
    };
    expect(route(twoTeams, { workOrderId, siteId: 'S1', category: 'plumbing' })).toMatchObject({ teamId: 'day-shift' });
  });
});

describe('RosterSchema', () => {
  const site = { dispatcherQueue: 'S1-dispatch', teams: [{ id: 'desk', categories: ['general'], members: [{ staffId: 'zhao-lei', name: 'Zhao Lei' }] }] };

  it('accepts a minimal site', () => {
    expect(RosterSchema.safeParse({ sites: { S1: site } }).success).toBe(true);
  });

  it('rejects a team with no members', () => {
    expect(RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], members: [] }] } } }).success).toBe(false);
  });

  it('rejects a team that takes no category', () => {
    expect(RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], categories: [] }] } } }).success).toBe(false);
  });

  it('rejects a site without a dispatcher queue', () => {
    expect(RosterSchema.safeParse({ sites: { S1: { teams: site.teams } } }).success).toBe(false);
  });

  it('rejects unknown keys, so a misspelt "building" is not silently ignored', () => {
    expect(RosterSchema.safeParse({ sites: { S1: { ...site, teams: [{ ...site.teams[0], building: ['A1'] }] } } }).success).toBe(false);
  });
});
