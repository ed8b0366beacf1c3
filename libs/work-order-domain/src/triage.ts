import { PriorityLane, Tier, TierSchema } from '@closeloop/contracts';
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
  /** Set when the priority lane raised the tier the rules gave (priority-lane.ts). */
  readonly priorityLane?: PriorityLane;
}

const UNCATEGORISED = 'uncategorised';

/**
 * Latin keywords match whole words ("flood" must not fire on "floodlight"); Chinese has no spaces between words,
 * so a CJK keyword matches anywhere in the text.
 */
const containsKeyword = (text: string, keyword: string): boolean => {
  const needle = keyword.toLowerCase();
  if (!/^[\x20-\x7e]+$/.test(needle)) return text.includes(needle);
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`).test(text);
};

type Match = { readonly by: 'category' | 'keyword' | 'catch-all'; readonly why: string };

/** Why a rule fires: its category list names the report's category, or a keyword appears in the description. */
const matchOf = (rule: TriageRule, input: TriageInput, text: string): Match | undefined => {
  const { categories, keywords } = rule.match;
  if (!categories && !keywords) return { by: 'catch-all', why: 'no more specific rule matched' };
  if (input.category !== undefined && categories?.includes(input.category))
    return { by: 'category', why: `category "${input.category}"` };
  const keyword = keywords?.find((k) => containsKeyword(text, k));
  return keyword === undefined ? undefined : { by: 'keyword', why: `keyword "${keyword}"` };
};

export const triage = (rules: readonly TriageRule[], input: TriageInput): TriageDecision => {
  const text = input.description.toLowerCase();
  for (const rule of rules) {
    const match = matchOf(rule, input, text);
    if (match === undefined) continue;
    // What the words say outranks the category a caller picked: "burst pipe" filed under "noise" goes to the
    // plumbers. A category match keeps the caller's category; the catch-all only fills in a missing one.
    const category = match.by === 'keyword' ? (rule.category ?? input.category) : (input.category ?? rule.category);
    return {
      tier: rule.tier,
      category: category ?? UNCATEGORISED,
      ruleId: rule.id,
      reason: `${rule.reason} (${match.why})`,
    };
  }
  throw new Error('triage rules must end with a catch-all rule');
};
