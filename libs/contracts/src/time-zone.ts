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
