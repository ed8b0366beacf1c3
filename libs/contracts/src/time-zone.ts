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
