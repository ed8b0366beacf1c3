import { Tier, TierSchema } from '@closeloop/contracts';
import { z } from 'zod';

/**
 * Triage rules are configuration, not code: about a third of hotline staff have no engineering training, so
 * the system proposes the tier from the category and the words of the report, and records which rule decided.
 * Rules are tried in order; the first match wins; the last rule must match everything.
 */
export const TriageRuleSchema = z
  .object({
    id: z.string().min(1),
    tier: TierSchema,
    /** The category assigned when the report came without one. */
    category: z.string().min(1).optional(),
    match: z
      .object({
        categories: z.array(z.string().min(1)).optional(),
        keywords: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .default({}),
    reason: z.string().min(1),
  })
  .strict();
export type TriageRule = z.infer<typeof TriageRuleSchema>;

export const TriageRulesSchema = z
  .array(TriageRuleSchema)
  .min(1)
  .refine((rules) => {
    const last = rules[rules.length - 1];
    return last !== undefined && !last.match.categories && !last.match.keywords;
  }, 'the last triage rule must be a catch-all (no categories, no keywords)')
  .refine((rules) => new Set(rules.map((r) => r.id)).size === rules.length, 'triage rule ids must be unique');

export interface TriageInput {
  readonly category?: string | undefined;
  readonly description: string;
}

export interface TriageDecision {
  readonly tier: Tier;
  readonly category: string;
  readonly ruleId: string;
  readonly reason: string;
}

const UNCATEGORISED = 'uncategorised';

/** Why a rule fires: its category list names the report's category, or a keyword appears in the description. */
const matchOf = (rule: TriageRule, input: TriageInput, text: string): string | undefined => {
  const { categories, keywords } = rule.match;
  if (!categories && !keywords) return 'no more specific rule matched';
  if (input.category !== undefined && categories?.includes(input.category)) return `category "${input.category}"`;
  const keyword = keywords?.find((k) => text.includes(k.toLowerCase()));
  return keyword === undefined ? undefined : `keyword "${keyword}"`;
};

export const triage = (rules: readonly TriageRule[], input: TriageInput): TriageDecision => {
  const text = input.description.toLowerCase();
  for (const rule of rules) {
    const why = matchOf(rule, input, text);
    if (why === undefined) continue;
    return {
      tier: rule.tier,
      category: input.category ?? rule.category ?? UNCATEGORISED,
      ruleId: rule.id,
      reason: `${rule.reason} (${why})`,
    };
  }
  throw new Error('triage rules must end with a catch-all rule');
};
