import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyPriorityLane, PriorityLaneSettingsSchema, PriorityMatch } from './priority-lane';
import { triage, TriageRulesSchema } from './triage';

const shipped = (file: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../config', file), 'utf8'));

describe('the priority lane (config/priority-lane.json)', () => {
  const settings = PriorityLaneSettingsSchema.parse(shipped('priority-lane.json'));
  const rules = TriageRulesSchema.parse(shipped('triage-rules.json'));
  const elderly: PriorityMatch = {
    registrationId: '5b0a3f4e-1f7e-4a55-9a53-1f3f2c0b7c11',
    need: 'elderly-living-alone',
    matchedBy: 'unit',
  };

  it('raises a registered elderly resident’s normal leak to urgent, saying why, and keeps what the rules said', () => {
    const ruled = triage(rules, { category: 'plumbing', description: 'The kitchen tap is leaking' });
    expect(ruled.tier).toBe('normal');
    const raised = applyPriorityLane(settings, ruled, elderly);
    expect(raised).toEqual({
      ...ruled,
      tier: 'urgent',
      reason: expect.stringMatching(/^Priority lane: plumbing reported by an elderly resident living alone/),
      priorityLane: {
        registrationId: elderly.registrationId,
        need: 'elderly-living-alone',
        raisedFrom: 'normal',
        matchedBy: 'unit',
      },
    });
    expect(raised.reason).toContain('raised from normal to urgent');
    expect(raised.reason).toContain(ruled.reason);
  });

  it('raises planned to normal, one step only', () => {
    const raised = applyPriorityLane(
      { categories: ['gas'] },
      { tier: 'planned', category: 'gas', ruleId: 'r', reason: 'r' },
      { ...elderly, need: 'medical-need', matchedBy: 'phone' },
    );
    expect(raised.tier).toBe('normal');
    expect(raised.priorityLane).toMatchObject({ raisedFrom: 'planned', need: 'medical-need', matchedBy: 'phone' });
  });

  it.each([
    ['no registration matched', 'plumbing', 'normal', undefined],
    ['a category that is not safety-related', 'noise', 'normal', elderly],
    ['an order urgent already', 'plumbing', 'urgent', elderly],
  ] as const)('leaves the triage alone for %s', (_name, category, tier, match) => {
    const decision = { tier, category, ruleId: 'r', reason: 'because' } as const;
    expect(applyPriorityLane(settings, decision, match)).toBe(decision);
  });

  it('refuses settings without categories', () => {
    expect(PriorityLaneSettingsSchema.safeParse({ categories: [] }).success).toBe(false);
  });
});
