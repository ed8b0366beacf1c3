import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { triage, TriageRule, TriageRulesSchema } from './triage';

const shippedRulesJson: unknown = JSON.parse(
  readFileSync(join(__dirname, '../../../config/triage-rules.json'), 'utf8'),
);

describe('the shipped triage rules (config/triage-rules.json)', () => {
  const parsed = TriageRulesSchema.safeParse(shippedRulesJson);
  const rules = parsed.success ? parsed.data : [];

  it('parse with TriageRulesSchema', () => {
    expect(parsed.success).toBe(true);
    expect(rules.length).toBeGreaterThan(1);
  });

  describe('urgent tier (answered at once, fixed within 2 hours)', () => {
    it('makes a burst pipe urgent and files it under plumbing', () => {
      expect(triage(rules, { description: 'Burst pipe in the kitchen of 3-1202, water everywhere' })).toEqual({
        tier: 'urgent',
        category: 'plumbing',
        ruleId: 'urgent-water',
        reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
      });
    });

    it('matches keywords whatever their case', () => {
      expect(triage(rules, { description: 'BURST PIPE ON FLOOR 7' })).toMatchObject({
        tier: 'urgent',
        ruleId: 'urgent-water',
      });
    });

    it('makes any report in the lift category urgent, keeping the category', () => {
      expect(
        triage(rules, {
          category: 'lift',
          description: 'Lift in building 2 stops between floors and the doors will not close',
        }),
      ).toEqual({
        tier: 'urgent',
        category: 'lift',
        ruleId: 'urgent-lift-fault',
        reason: 'Lift fault: tier 1 under the three-tier response (category "lift")',
      });
    });

    it('recognises a lift entrapment from the words alone and files it under lift', () => {
      expect(triage(rules, { description: 'My father is trapped in the lift of building 5' })).toMatchObject({
        tier: 'urgent',
        category: 'lift',
        ruleId: 'urgent-lift-entrapment',
      });
    });

    it('prefers entrapment over a plain lift fault when both would match', () => {
      expect(
        triage(rules, { category: 'lift', description: 'Two people stuck in the lift, alarm not answered' }),
      ).toMatchObject({
        ruleId: 'urgent-lift-entrapment',
        category: 'lift',
      });
    });

    it('understands Chinese keywords: 停电 is a power cut, filed under electrical', () => {
      expect(triage(rules, { description: '3号楼整栋停电了' })).toEqual({
        tier: 'urgent',
        category: 'electrical',
        ruleId: 'urgent-power',
        reason: 'Power cut or electrical hazard: fixed within 2 hours (keyword "停电")',
      });
    });

    it('understands Chinese keywords: 困梯 and 爆管', () => {
      expect(triage(rules, { description: '5号楼电梯困梯，有老人' })).toMatchObject({
        ruleId: 'urgent-lift-entrapment',
        tier: 'urgent',
      });
      expect(triage(rules, { description: '地下车库爆管' })).toMatchObject({ ruleId: 'urgent-water', tier: 'urgent' });
    });

    it('lets urgent words outrank a routine category, keeping the category the resident chose', () => {
      expect(
        triage(rules, { category: 'plumbing', description: 'No water since this morning in the whole building' }),
      ).toMatchObject({
        tier: 'urgent',
        category: 'plumbing',
        ruleId: 'urgent-water',
      });
    });
  });

  describe('normal tier (scheduled within 1 working day)', () => {
    it('treats a routine repair category as normal', () => {
      expect(triage(rules, { category: 'lighting', description: 'Corridor light out on floor 4' })).toMatchObject({
        tier: 'normal',
        category: 'lighting',
        ruleId: 'normal-repairs',
      });
    });

    it('treats a noise complaint as normal', () => {
      expect(
        triage(rules, { category: 'noise', description: 'Renovation drilling from the flat above after 10 pm' }),
      ).toEqual({
        tier: 'normal',
        category: 'noise',
        ruleId: 'normal-complaints',
        reason: 'Complaint: handled within 1 working day (category "noise")',
      });
    });

    it('recognises a complaint from its words when no category was given', () => {
      expect(triage(rules, { description: 'The neighbours are very noisy every night' })).toMatchObject({
        tier: 'normal',
        ruleId: 'normal-complaints',
      });
    });
  });

  describe('planned tier (folded into the monthly plan)', () => {
    it('treats a billing question as planned', () => {
      expect(
        triage(rules, { category: 'billing', description: 'Why did the property fee go up this quarter?' }),
      ).toEqual({
        tier: 'planned',
        category: 'billing',
        ruleId: 'planned-consultations',
        reason: 'Consultation or suggestion: folded into the monthly plan (category "billing")',
      });
    });
  });

  describe('the catch-all', () => {
    it('makes a report with no category and no known words normal, filed as "general"', () => {
      expect(triage(rules, { description: 'Please call me back about the notice on the door' })).toEqual({
        tier: 'normal',
        category: 'general',
        ruleId: 'default-normal',
        reason: 'No specific rule: normal tier until a dispatcher re-triages (no more specific rule matched)',
      });
    });

    it('makes a report in a category no rule knows normal by the default rule', () => {
      expect(triage(rules, { category: 'pets', description: 'A dog has been barking in the courtyard' })).toMatchObject(
        {
          tier: 'normal',
          ruleId: 'default-normal',
        },
      );
    });

    it('keeps the category the resident gave, since a rule category only fills in a missing one', () => {
      expect(triage(rules, { category: 'pets', description: 'A dog has been barking in the courtyard' }).category).toBe(
        'pets',
      );
    });
  });
});

describe('the shipped rules on reports that only look urgent', () => {
  const rules = TriageRulesSchema.parse(shippedRulesJson);

  it('does not read "floodlight" as a flood', () => {
    expect(
      triage(rules, { category: 'lighting', description: 'The floodlight in the car park is broken' }),
    ).toMatchObject({ tier: 'normal', ruleId: 'normal-repairs' });
  });

  it('does not take a cat trapped on a roof for a lift entrapment', () => {
    const decision = triage(rules, { description: 'Our cat is trapped on the roof of building 3' });
    expect(decision.ruleId).not.toBe('urgent-lift-entrapment');
    expect(decision.category).not.toBe('lift');
  });

  it('re-files a burst pipe reported under "noise" as plumbing, so the plumbers get it', () => {
    expect(
      triage(rules, { category: 'noise', description: 'Burst pipe flooding the corridor, loud hissing' }),
    ).toMatchObject({
      tier: 'urgent',
      category: 'plumbing',
      ruleId: 'urgent-water',
    });
  });

  it('files a complaint recognised by its words under "noise", which the service desk takes', () => {
    expect(triage(rules, { description: 'The neighbours upstairs are very noisy after midnight' })).toMatchObject({
      tier: 'normal',
      category: 'noise',
    });
  });

  it('matches Chinese keywords inside a sentence', () => {
    expect(triage(rules, { description: '3号楼电梯困人，两位老人在里面' })).toMatchObject({
      tier: 'urgent',
      ruleId: 'urgent-lift-entrapment',
    });
  });
});

describe('triage with hand-written rules', () => {
  const rules: TriageRule[] = [
    { id: 'urgent-gas', tier: 'urgent', match: { keywords: ['Gas Smell'] }, reason: 'Gas' },
    { id: 'planned-fees', tier: 'planned', category: 'billing', match: { categories: ['billing'] }, reason: 'Fees' },
    { id: 'fallback', tier: 'normal', match: {}, reason: 'Fallback' },
  ];

  it('files a keyword match without a rule category as "uncategorised"', () => {
    expect(triage(rules, { description: 'strong gas smell in stairwell B' })).toMatchObject({
      ruleId: 'urgent-gas',
      category: 'uncategorised',
    });
  });

  it('lowercases keywords as well as the description before comparing', () => {
    expect(triage(rules, { description: 'GAS SMELL' }).tier).toBe('urgent');
  });

  it('tries rules in order so the first match wins', () => {
    expect(
      triage(rules, { category: 'billing', description: 'gas smell near the meter, and a question about the fee' })
        .ruleId,
    ).toBe('urgent-gas');
  });

  it('matches a category only when the report carries that exact category', () => {
    expect(triage(rules, { description: 'billing question' }).ruleId).toBe('fallback');
  });

  it('fails loudly when rules without a catch-all match nothing', () => {
    expect(() => triage([rules[0] as TriageRule], { description: 'corridor light out' })).toThrow(
      'triage rules must end with a catch-all rule',
    );
  });
});

describe('TriageRulesSchema', () => {
  const catchAll = { id: 'default', tier: 'normal', match: {}, reason: 'Default' };

  it('accepts a lone catch-all and fills in an absent match as {}', () => {
    expect(TriageRulesSchema.parse([{ id: 'default', tier: 'normal', reason: 'Default' }])).toEqual([
      { id: 'default', tier: 'normal', match: {}, reason: 'Default' },
    ]);
  });

  it('rejects an empty rule list', () => {
    expect(TriageRulesSchema.safeParse([]).success).toBe(false);
  });

  it('rejects rules whose last entry is not a catch-all', () => {
    const result = TriageRulesSchema.safeParse([
      catchAll,
      { id: 'water', tier: 'urgent', match: { keywords: ['burst'] }, reason: 'Water' },
    ]);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain(
      'the last triage rule must be a catch-all (no categories, no keywords)',
    );
  });

  it('rejects duplicate rule ids', () => {
    const result = TriageRulesSchema.safeParse([{ ...catchAll, match: { categories: ['noise'] } }, catchAll]);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain('triage rule ids must be unique');
  });

  it('rejects an unknown tier', () => {
    expect(TriageRulesSchema.safeParse([{ ...catchAll, tier: 'emergency' }]).success).toBe(false);
  });

  it('rejects unknown keys, so a misspelt "keyword" is not silently ignored', () => {
    expect(TriageRulesSchema.safeParse([{ ...catchAll, match: { keyword: ['burst'] } }]).success).toBe(false);
    expect(TriageRulesSchema.safeParse([{ ...catchAll, priority: 1 }]).success).toBe(false);
  });

  it('rejects an empty keyword', () => {
    expect(TriageRulesSchema.safeParse([{ ...catchAll, id: 'kw', match: { keywords: [''] } }, catchAll]).success).toBe(
      false,
    );
  });
});
