import { z } from 'zod';

/** Sites are in mainland China unless configured otherwise. */
export const DEFAULT_SITE_TIME_ZONE = 'Asia/Shanghai';

const isTimeZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** An IANA time zone name, checked against the runtime's zone database. */
export const TimeZoneSchema = z
  .string()
  .refine(isTimeZone, (zone) => ({ message: `unknown time zone "${zone}"; use an IANA name such as Asia/Shanghai` }));

// ── Wall clocks ───────────────────────────────────────────────────────────────────────────────────────────
// Local dates and times of day at a site, read from the runtime's zone database. The SLA calendar and the on-call
// schedule both count in them.

/** The local date and time of day in a zone at an instant, as numbers (month and day counted from 1). */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

// Building a formatter is costly and schedules and calendars ask for every instant they step over: one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatterFor = (timeZone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
};

/** The wall clock in a zone at an instant (ms since the epoch). */
export const wallClockAt = (instant: number, timeZone: string): WallClock => {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] as number,
    month: parts['month'] as number,
    day: parts['day'] as number,
    hour: parts['hour'] as number,
    minute: parts['minute'] as number,
    second: parts['second'] as number,
  };
};

/** The zone's offset from UTC at an instant, in ms (wall clock minus UTC), at whole-second precision. */
export const zoneOffsetAt = (instant: number, timeZone: string): number => {
  const w = wallClockAt(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
};

/** A wall-clock time of day at a site, "HH:mm" (00:00-23:59): working hours, a shift hand-off. */
export const LocalTimeSchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm (00:00-23:59)');

/**
 * A calendar date at a site, "YYYY-MM-DD", that exists: 2026-02-30 matches the pattern but is no day at all, so a
 * holiday or a rotation start typed that way would silently never match.
 */
export const LocalDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((date) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return true; // the pattern above says what is wrong
    const time = Date.parse(`${date}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().startsWith(date);
  }, 'must be a real date');

// ── Local dates and wall times ↔ instants ─────────────────────────────────────────────────────────────────
// Intl is the only zone database a pure library can read. The offset in force is found by formatting an instant
// in the zone; a wall time is turned into an instant by trying the offsets in force a day either side of it,
// which finds both sides of any transition as long as a zone does not change its offset twice within a day.

export const DAY_MS = 86_400_000;

const parseLocalDate = (localDate: string): [number, number, number] => {
  const [y, m, d] = localDate.split('-').map(Number);
  return [y as number, m as number, d as number];
};

const parseHhmm = (time: string): [number, number] => {
  const [h, m] = time.split(':').map(Number);
  return [h as number, m as number];
};

/**
 * The instant a local wall time happens in a zone. A time that happens twice (clocks going back) is its first
 * occurrence; a time that never happens (clocks going forward) is read with the offset before the change, which
 * lands the same distance past the gap: 02:30 on New York's spring-forward day is 03:30 EDT. That is the
 * "compatible" rule of Temporal and of most calendars.
 */
export const localWallTimeToInstant = (localDate: string, time: string, timeZone: string): Date => {
  const key = `${timeZone} ${localDate} ${time}`;
  let instant = wallTimeInstants.get(key);
  if (instant === undefined) {
    if (wallTimeInstants.size >= REMEMBERED_WALL_TIMES) wallTimeInstants.clear();
    wallTimeInstants.set(key, (instant = wallTimeInstantOf(localDate, time, timeZone)));
  }
  return new Date(instant);
};

// A burst asks for the same few wall times over and over (every alert of a night judges who is on call from the
// same hand-offs), and each answer costs three to five Intl formattings, the larger part of deciding whom to page.
// The answer depends on nothing but its three arguments and the runtime's zone database, so it is kept: a bounded
// number per process, forgotten all at once when full.
const REMEMBERED_WALL_TIMES = 10_000;
const wallTimeInstants = new Map<string, number>();

const wallTimeInstantOf = (localDate: string, time: string, timeZone: string): number => {
  const [y, m, d] = parseLocalDate(localDate);
  const [hour, minute] = parseHhmm(time);
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  const before = zoneOffsetAt(wall - DAY_MS, timeZone);
  const after = zoneOffsetAt(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after]
    .filter((t) => t + zoneOffsetAt(t, timeZone) === wall)
    .sort((a, b) => a - b);
  return candidates[0] ?? wall - before;
};

/** The local calendar date ("YYYY-MM-DD") of an instant in a zone. */
export const localDateOf = (instant: Date, timeZone: string): string => {
  const w = wallClockAt(instant.getTime(), timeZone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
};

/** The local date and time of an instant in a zone, "YYYY-MM-DD HH:mm", for people reading a message. */
export const localDateTimeOf = (instant: Date, timeZone: string): string => {
  const w = wallClockAt(instant.getTime(), timeZone);
  return `${localDateOf(instant, timeZone)} ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

// Calendar arithmetic on local dates, done on a UTC midnight so no zone's transitions can shift the day.
const dayNumber = (localDate: string): number => {
  const [y, m, d] = parseLocalDate(localDate);
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
};
const dateOfDayNumber = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The local date `days` calendar days after (or before) another. */
export const addLocalDays = (localDate: string, days: number): string => dateOfDayNumber(dayNumber(localDate) + days);

/** How many calendar days lie from one local date to another (negative when `to` is earlier). */
export const localDaysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from);

/** ISO weekday of a local date: 1=Monday..7=Sunday. */
export const isoWeekdayOf = (localDate: string): number => {
  const sunday0 = new Date(dayNumber(localDate) * DAY_MS).getUTCDay();
  return sunday0 === 0 ? 7 : sunday0;
};
