import { z } from 'zod';

/**
 * The roster: per site, teams that take categories (optionally only in some buildings), and their members.
 * It is configuration so a site can change it without a deploy.
 */
const StaffSchema = z.object({ staffId: z.string().min(1), name: z.string().min(1) }).strict();

const TeamSchema = z
  .object({
    id: z.string().min(1),
    categories: z.array(z.string().min(1)).min(1),
    buildings: z.array(z.string().min(1)).optional(),
    members: z.array(StaffSchema).min(1),
  })
  .strict();

const SiteRosterSchema = z
  .object({
    dispatcherQueue: z.string().min(1),
    teams: z.array(TeamSchema),
  })
  .strict();

export const RosterSchema = z.object({ sites: z.record(z.string(), SiteRosterSchema) }).strict();
export type Roster = z.infer<typeof RosterSchema>;
export type StaffMember = z.infer<typeof StaffSchema>;

export interface RoutingInput {
  readonly workOrderId: string;
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly category: string;
}

export type RoutingDecision =
  | { readonly kind: 'team'; readonly teamId: string; readonly owner: StaffMember; readonly ruleId: string; readonly reason: string }
  | { readonly kind: 'dispatcher-queue'; readonly queueId: string; readonly reason: string };

/** Spreads orders across a team's members deterministically, so a redelivered event picks the same person. */
const pickMember = (members: readonly StaffMember[], workOrderId: string): StaffMember => {
  let hash = 0;
  for (const ch of workOrderId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return members[hash % members.length] as StaffMember;
};

export const route = (roster: Roster, input: RoutingInput): RoutingDecision => {
  const site = roster.sites[input.siteId];
  if (!site) {
    return { kind: 'dispatcher-queue', queueId: `${input.siteId}-dispatch`, reason: `site ${input.siteId} has no roster` };
  }
  const servesBuilding = (buildings: readonly string[] | undefined) =>
    !buildings || (input.building !== undefined && buildings.includes(input.building));
  const team = site.teams.find((t) => t.categories.includes(input.category) && servesBuilding(t.buildings));
  if (!team) {
    return {
      kind: 'dispatcher-queue',
      queueId: site.dispatcherQueue,
      reason: `no team on the ${input.siteId} roster takes category "${input.category}"${input.building ? ` in building ${input.building}` : ''}`,
    };
  }
  return {
    kind: 'team',
    teamId: team.id,
    owner: pickMember(team.members, input.workOrderId),
    ruleId: `roster:${input.siteId}:${team.id}`,
    reason: `team ${team.id} takes "${input.category}"${team.buildings ? ` in building ${input.building}` : ''}`,
  };
};
