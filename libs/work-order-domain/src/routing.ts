import { DEFAULT_SITE_TIME_ZONE, isoWeekdayOf, localDateOf, TimeZoneSchema, wallClockAt } from '@closeloop/contracts';
import { z } from 'zod';

// ── Roster ────────────────────────────────────────────────────────────────────────────────────────────────
// Per site: teams that take categories (optionally only in some buildings), and their members with skills and
// shifts. It is configuration so a site can change it without a deploy. Shifts are wall-clock times in the
// site's own time zone, because that is how a duty rota (值班表) is written on the office wall.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const ClockTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is HH:MM, from 00:00 to 23:59');

/**
 * One recurring shift. `days` are the days the shift starts on; an end at or before the start means the shift
 * runs past midnight (20:00–08:00 on Monday covers Monday evening and early Tuesday; 18:00–00:00 ends at midnight).
 */
const ShiftSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1, 'a shift needs at least one day'),
    start: ClockTimeSchema,
    end: ClockTimeSchema,
  })
  .strict()
  .refine(
    (shift) => shift.start !== shift.end,
    'a shift cannot start and end at the same time; leave out "shifts" for someone always on',
  );

/** The person as events name them: exactly what the contracts' staff reference carries. */
const StaffSchema = z.object({ staffId: z.string().min(1).max(64), name: z.string().min(1).max(100) }).strict();

const MemberSchema = StaffSchema.extend({
  /** Categories (or finer skills) this person takes; without it, every category of the team. */
  skills: z
    .array(z.string().min(1))
    .min(1, 'leave out "skills" for someone who takes all the team\'s categories')
    .optional(),
  /** When this person is on; without it, always on (a duty post that is never empty). */
  shifts: z.array(ShiftSchema).min(1, 'leave out "shifts" for someone always on').optional(),
}).strict();

const TeamSchema = z
  .object({
    id: z.string().min(1),
    categories: z.array(z.string().min(1)).min(1),
    buildings: z.array(z.string().min(1)).optional(),
    members: z.array(MemberSchema).min(1),
  })
  .strict();

const SiteRosterSchema = z
  .object({
    dispatcherQueue: z.string().min(1),
    /** IANA zone the site's shifts are written in. */
    timeZone: TimeZoneSchema.default(DEFAULT_SITE_TIME_ZONE),
    teams: z.array(TeamSchema),
  })
  .strict();

export const RosterSchema = z.object({ sites: z.record(z.string(), SiteRosterSchema) }).strict();
/** A validated roster (time zones filled in). */
export type Roster = z.infer<typeof RosterSchema>;
/** A roster as written in configuration, before defaults. */
export type RosterInput = z.input<typeof RosterSchema>;
export type StaffMember = z.infer<typeof StaffSchema>;
export type RosterMember = z.infer<typeof MemberSchema>;
export type Shift = z.infer<typeof ShiftSchema>;

// ── Routing ───────────────────────────────────────────────────────────────────────────────────────────────

export interface RoutingInput {
  readonly workOrderId: string;
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly category: string;
}

export type RoutingDecision =
  | {
      readonly kind: 'team';
      readonly teamId: string;
      readonly owner: StaffMember;
      readonly ruleId: string;
      readonly reason: string;
    }
  | { readonly kind: 'dispatcher-queue'; readonly queueId: string; readonly reason: string };

/** A moment on the site's wall clock. */
interface LocalTime {
  readonly day: Weekday;
  readonly minutes: number;
  /** e.g. "03:10 Mon (Asia/Shanghai)", for reasons people read. */
  readonly label: string;
}

// Read through the zone helpers' one cached formatter per zone: building an Intl formatter per routing decision
// was a few per cent of dispatch's CPU under load.
const localTimeIn = (instant: Date, timeZone: string): LocalTime => {
  const { hour, minute } = wallClockAt(instant.getTime(), timeZone);
  const day = WEEKDAYS[isoWeekdayOf(localDateOf(instant, timeZone)) - 1] as Weekday;
  const hh = String(hour).padStart(2, '0');
  const mm = String(minute).padStart(2, '0');
  const weekday = `${day[0]!.toUpperCase()}${day.slice(1)}`;
  return { day, minutes: hour * 60 + minute, label: `${hh}:${mm} ${weekday} (${timeZone})` };
};

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

const dayBefore = (day: Weekday): Weekday =>
  WEEKDAYS[(WEEKDAYS.indexOf(day) + WEEKDAYS.length - 1) % WEEKDAYS.length] as Weekday;

/** Shifts are half-open: on from `start`, off at `end`. A shift past midnight counts from the day it started. */
const coversTime = (shift: Shift, at: LocalTime): boolean => {
  const start = minutesOf(shift.start);
  const end = minutesOf(shift.end);
  if (start < end) return shift.days.includes(at.day) && at.minutes >= start && at.minutes < end;
  return (
    (shift.days.includes(at.day) && at.minutes >= start) || (shift.days.includes(dayBefore(at.day)) && at.minutes < end)
  );
};

const isOnShift = (member: RosterMember, at: LocalTime): boolean =>
  !member.shifts || member.shifts.some((shift) => coversTime(shift, at));

const hasSkill = (member: RosterMember, category: string): boolean =>
  !member.skills || member.skills.includes(category);

/**
 * Spreads orders across the eligible members deterministically, so a redelivered event handled at the same
 * instant picks the same person.
 */
const pickMember = (members: readonly RosterMember[], workOrderId: string): RosterMember => {
  let hash = 0;
  for (const ch of workOrderId) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return members[hash % members.length] as RosterMember;
};

/**
 * The team by site, category and building (first match in roster order), then a member of that team who has the
 * skill and is on shift at `now` in the site's time zone. When nobody fits, the site's dispatcher queue, with a
 * reason that says why: the order is never left unassigned in silence.
 */
export const route = (roster: Roster, input: RoutingInput, now: Date): RoutingDecision => {
  const site = roster.sites[input.siteId];
  if (!site) {
    return {
      kind: 'dispatcher-queue',
      queueId: `${input.siteId}-dispatch`,
      reason: `site ${input.siteId} has no roster`,
    };
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

  const at = localTimeIn(now, site.timeZone);
  const skilled = team.members.filter((m) => hasSkill(m, input.category));
  const eligible = skilled.filter((m) => isOnShift(m, at));
  if (eligible.length === 0) {
    const queued = (reason: string): RoutingDecision => ({
      kind: 'dispatcher-queue',
      queueId: site.dispatcherQueue,
      reason,
    });
    if (skilled.length === 0)
      return queued(`team ${team.id} takes "${input.category}" but none of its members has the skill`);
    if (!team.members.some((m) => isOnShift(m, at)))
      return queued(`team ${team.id} has nobody on shift at ${at.label}`);
    return queued(`team ${team.id} has nobody on shift with the skill for "${input.category}" at ${at.label}`);
  }

  const chosen = pickMember(eligible, input.workOrderId);
  const names = eligible.map((m) => (m.shifts ? m.name : `${m.name} (always on)`)).join(', ');
  return {
    kind: 'team',
    teamId: team.id,
    owner: { staffId: chosen.staffId, name: chosen.name },
    ruleId: `roster:${input.siteId}:${team.id}`,
    reason: `team ${team.id} takes "${input.category}"${team.buildings ? ` in building ${input.building}` : ''}; on shift with the skill at ${at.label}: ${names}`,
  };
};
