import { EventTypes, SlaEvent, Tier, TierSchema } from '@closeloop/contracts';
import { z } from 'zod';

/**
 * Service-level targets per tier. Durations are in seconds so tests and demos can run a whole cycle quickly.
 * Working-day calendars (weekends, public holidays, 调休 adjusted workdays) are not applied yet: targets here
 * are elapsed time from the report.
 */
const TargetSchema = z
  .object({
    responseSeconds: z.number().int().positive(),
    resolutionSeconds: z.number().int().positive(),
  })
  .strict()
  .refine((t) => t.responseSeconds <= t.resolutionSeconds, 'responseSeconds must not exceed resolutionSeconds');

export const SlaPolicySchema = z
  .object({
    id: z.string().min(1),
    tiers: z.record(TierSchema, TargetSchema),
  })
  .strict()
  .refine((p) => TierSchema.options.every((tier) => p.tiers[tier] !== undefined), 'every tier (urgent, normal, planned) needs targets');
export type SlaPolicy = z.infer<typeof SlaPolicySchema>;

export type SlaState = { readonly status: 'not-started' } | { readonly status: 'running'; readonly responseDueAt: string; readonly resolutionDueAt: string };

export interface StartSlaClock {
  readonly type: 'StartSlaClock';
  readonly workOrderId: string;
  readonly tier: Tier;
  readonly reportedAt: Date;
}

const addSeconds = (instant: Date, seconds: number): Date => new Date(instant.getTime() + seconds * 1000);

/** Starting twice is a no-op, so a redelivered "triaged" event never sets a second pair of deadlines. */
export const decideSla = (command: StartSlaClock, state: SlaState, policy: SlaPolicy): SlaEvent[] => {
  if (state.status !== 'not-started') return [];
  const targets = policy.tiers[command.tier];
  if (!targets) throw new Error(`policy ${policy.id} has no targets for tier ${command.tier}`);
  return [
    {
      type: EventTypes.SlaTargetsSet,
      data: {
        workOrderId: command.workOrderId,
        tier: command.tier,
        policyId: policy.id,
        startedAt: command.reportedAt.toISOString(),
        responseDueAt: addSeconds(command.reportedAt, targets.responseSeconds).toISOString(),
        resolutionDueAt: addSeconds(command.reportedAt, targets.resolutionSeconds).toISOString(),
      },
    },
  ];
};

export const evolveSla = (_state: SlaState, event: SlaEvent): SlaState => {
  switch (event.type) {
    case EventTypes.SlaTargetsSet:
      return { status: 'running', responseDueAt: event.data.responseDueAt, resolutionDueAt: event.data.resolutionDueAt };
    default: {
      const unhandled: never = event.type;
      throw new Error(`unhandled SLA event ${String(unhandled)}`);
    }
  }
};

export const initialSlaState = (): SlaState => ({ status: 'not-started' });

/** The SLA clock of one work order is its own stream, beside the order's. */
export const slaStream = (workOrderId: string): string => `sla-${workOrderId}`;
