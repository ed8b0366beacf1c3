import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { triage, TriageDecision, TriageInput, TriageRule, TriageRulesSchema } from './triage';

const shippedRulesJson: unknown = JSON.parse(
  readFileSync(join(__dirname, '../../../config/triage-rules.json'), 'utf8'),
);

/** A report and what the shipped rules must decide for it: the whole decision, or the fields named. */
interface TriageCase {
  readonly name: string;
  readonly report: TriageInput;
  readonly decision: Partial<TriageDecision>;
}

describe('the shipped triage rules (config/triage-rules.json)', () => {
  const parsed = TriageRulesSchema.safeParse(shippedRulesJson);
  const rules = parsed.success ? parsed.data : [];
  const decidesExactly = ({ report, decision }: TriageCase) => expect(triage(rules, report)).toEqual(decision);
  const decidesAtLeast = ({ report, decision }: TriageCase) => expect(triage(rules, report)).toMatchObject(decision);

  it('parse with TriageRulesSchema', () => {
    expect(parsed.success).toBe(true);
    expect(rules.length).toBeGreaterThan(1);
  });

  describe('urgent tier (answered at once, fixed within 2 hours)', () => {
    it.each<TriageCase>([
      {
        name: 'makes a burst pipe urgent and files it under plumbing',
        report: { description: 'Burst pipe in the kitchen of 3-1202, water everywhere' },
        decision: {
          tier: 'urgent',
          category: 'plumbing',
          ruleId: 'urgent-water',
          reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
        },
      },
      {
        name: 'makes any report in the lift category urgent, keeping the category',
        report: {
          category: 'lift',
          description: 'Lift in building 2 stops between floors and the doors will not close',
        },
        decision: {
          tier: 'urgent',
          category: 'lift',
          ruleId: 'urgent-lift-fault',
          reason: 'Lift fault: tier 1 under the three-tier response (category "lift")',
        },
      },
      {
        name: 'understands Chinese keywords: 停电 is a power cut, filed under electrical',
        report: { description: '3号楼整栋停电了' },
        decision: {
          tier: 'urgent',
          category: 'electrical',
          ruleId: 'urgent-power',
          reason: 'Power cut or electrical hazard: fixed within 2 hours (keyword "停电")',
        },
      },
    ])('$name', decidesExactly);

    it.each<TriageCase>([
      {
        name: 'matches keywords whatever their case',
        report: { description: 'BURST PIPE ON FLOOR 7' },
        decision: { tier: 'urgent', ruleId: 'urgent-water' },
      },
      {
        name: 'recognises a lift entrapment from the words alone and files it under lift',
        report: { description: 'My father is trapped in the lift of building 5' },
        decision: { tier: 'urgent', category: 'lift', ruleId: 'urgent-lift-entrapment' },
      },
      {
        name: 'prefers entrapment over a plain lift fault when both would match',
        report: { category: 'lift', description: 'Two people stuck in the lift, alarm not answered' },
        decision: { ruleId: 'urgent-lift-entrapment', category: 'lift' },
      },
      {
        name: 'understands Chinese keywords: 困梯',
        report: { description: '5号楼电梯困梯，有老人' },
        decision: { ruleId: 'urgent-lift-entrapment', tier: 'urgent' },
      },
      {
        name: 'understands Chinese keywords: 爆管',
        report: { description: '地下车库爆管' },
        decision: { ruleId: 'urgent-water', tier: 'urgent' },
      },
      {
        name: 'lets urgent words outrank a routine category, keeping the category the resident chose',
        report: { category: 'plumbing', description: 'No water since this morning in the whole building' },
        decision: { tier: 'urgent', category: 'plumbing', ruleId: 'urgent-water' },
      },
    ])('$name', decidesAtLeast);
  });

  describe('normal tier (scheduled within 1 working day)', () => {
    it.each<TriageCase>([
      {
        name: 'treats a routine repair category as normal',
        report: { category: 'lighting', description: 'Corridor light out on floor 4' },
        decision: { tier: 'normal', category: 'lighting', ruleId: 'normal-repairs' },
      },
      {
        name: 'recognises a complaint from its words when no category was given',
        report: { description: 'The neighbours are very noisy every night' },
        decision: { tier: 'normal', ruleId: 'normal-complaints' },
      },
    ])('$name', decidesAtLeast);

    it.each<TriageCase>([
      {
        name: 'treats a noise complaint as normal',
        report: { category: 'noise', description: 'Renovation drilling from the flat above after 10 pm' },
        decision: {
          tier: 'normal',
          category: 'noise',
          ruleId: 'normal-complaints',
          reason: 'Complaint: handled within 1 working day (category "noise")',
        },
      },
    ])('$name', decidesExactly);
  });

  describe('planned tier (folded into the monthly plan)', () => {
    it.each<TriageCase>([
      {
        name: 'treats a billing question as planned',
        report: { category: 'billing', description: 'Why did the property fee go up this quarter?' },
        decision: {
          tier: 'planned',
          category: 'billing',
          ruleId: 'planned-consultations',
          reason: 'Consultation or suggestion: folded into the monthly plan (category "billing")',
        },
      },
    ])('$name', decidesExactly);
  });

  describe('the catch-all', () => {
    const barkingDog: TriageInput = { category: 'pets', description: 'A dog has been barking in the courtyard' };

    it.each<TriageCase>([
      {
        name: 'makes a report with no category and no known words normal, filed as "general"',
        report: { description: 'Please call me back about the notice on the door' },
        decision: {
          tier: 'normal',
          category: 'general',
          ruleId: 'default-normal',
          reason: 'No specific rule: normal tier until a dispatcher re-triages (no more specific rule matched)',
        },
      },
    ])('$name', decidesExactly);

    it('makes a report in a category no rule knows normal by the default rule', () => {
      expect(triage(rules, barkingDog)).toMatchObject({ tier: 'normal', ruleId: 'default-normal' });
    });

    it('keeps the category the resident gave, since a rule category only fills in a missing one', () => {
      expect(triage(rules, barkingDog).category).toBe('pets');
    });
  });
});

describe('the shipped rules on reports that only look urgent', () => {
  const rules = TriageRulesSchema.parse(shippedRulesJson);

  it('does not take a cat trapped on a roof for a lift entrapment', () => {
    const decision = triage(rules, { description: 'Our cat is trapped on the roof of building 3' });
    expect(decision.ruleId).not.toBe('urgent-lift-entrapment');
    expect(decision.category).not.toBe('lift');
  });

  it.each<TriageCase>([
    {
      name: 'does not read "floodlight" as a flood',
      report: { category: 'lighting', description: 'The floodlight in the car park is broken' },
      decision: { tier: 'normal', ruleId: 'normal-repairs' },
    },
    {
      name: 're-files a burst pipe reported under "noise" as plumbing, so the plumbers get it',
      report: { category: 'noise', description: 'Burst pipe flooding the corridor, loud hissing' },
      decision: { tier: 'urgent', category: 'plumbing', ruleId: 'urgent-water' },
    },
    {
      name: 'files a complaint recognised by its words under "noise", which the service desk takes',
      report: { description: 'The neighbours upstairs are very noisy after midnight' },
      decision: { tier: 'normal', category: 'noise' },
    },
    {
      name: 'matches Chinese keywords inside a sentence',
      report: { description: '3号楼电梯困人，两位老人在里面' },
      decision: { tier: 'urgent', ruleId: 'urgent-lift-entrapment' },
    },
  ])('$name', ({ report, decision }) => {
    expect(triage(rules, report)).toMatchObject(decision);
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
