import { PriorityLane, PriorityNeed, Tier } from '@closeloop/contracts';
import { z } from 'zod';
import { TriageDecision } from './triage';

/**
 * The priority lane (ADR 28): a report from a resident in the site's priority registry, in a category where a
 * fault puts them at risk (water, power, gas, lift, heating, security), is triaged one tier up. Which categories
 * count is configuration (config/priority-lane.json), like the triage rules.
 */
export const PriorityLaneSettingsSchema = z
  .object({
    /** Categories where the lane applies, as the triage decided them (the report's, or the one its words gave). */
    categories: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,47}$/)).min(1),
  })
  .strict();
export type PriorityLaneSettings = z.infer<typeof PriorityLaneSettingsSchema>;

/** A registration a report matched, as intake's table of active registrations holds it. */
export interface PriorityMatch {
  readonly registrationId: string;
  readonly need: PriorityNeed;
  readonly matchedBy: 'phone' | 'unit';
}

const ONE_UP: Readonly<Record<Tier, Tier>> = { planned: 'normal', normal: 'urgent', urgent: 'urgent' };

const NEED_WORDS: Readonly<Record<PriorityNeed, string>> = {
  'elderly-living-alone': 'an elderly resident living alone',
  disability: 'a resident with a disability',
  'medical-need': 'a resident with a medical need',
};

/**
 * The triage with the lane applied: one tier up, the reason saying why, and the lane recorded. Unchanged when no
 * registration matched, the category is not safety-related, or the order is urgent already.
 */
export const applyPriorityLane = (
  settings: PriorityLaneSettings,
  decision: TriageDecision,
  match: PriorityMatch | undefined,
): TriageDecision => {
  if (match === undefined || !settings.categories.includes(decision.category)) return decision;
  const raised = ONE_UP[decision.tier];
  if (raised === decision.tier) return decision;
  const lane: PriorityLane = {
    registrationId: match.registrationId,
    need: match.need,
    raisedFrom: decision.tier,
    matchedBy: match.matchedBy,
  };
  return {
    ...decision,
    tier: raised,
    reason:
      `Priority lane: ${decision.category} reported by ${NEED_WORDS[match.need]} (registered, matched by ` +
      `${match.matchedBy}), raised from ${decision.tier} to ${raised}. ${decision.reason}`,
    priorityLane: lane,
  };
};
