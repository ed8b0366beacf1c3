import { TierSchema } from '@closeloop/contracts';
import { z } from 'zod';

/**
 * Service-level targets per tier. Durations are in seconds so tests and demos can run a whole escalation in
 * seconds. Working-day calendars (weekends, public holidays, 调休 adjusted workdays) are not applied yet: targets
 * are elapsed time from the report.
 */
const TargetSchema = z
  .object({
    responseSeconds: z.number().int().positive(),
    resolutionSeconds: z.number().int().positive(),
    /**
     * After a breach raises level 1 (site supervisor on call), how long until level 2 (service manager), then
     * level 3 (operations head), while nobody acts.
     */
    escalationIntervalsSeconds: z.tuple([z.number().int().positive(), z.number().int().positive()]).default([1800, 3600]),
  })
  .strict()
  .refine((t) => t.responseSeconds <= t.resolutionSeconds, 'responseSeconds must not exceed resolutionSeconds');

export const SlaPolicySchema = z
  .object({
    id: z.string().min(1),
    /** The share of a target after which the owner is warned. */
    warningFraction: z.number().gt(0).lt(1).default(0.8),
    tiers: z.record(TierSchema, TargetSchema),
  })
  .strict()
  .refine((p) => TierSchema.options.every((tier) => p.tiers[tier] !== undefined), 'every tier (urgent, normal, planned) needs targets');
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;
export type TierTargets = z.infer<typeof TargetSchema>;
