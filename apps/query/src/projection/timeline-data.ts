import { maskPhone } from '@closeloop/contracts';

// An event's data as GET /v1/work-orders/{id}/timeline shows it, written as text when the event is projected
// (docs/adr/0047-timeline-data-written-as-shown.md), so that a read concatenates texts instead of parsing and
// serialising 200 objects. The text must be the one the read would have made from the jsonb column: compact JSON
// with each object's keys in the order jsonb keeps them.

/** Where events name a resident: a report's or duplicate's reporter, a follow-up's caller. */
const RESIDENT_FIELDS = ['reporter', 'caller'] as const;

/**
 * Keeps residents' phone numbers out of timeline payloads as they are kept out of the order view; `data` itself when
 * it names no resident (or the caller sees full numbers).
 */
export const maskEventData = (data: unknown, fullPhone: boolean): unknown => {
  if (fullPhone || !data || typeof data !== 'object') return data;
  const names = RESIDENT_FIELDS.filter((field) => {
    const person = (data as Record<string, unknown>)[field];
    return person !== null && typeof person === 'object';
  });
  if (names.length === 0) return data;
  const masked: Record<string, unknown> = { ...data };
  for (const field of names) {
    const person = masked[field] as { phone?: string };
    masked[field] = { ...person, phone: person.phone ? maskPhone(person.phone) : undefined };
  }
  return masked;
};

/** jsonb's order of an object's keys: shorter keys first (in UTF-8 bytes), then byte by byte. */
const byJsonbKeyOrder = (a: Buffer, b: Buffer): number => a.length - b.length || Buffer.compare(a, b);

/**
 * A JSON value as pg reads it back from a jsonb column: every object's keys in jsonb's order (JavaScript still puts
 * integer-like keys first, as it does in what JSON.parse builds), values as JSON.stringify would write them.
 */
export const inJsonbKeyOrder = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value;
  const json = (value as { toJSON?: unknown }).toJSON;
  if (typeof json === 'function') return inJsonbKeyOrder(json.call(value));
  if (Array.isArray(value)) return value.map(inJsonbKeyOrder);
  const keys = Object.keys(value)
    .map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }))
    .sort((a, b) => byJsonbKeyOrder(a.bytes, b.bytes));
  // A null prototype, so that a `__proto__` key is a key, as JSON.parse makes it.
  const ordered: Record<string, unknown> = Object.create(null);
  for (const { key } of keys) ordered[key] = inJsonbKeyOrder((value as Record<string, unknown>)[key]);
  return ordered;
};

/** An event's data as the timeline shows it: to callers who see full phone numbers, and to the rest. */
export interface TimelineDataTexts {
  readonly full: string;
  /** Null when it is the full text (the data names no resident). */
  readonly masked: string | null;
}

/** The texts GET /v1/work-orders/{id}/timeline shows for an event's data, written once when the event is projected. */
export const timelineDataTexts = (data: unknown): TimelineDataTexts => {
  const ordered = inJsonbKeyOrder(data ?? null);
  const full = JSON.stringify(ordered);
  const masked = maskEventData(ordered, false);
  if (masked === ordered) return { full, masked: null };
  const maskedText = JSON.stringify(masked);
  return { full, masked: maskedText === full ? null : maskedText };
};
