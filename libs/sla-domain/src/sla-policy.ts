import { LocalDateSchema, LocalTimeSchema, TierSchema, TimeZoneSchema } from '@closeloop/contracts';
import { z } from 'zod';

/**
 * A resolution target set by the month's works plan instead of a duration: non-urgent work is "folded into the
 * monthly plan". An order reported on or before the cutoff day of a month (the site's local date) joins that
 * month's plan and is due at close of business on the month's last working day; one reported after it joins the
 * next month's plan, since the current month's plan is already drawn up. The cutoff stops at 28 so it falls in
 * every month.
 */
const ResolutionPlanSchema = z
  .object({
    plan: z.literal('monthly'),
    cutoffDay: z.number().int().min(1).max(28),
  })
  .strict();
export type ResolutionPlan = z.infer<typeof ResolutionPlanSchema>;

const ClockSchema = z.enum(['continuous', 'working-time']);
const SecondsSchema = z.number().int().positive();
const EscalationIntervalsSchema = z.tuple([SecondsSchema, SecondsSchema]);

/**
 * Service-level targets per tier. Durations are in seconds so tests and demos can run a whole escalation in
 * seconds; a tier counts them around the clock or in working time on the site's calendar. The resolution target is
 * either a duration (`resolutionSeconds`) or a plan (`resolution`), never both.
 */
const TargetSchema = z
  .object({
    /**
     * How targets are counted: "continuous" around the clock (urgent work), or "working-time" on the site's
     * working calendar, where resolutionSeconds of 32400 is one nine-hour working day.
     */
    clock: ClockSchema.default('continuous'),
    responseSeconds: SecondsSchema,
    resolutionSeconds: SecondsSchema.optional(),
    resolution: ResolutionPlanSchema.optional(),
    /**
     * After a breach raises level 1 (site supervisor on call), how long until level 2 (service manager), then
     * level 3 (operations head), while nobody acts.
     */
    escalationIntervalsSeconds: EscalationIntervalsSchema.default([1800, 3600]),
  })
  .strict()
  .refine(
    (t) => (t.resolutionSeconds === undefined) !== (t.resolution === undefined),
    'a tier names either resolutionSeconds or a resolution plan',
  )
  .refine(
    (t) => t.resolutionSeconds === undefined || t.responseSeconds <= t.resolutionSeconds,
    'responseSeconds must not exceed resolutionSeconds',
  );

/**
 * A site's working calendar: its zone and hours, on the mainland-China public calendar (holidays and 调休
 * adjusted workdays from the chinese-days package), with the site's own extra closures and extra working days.
 */
const CalendarSchema = z
  .object({
    timeZone: TimeZoneSchema,
    opens: LocalTimeSchema,
    closes: LocalTimeSchema,
    closedOn: z.array(LocalDateSchema).default([]),
    openOn: z.array(LocalDateSchema).default([]),
  })
  .strict()
  .refine((c) => c.opens < c.closes, 'opens must be before closes');
export type CalendarSettings = z.infer<typeof CalendarSchema>;

/**
 * Targets for some sites or categories that differ from their tier's: a lift entrapment answered faster, a site
 * with a contract of its own. The first override whose sites and categories both match (an absent list matches
 * any) replaces the fields it names; a resolution plan replaces the tier's resolutionSeconds, and the other way round.
 */
const OverrideSchema = z
  .object({
    sites: z.array(z.string().min(1)).min(1).optional(),
    categories: z.array(z.string().min(1)).min(1).optional(),
    tiers: z.record(
      TierSchema,
      z
        .object({
          clock: ClockSchema.optional(),
          responseSeconds: SecondsSchema.optional(),
          resolutionSeconds: SecondsSchema.optional(),
          resolution: ResolutionPlanSchema.optional(),
          escalationIntervalsSeconds: EscalationIntervalsSchema.optional(),
        })
        .strict()
        .refine(
          (t) => t.resolutionSeconds === undefined || t.resolution === undefined,
          'an override names either resolutionSeconds or a resolution plan',
        ),
    ),
  })
  .strict()
  .refine((o) => o.sites !== undefined || o.categories !== undefined, 'an override names sites, categories or both');

export const SlaPolicySchema = z
  .object({
    id: z.string().min(1),
    /** Raised whenever the file changes targets or calendars: sla-timer then recomputes open orders' deadlines. */
    version: z.number().int().positive().default(1),
    overrides: z.array(OverrideSchema).default([]),
    calendar: CalendarSchema.default({ timeZone: 'Asia/Shanghai', opens: '08:30', closes: '17:30' }),
    /** Per-site calendars, for sites whose hours or closures differ from the default. */
    siteCalendars: z.record(z.string(), CalendarSchema).default({}),
    /** The share of a target after which the owner is warned. */
    warningFraction: z.number().gt(0).lt(1).default(0.8),
    tiers: z.record(TierSchema, TargetSchema),
  })
  .strict()
  .refine(
    (p) => TierSchema.options.every((tier) => p.tiers[tier] !== undefined),
    'every tier (urgent, normal, planned) needs targets',
  )
  .refine(
    (p) =>
      p.overrides.every((o) =>
        Object.entries(o.tiers).every(([tier, change]) => {
          const base = p.tiers[tier as keyof typeof p.tiers];
          if (!base || !change) return true;
          const resolutionSeconds = change.resolution
            ? undefined
            : (change.resolutionSeconds ?? base.resolutionSeconds);
          return (
            resolutionSeconds === undefined || (change.responseSeconds ?? base.responseSeconds) <= resolutionSeconds
          );
        }),
      ),
    'an override must not make responseSeconds exceed resolutionSeconds',
  );
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

/** The resolution target that applies to one order: a duration counted the tier's way, or a monthly plan. */
export type ResolutionTarget = { readonly seconds: number } | ResolutionPlan;

export interface TierTargets {
  readonly clock: z.infer<typeof ClockSchema>;
  readonly responseSeconds: number;
  readonly resolution: ResolutionTarget;
  readonly escalationIntervalsSeconds: readonly [number, number];
}

export interface TargetsQuery {
  readonly tier: z.infer<typeof TierSchema>;
  readonly siteId?: string | undefined;
  readonly category?: string | undefined;
}

/** The targets that apply to one order: its tier's, with the first matching override on top. */
export const targetsFor = (policy: SlaPolicy, query: TargetsQuery): TierTargets => {
  const base = policy.tiers[query.tier];
  if (!base) throw new Error(`policy ${policy.id} has no targets for tier ${query.tier}`);
  const matches = (list: readonly string[] | undefined, value: string | undefined) =>
    list === undefined || (value !== undefined && list.includes(value));
  const override =
    policy.overrides.find(
      (o) => o.tiers[query.tier] && matches(o.sites, query.siteId) && matches(o.categories, query.category),
    )?.tiers[query.tier] ?? {};
  const resolution = resolutionOf(override) ?? resolutionOf(base);
  if (!resolution) throw new Error(`policy ${policy.id} has no resolution target for tier ${query.tier}`);
  return {
    clock: override.clock ?? base.clock,
    responseSeconds: override.responseSeconds ?? base.responseSeconds,
    resolution,
    escalationIntervalsSeconds: override.escalationIntervalsSeconds ?? base.escalationIntervalsSeconds,
  };
};

const resolutionOf = (targets: {
  resolutionSeconds?: number | undefined;
  resolution?: ResolutionPlan | undefined;
}): ResolutionTarget | undefined =>
  targets.resolution ?? (targets.resolutionSeconds === undefined ? undefined : { seconds: targets.resolutionSeconds });
