import {
  IdentifierSchema,
  InstantSchema,
  LocalDateSchema,
  LocalTimeSchema,
  StaffIdSchema,
  TextSchema,
  addLocalDays,
  DAY_MS,
  isoWeekdayOf,
  localDateOf,
  localDaysBetween,
  localWallTimeToInstant,
  TimeZoneSchema,
} from '@closeloop/contracts';
import { z } from 'zod';

export { localDateOf, localDateTimeOf, localWallTimeToInstant } from '@closeloop/contracts';

// ── Schedule ──────────────────────────────────────────────────────────────────────────────────────────────
// Who answers an alert for a site and escalation level (1 site supervisor on call, 2 service manager, 3
// operations head). A rotation hands the pager from one member to the next at a local wall time, every day or
// once a week; an override (a swap, sick leave, a holiday cover) puts someone else on call for a fixed interval.
// Hand-offs follow the site's wall clock: a 09:00 hand-off in New York stays at 09:00 across the DST change, so
// a shift on that day is 23 or 25 hours long. Nothing here assumes a day is 24 hours.

export type OnCallLevel = 1 | 2 | 3;

export interface Rotation {
  readonly id: string;
  readonly siteId: string;
  readonly level: OnCallLevel;
  /** IANA zone the hand-off time is read in, e.g. Asia/Shanghai. */
  readonly timeZone: string;
  readonly handoff: 'daily' | 'weekly';
  /** Local wall time of the hand-off, "HH:mm". */
  readonly handoffTime: string;
  /** 1=Monday..7=Sunday, weekly rotations only. */
  readonly handoffWeekday?: number;
  /**
   * Local date "YYYY-MM-DD" on which members[0] takes the first shift at handoffTime. For a weekly rotation that
   * starts on another weekday the first shift is short: it ends at the first weekly hand-off after it.
   */
  readonly startsOn: string;
  /** Staff ids in turn order. */
  readonly members: readonly string[];
}

export interface Override {
  readonly id: string;
  readonly siteId: string;
  readonly level: OnCallLevel;
  readonly staffId: string;
  /** ISO instants, [from, to). */
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly createdAt: string;
}

export interface OnCallSchedule {
  readonly rotations: readonly Rotation[];
  readonly overrides: readonly Override[];
}

export interface OnCallShift {
  readonly staffId: string;
  readonly source: 'rotation' | 'override';
  readonly rotationId?: string;
  readonly overrideId?: string;
  /** The real instants the shift begins and ends (ISO, UTC). */
  readonly from: string;
  readonly to: string;
}

// ── Who is on call ────────────────────────────────────────────────────────────────────────────────────────

const mod = (n: number, m: number): number => ((n % m) + m) % m;

/**
 * The rotation's shift containing `at`, or undefined before the rotation starts (or when it has no members).
 * Shifts are numbered from 0 at startsOn; shift n belongs to members[n mod length].
 */
export const rotationShiftAt = (rotation: Rotation, at: Date): OnCallShift | undefined => {
  if (rotation.members.length === 0) return undefined;
  const zone = rotation.timeZone;
  const handoffOn = (localDate: string): number =>
    localWallTimeToInstant(localDate, rotation.handoffTime, zone).getTime();
  const time = at.getTime();
  const firstHandoff = handoffOn(rotation.startsOn);
  if (time < firstHandoff) return undefined;

  const today = localDateOf(at, zone);
  const period = rotation.handoff === 'daily' ? 1 : 7;
  // The most recent hand-off day on or before `at`'s local date, stepped back once if today's has not happened.
  // RotationSchema requires a weekday on weekly rotations; a stored one without it hands off on Mondays.
  let start =
    rotation.handoff === 'daily'
      ? today
      : addLocalDays(today, -mod(isoWeekdayOf(today) - (rotation.handoffWeekday ?? 1), 7));
  if (time < handoffOn(start)) start = addLocalDays(start, -period);
  const end = addLocalDays(start, period);

  const sinceStart = localDaysBetween(rotation.startsOn, start);
  // A weekly rotation starting off its weekday: the first (short) shift runs from startsOn to the first aligned
  // hand-off, which is shift 1; ceil counts that partial week as a whole one.
  const shift = sinceStart < 0 ? 0 : Math.ceil(sinceStart / period);
  const from = sinceStart < 0 ? firstHandoff : handoffOn(start);
  return {
    staffId: rotation.members[shift % rotation.members.length] as string,
    source: 'rotation',
    rotationId: rotation.id,
    from: new Date(from).toISOString(),
    to: new Date(handoffOn(end)).toISOString(),
  };
};

/**
 * Who is on call for a site and level at an instant. An override covering the instant wins over the rotation; of
 * several overlapping overrides the one created last wins (a later swap corrects an earlier one). Otherwise the
 * first rotation for the site and level, in the schedule's order, that has a shift at that instant.
 */
export const whoIsOnCall = (
  schedule: OnCallSchedule,
  siteId: string,
  level: OnCallLevel,
  at: Date,
): OnCallShift | undefined => {
  const time = at.getTime();
  let winner: Override | undefined;
  for (const override of schedule.overrides) {
    if (override.siteId !== siteId || override.level !== level) continue;
    if (time < Date.parse(override.from) || time >= Date.parse(override.to)) continue;
    // `>=`: of two created at the same instant, the later in the list (the later insert) wins.
    if (!winner || Date.parse(override.createdAt) >= Date.parse(winner.createdAt)) winner = override;
  }
  if (winner) {
    return {
      staffId: winner.staffId,
      source: 'override',
      overrideId: winner.id,
      from: new Date(winner.from).toISOString(),
      to: new Date(winner.to).toISOString(),
    };
  }
  for (const rotation of schedule.rotations) {
    if (rotation.siteId !== siteId || rotation.level !== level) continue;
    const shift = rotationShiftAt(rotation, at);
    if (shift) return shift;
  }
  return undefined;
};

// ── Schemas for the HTTP API ──────────────────────────────────────────────────────────────────────────────

const MAX_OVERRIDE_MS = 90 * DAY_MS;

// The input policy (docs/adr/0017-one-input-policy-at-the-edge.md): sites by the identifier rule, people by the
// staff id rule, instants within range and with real offsets, free text PostgreSQL can store.
const staffId = StaffIdSchema;
const levelSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const isoInstant = InstantSchema;

const rotationFields = {
  siteId: IdentifierSchema,
  level: levelSchema,
  timeZone: TimeZoneSchema,
  handoff: z.enum(['daily', 'weekly']),
  handoffTime: LocalTimeSchema,
  handoffWeekday: z.number().int().min(1).max(7).optional(),
  startsOn: LocalDateSchema,
  members: z
    .array(staffId)
    .min(1)
    .max(50)
    .refine((members) => new Set(members).size === members.length, 'members must not repeat a staff id'),
};

/** A weekday says which day a weekly rotation hands off; on a daily one it would be silently ignored, so it is refused. */
const weekdayMatchesHandoff = (
  rotation: { handoff: 'daily' | 'weekly'; handoffWeekday?: number | undefined },
  ctx: z.RefinementCtx,
): void => {
  if (rotation.handoff === 'weekly' && rotation.handoffWeekday === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['handoffWeekday'],
      message: 'a weekly rotation needs handoffWeekday (1=Monday..7=Sunday)',
    });
  }
  if (rotation.handoff === 'daily' && rotation.handoffWeekday !== undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['handoffWeekday'],
      message: 'handoffWeekday is for weekly rotations only',
    });
  }
};

/** A whole rotation, id included (PUT /…/rotations/:id). */
export const RotationSchema = z
  .object({ id: z.string().trim().min(1).max(64), ...rotationFields })
  .strict()
  .superRefine(weekdayMatchesHandoff);

/** A rotation as created through the API, before the service gives it an id. */
export const RotationInputSchema = z.object(rotationFields).strict().superRefine(weekdayMatchesHandoff);
export type RotationInput = z.infer<typeof RotationInputSchema>;

/** An override as entered through the API; the service adds its id and creation time. */
export const OverrideInputSchema = z
  .object({
    siteId: IdentifierSchema,
    level: levelSchema,
    staffId,
    from: isoInstant,
    to: isoInstant,
    reason: TextSchema(500),
  })
  .strict()
  .superRefine((o, ctx) => {
    const from = Date.parse(o.from);
    const to = Date.parse(o.to);
    if (Number.isNaN(from) || Number.isNaN(to)) return; // the datetime checks say what is wrong
    if (from >= to) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'to must be after from' });
    // A cover longer than a quarter is a change of rotation, not an override; it would also hide the rotation for good.
    else if (to - from > MAX_OVERRIDE_MS)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'an override lasts at most 90 days' });
  });
export type OverrideInput = z.infer<typeof OverrideInputSchema>;
