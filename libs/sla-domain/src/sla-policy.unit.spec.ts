import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlaPolicySchema } from './sla-policy';

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

  it('gives normal orders at most a day and planned orders more time than normal ones', () => {
    const tiers = parsed.data?.tiers;
    expect(tiers?.normal?.resolutionSeconds).toBeLessThanOrEqual(24 * 60 * 60);
    expect(tiers?.planned?.resolutionSeconds).toBeGreaterThan(tiers?.normal?.resolutionSeconds ?? Infinity);
  });

  it('warns at 80 % of a target and escalates urgent breaches after 15 min (service manager), then 30 min (operations head)', () => {
    expect(parsed.data?.warningFraction).toBe(0.8);
    expect(parsed.data?.tiers.urgent?.escalationIntervalsSeconds).toEqual([900, 1800]);
  });

  it('escalates a slower tier no faster than a quicker one', () => {
    const tiers = parsed.data?.tiers;
    const [urgent, normal, planned] = [tiers?.urgent, tiers?.normal, tiers?.planned].map((t) => t?.escalationIntervalsSeconds ?? [0, 0]);
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
      expect(SlaPolicySchema.parse(minimal).tiers.urgent).toEqual({ responseSeconds: 1800, resolutionSeconds: 7200, escalationIntervalsSeconds: [1800, 3600] });
    });
  });

  describe('given a policy that sets them', () => {
    it('keeps the warning fraction and escalation intervals written', () => {
      const parsed = SlaPolicySchema.parse({ ...withUrgent({ responseSeconds: 10, resolutionSeconds: 60, escalationIntervalsSeconds: [5, 20] }), warningFraction: 0.5 });
      expect(parsed.warningFraction).toBe(0.5);
      expect(parsed.tiers.urgent).toEqual({ responseSeconds: 10, resolutionSeconds: 60, escalationIntervalsSeconds: [5, 20] });
    });

    it('accepts equal response and resolution targets', () => {
      expect(SlaPolicySchema.safeParse(withUrgent({ responseSeconds: 1800, resolutionSeconds: 1800 })).success).toBe(true);
    });
  });

  describe('given a policy with a mistake', () => {
    it('rejects a response target longer than the resolution target', () => {
      expect(messagesOf(withUrgent({ responseSeconds: 7200, resolutionSeconds: 1800 }))).toContain('responseSeconds must not exceed resolutionSeconds');
    });

    it('rejects a policy missing a tier', () => {
      const { planned: _planned, ...twoTiers } = minimal.tiers;
      expect(messagesOf({ ...minimal, tiers: twoTiers })).toContain('every tier (urgent, normal, planned) needs targets');
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

    it.each([[[900]], [[900, 1800, 3600]], [[0, 1800]], [[900, -1]], [[900.5, 1800]]])('rejects escalation intervals %j: two positive whole seconds, to level 2 and to level 3', (escalationIntervalsSeconds) => {
      expect(messagesOf(withUrgent({ responseSeconds: 1800, resolutionSeconds: 7200, escalationIntervalsSeconds })).length).toBeGreaterThan(0);
    });

    it('rejects an unknown tier name and unknown keys', () => {
      expect(SlaPolicySchema.safeParse({ ...minimal, tiers: { ...minimal.tiers, emergency: minimal.tiers.urgent } }).success).toBe(false);
      expect(SlaPolicySchema.safeParse({ ...minimal, calendar: 'cn-2026' }).success).toBe(false);
      expect(SlaPolicySchema.safeParse(withUrgent({ responseSeconds: 1800, resolutionSeconds: 7200, businessHoursOnly: true })).success).toBe(false);
    });

    it('rejects a policy without an id', () => {
      expect(SlaPolicySchema.safeParse({ ...minimal, id: '' }).success).toBe(false);
    });
  });
});
