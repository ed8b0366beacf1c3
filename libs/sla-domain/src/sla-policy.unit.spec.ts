import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes, parseDomainEvent } from '@closeloop/contracts';
import { decideSla, evolveSla, initialSlaState, SlaPolicy, SlaPolicySchema, slaStream, StartSlaClock } from './sla-policy';

const shippedPolicyJson: unknown = JSON.parse(readFileSync(join(__dirname, '../../../config/sla-policy.json'), 'utf8'));

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const reportedAt = new Date('2026-11-23T09:00:00+08:00');

const policy: SlaPolicy = {
  id: 'test-policy',
  tiers: {
    urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
    normal: { responseSeconds: 14400, resolutionSeconds: 86400 },
    planned: { responseSeconds: 259200, resolutionSeconds: 2592000 },
  },
};

const startClock = (tier: StartSlaClock['tier'], at = reportedAt): StartSlaClock => ({ type: 'StartSlaClock', workOrderId, tier, reportedAt: at });

describe('the shipped SLA policy (config/sla-policy.json)', () => {
  const parsed = SlaPolicySchema.safeParse(shippedPolicyJson);

  it('parses with SlaPolicySchema', () => {
    expect(parsed.success).toBe(true);
  });

  it('follows the three-tier response: urgent answered in 30 min and fixed in 2 h', () => {
    expect(parsed.data?.tiers.urgent).toEqual({ responseSeconds: 30 * 60, resolutionSeconds: 2 * 60 * 60 });
  });

  it('gives normal orders at most a day and planned orders more time than normal ones', () => {
    const tiers = parsed.data?.tiers;
    expect(tiers?.normal?.resolutionSeconds).toBeLessThanOrEqual(24 * 60 * 60);
    expect(tiers?.planned?.resolutionSeconds).toBeGreaterThan(tiers?.normal?.resolutionSeconds ?? Infinity);
  });
});

describe('SLA clock', () => {
  describe('given a clock that has not started', () => {
    it('sets response and resolution deadlines for an urgent burst pipe from the report time', () => {
      expect(decideSla(startClock('urgent'), initialSlaState(), policy)).toEqual([
        {
          type: EventTypes.SlaTargetsSet,
          data: {
            workOrderId,
            tier: 'urgent',
            policyId: 'test-policy',
            startedAt: '2026-11-23T01:00:00.000Z',
            responseDueAt: '2026-11-23T01:30:00.000Z',
            resolutionDueAt: '2026-11-23T03:00:00.000Z',
          },
        },
      ]);
    });

    it('uses the targets of the order\'s own tier', () => {
      const [planned] = decideSla(startClock('planned'), initialSlaState(), policy);
      expect(planned?.data).toMatchObject({ tier: 'planned', responseDueAt: '2026-11-26T01:00:00.000Z', resolutionDueAt: '2026-12-23T01:00:00.000Z' });
    });

    it('counts elapsed time, weekends included: no working-day calendar (调休, holidays) is applied yet', () => {
      // Friday 27 November 2026, 17:00 in Shanghai: a normal order is due Saturday 17:00.
      const [normal] = decideSla(startClock('normal', new Date('2026-11-27T17:00:00+08:00')), initialSlaState(), policy);
      expect(normal?.data.resolutionDueAt).toBe(new Date('2026-11-28T17:00:00+08:00').toISOString());
    });

    it('produces an event that satisfies the published contract', () => {
      const [event] = decideSla(startClock('normal'), initialSlaState(), policy);
      expect(event && parseDomainEvent(event.type, event.data).ok).toBe(true);
    });

    it('fails loudly if a policy that skipped validation lacks the tier', () => {
      const partial = { id: 'partial', tiers: { urgent: policy.tiers.urgent } } as SlaPolicy;
      expect(() => decideSla(startClock('planned'), initialSlaState(), partial)).toThrow('policy partial has no targets for tier planned');
    });
  });

  describe('given a running clock', () => {
    const running = evolveSla(initialSlaState(), decideSla(startClock('urgent'), initialSlaState(), policy)[0]!);

    it('is running with the deadlines of the SlaTargetsSet event', () => {
      expect(running).toEqual({ status: 'running', responseDueAt: '2026-11-23T01:30:00.000Z', resolutionDueAt: '2026-11-23T03:00:00.000Z' });
    });

    it('ignores a second start, so a redelivered "triaged" event sets no second pair of deadlines', () => {
      expect(decideSla(startClock('normal', new Date('2026-11-23T10:00:00+08:00')), running, policy)).toEqual([]);
    });
  });

  it('runs in its own stream beside the work order\'s', () => {
    expect(slaStream(workOrderId)).toBe('sla-e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80');
  });
});

describe('SlaPolicySchema', () => {
  it('rejects a policy missing a tier', () => {
    const result = SlaPolicySchema.safeParse({ id: 'p', tiers: { urgent: policy.tiers.urgent, normal: policy.tiers.normal } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain('every tier (urgent, normal, planned) needs targets');
  });

  it('rejects a response target longer than the resolution target', () => {
    const result = SlaPolicySchema.safeParse({ ...policy, tiers: { ...policy.tiers, urgent: { responseSeconds: 7200, resolutionSeconds: 1800 } } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain('responseSeconds must not exceed resolutionSeconds');
  });

  it('accepts equal response and resolution targets', () => {
    expect(SlaPolicySchema.safeParse({ ...policy, tiers: { ...policy.tiers, urgent: { responseSeconds: 1800, resolutionSeconds: 1800 } } }).success).toBe(true);
  });

  it('rejects zero, negative and fractional seconds', () => {
    for (const responseSeconds of [0, -60, 90.5]) {
      expect(SlaPolicySchema.safeParse({ ...policy, tiers: { ...policy.tiers, urgent: { responseSeconds, resolutionSeconds: 7200 } } }).success).toBe(false);
    }
  });

  it('rejects an unknown tier name and unknown keys', () => {
    expect(SlaPolicySchema.safeParse({ ...policy, tiers: { ...policy.tiers, emergency: policy.tiers.urgent } }).success).toBe(false);
    expect(SlaPolicySchema.safeParse({ ...policy, calendar: 'cn-2026' }).success).toBe(false);
  });
});
