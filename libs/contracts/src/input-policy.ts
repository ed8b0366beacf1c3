import { z } from 'zod';
import { FieldIssue } from './errors';

/**
 * The input policy every service applies at its edge (docs/adr/0017-one-input-policy-at-the-edge.md): what a text, an
 * identifier and an instant may be, wherever they arrive — path, query, body or Kafka message. A value outside it
 * is the caller's mistake, answered with a 4xx, never a database error answered with a 500.
 */

// ── Text ─────────────────────────────────────────────────────────────────────────────────────────────────────
// JSON and JavaScript strings may hold U+0000 and unpaired UTF-16 surrogates; PostgreSQL's text and jsonb cannot
// (an append, an insert or even a lookup fails with "invalid byte sequence for encoding UTF8: 0x00" or "unsupported
// Unicode escape sequence"). Found by apps/intake/src/intake.fuzz.int.spec.ts, then on every other service.
const UNSTORABLE = /\u0000|\p{Cs}/u;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate';

/** Text PostgreSQL can store and compare: no U+0000 and no unpaired surrogate. */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/** Enough issues to fix a request; a body with thousands of bad strings gets the first ones. */
const MAX_TEXT_ISSUES = 20;

/**
 * Every string in a value that PostgreSQL could not store, by path — property names included, since a jsonb
 * object's keys are text too. Walks with a stack of its own, not recursion: a body nested thousands deep (which
 * the JSON parser accepts) must be answered, not overflow the call stack into a 500.
 */
export const unstorableTextIssues = (value: unknown, path = ''): FieldIssue[] => {
  const issues: FieldIssue[] = [];
  const pending: [unknown, string][] = [[value, path]];
  const at = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);
  while (pending.length > 0 && issues.length < MAX_TEXT_ISSUES) {
    const [item, where] = pending.pop() as [unknown, string];
    if (typeof item === 'string') {
      if (!isStorableText(item)) issues.push({ path: where || '(body)', message: UNSTORABLE_TEXT_MESSAGE });
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], at(where, String(i))]);
    } else if (item && typeof item === 'object') {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i] as [string, unknown];
        if (!isStorableText(key))
          issues.push({
            path: at(where, JSON.stringify(key).slice(1, -1)),
            message: `property names ${UNSTORABLE_TEXT_MESSAGE}`,
          });
        pending.push([child, at(where, key)]);
      }
    }
  }
  return issues.slice(0, MAX_TEXT_ISSUES);
};

/** A free text field: trimmed, 1..max characters, storable. */
export const TextSchema = (max: number) =>
  z.string().trim().min(1).max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

// ── Identifiers ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The identifier rule: sites, teams, integrators and the like are 1-32 letters, digits, "-" or "_", starting with
 * a letter or digit. Safe in a URL path, a topic-free log line and a SQL parameter, and unambiguous to read out.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const IdentifierSchema = z
  .string()
  .regex(IDENTIFIER_PATTERN, 'must be 1-32 letters, digits, "-" or "_", starting with a letter or digit');

/**
 * Staff ids are the identity provider's subjects, so the rule is wider: up to 64 characters, also ".", "@" and
 * ":" — Keycloak's UUIDs and federated "f:<provider>:<user>" ids, or e-mail-like user names, fit; spaces, control
 * characters and anything a path or a log would have to escape do not.
 */
export const STAFF_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/;
export const StaffIdSchema = z
  .string()
  .regex(STAFF_ID_PATTERN, 'must be 1-64 letters, digits, ".", "@", ":", "-" or "_", starting with a letter or digit');

/** A person named in a request body (a reassignment's or hand-over's new holder). */
export const StaffMemberInputSchema = z.object({ staffId: StaffIdSchema, name: TextSchema(100) }).strict();

// ── Instants ─────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Instants accepted from callers fall in [2000-01-01, 2100-01-01) UTC. Closeloop's own events start this century,
 * no order, rotation, override or deadline plausibly reaches past 2100 (the holiday calendar ends long before), and
 * within it every instant is a JavaScript Date, a PostgreSQL timestamptz and an Intl-formattable time. Outside it,
 * `9999-12-31T23:59:59Z` or the year 0000 are typos or probes, and went as far as a 500 (RangeError, "time zone
 * displacement out of range").
 */
export const EARLIEST_INSTANT = '2000-01-01T00:00:00Z';
export const LATEST_INSTANT = '2100-01-01T00:00:00Z';
const EARLIEST_MS = Date.parse(EARLIEST_INSTANT);
const LATEST_MS = Date.parse(LATEST_INSTANT);

/** Real UTC offsets run from -12:00 to +14:00; ±14:00 bounds both sides, and minutes are 00-59. */
const MAX_OFFSET_MINUTES = 14 * 60;

const INSTANT_SHAPE_MESSAGE = 'must be an ISO 8601 date-time with an offset, e.g. 2026-11-23T09:00:00+08:00';
const INSTANT_SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/;

/** Why an ISO 8601 / RFC 3339 date-time is not an instant Closeloop accepts, or undefined when it is. */
export const instantProblem = (value: string): string | undefined => {
  const match = INSTANT_SHAPE.exec(value);
  if (!match) return INSTANT_SHAPE_MESSAGE;
  const [, , month, day, hour, minute, second, , zone, , offsetHours, offsetMinutes] = match;
  if (
    Number(month) < 1 ||
    Number(month) > 12 ||
    Number(day) < 1 ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return 'must be a real date and time of day';
  }
  if (
    zone !== 'Z' &&
    (Number(offsetMinutes) > 59 || Number(offsetHours) * 60 + Number(offsetMinutes) > MAX_OFFSET_MINUTES)
  ) {
    return 'must have a UTC offset between -14:00 and +14:00';
  }
  const time = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March: compare the calendar date it read with the one written.
  if (Number.isNaN(time) || !sameCalendarDate(value, time, zone ?? 'Z')) return 'must be a real date and time of day';
  if (time < EARLIEST_MS || time >= LATEST_MS) return `must lie between ${EARLIEST_INSTANT} and ${LATEST_INSTANT}`;
  return undefined;
};

const sameCalendarDate = (value: string, time: number, zone: string): boolean => {
  const offsetMs =
    zone === 'Z'
      ? 0
      : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) * 60_000;
  return new Date(time + offsetMs).toISOString().slice(0, 10) === value.slice(0, 10);
};

/**
 * An instant from a caller: ISO 8601 with `Z` or a real offset, within the accepted range. zod's date-time check
 * says what shape is expected; the refinement adds what it lets through (+99:99, the year 0000, February 30th).
 */
export const InstantSchema = z
  .string()
  .datetime({ offset: true, message: INSTANT_SHAPE_MESSAGE })
  .superRefine((value, ctx) => {
    const problem = instantProblem(value);
    // A wrong shape is zod's date-time check's to report, once.
    if (problem && problem !== INSTANT_SHAPE_MESSAGE) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
