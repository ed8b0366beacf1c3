import { z } from 'zod';
import { FieldIssue } from './errors';
import { Actor, defineEvent, eventRegistry, PublishedEventMetadata } from './events';
import { InstantSchema } from './input-policy';
import {
  FollowUpContactSchema,
  ReportDetailsSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
  WorkOrderReferenceSchema,
} from './report';

export const CloudEventContentTypes = {
  structured: 'application/cloudevents+json',
  batch: 'application/cloudevents-batch+json',
} as const;

/** What integrators may send to intake, over HTTP or on the intake topic. */
export const intakeEvents = eventRegistry({
  ReportSubmitted: defineEvent('closeloop.intake.report-submitted.v1', ReportDetailsSchema),
  FollowUpContact: defineEvent(
    'closeloop.intake.follow-up-contact.v1',
    FollowUpContactSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
  ResolutionConfirmed: defineEvent(
    'closeloop.intake.resolution-confirmed.v1',
    ResolutionConfirmedSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
  ResolutionRejected: defineEvent(
    'closeloop.intake.resolution-rejected.v1',
    ResolutionRejectedSchema.merge(WorkOrderReferenceSchema).strict(),
  ),
});

export const IntakeEventTypes = intakeEvents.types;
export const intakeDataSchemas = intakeEvents.dataSchemas;

/** CloudEvents 1.0 structured-mode envelope, with the extension attributes Closeloop relies on. */
export const CloudEventSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1).max(256),
    source: z.string().min(1).max(512),
    type: z.string().min(1).max(256),
    subject: z.string().max(256).optional(),
    time: InstantSchema.optional(),
    datacontenttype: z.string().max(128).optional(),
    dataschema: z.string().max(512).optional(),
    data: z.unknown(),
    /** Structured mode's data as base64 (CloudEvents JSON format 3.1.1); ours must decode to JSON, see readCloudEvent. */
    data_base64: z.string().optional(),
    correlationid: z.string().max(256).optional(),
    causationid: z.string().max(256).optional(),
    workorderid: z.string().uuid().optional(),
    /** CloudEvents Partitioning extension: the Kafka key of an event that is not about one work order (an inquiry). */
    partitionkey: z.string().max(256).optional(),
    actor: z.string().max(256).optional(),
    /** The event's position in the store's log: orders one work order's events even if delivered out of order. */
    sequence: z
      .string()
      .regex(/^\d{1,19}$/, 'must be a decimal position')
      .optional(),
  })
  .passthrough()
  .refine(
    (event) => event.datacontenttype === undefined || /^application\/json\s*(;.*)?$/i.test(event.datacontenttype),
    {
      message: 'datacontenttype must be application/json',
      path: ['datacontenttype'],
    },
  );
export type CloudEvent = z.infer<typeof CloudEventSchema>;

// ── Reading an event, in any content mode ────────────────────────────────────────────────────────────────────
// Structured mode carries the whole event as JSON (over HTTP, in a batch, or as a Kafka value); binary mode carries
// the attributes as headers and the data as the body. Both become one envelope, checked by CloudEventSchema, so an
// event means the same whichever way it came.

export type CloudEventReading =
  { readonly ok: true; readonly event: CloudEvent } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

const issuesAt = (error: z.ZodError, where: string, nameOf: (attribute: string) => string = (a) => a) =>
  error.issues.map((issue) => {
    const [attribute, ...rest] = issue.path.map(String);
    const path = [where, attribute === undefined ? '' : nameOf(attribute), ...rest].filter(Boolean).join('.');
    return { path: path || '(event)', message: issue.message };
  });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `data_base64` as the JSON our event types carry, or why it is not. */
const decodeJsonBase64 = (text: string): { ok: true; data: unknown } | { ok: false; message: string } => {
  if (!BASE64.test(text)) return { ok: false, message: 'must be base64 (RFC 4648, with padding)' };
  try {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return { ok: true, data: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch {
    return { ok: false, message: 'must decode to a UTF-8 JSON document: every Closeloop event carries JSON data' };
  }
};

/**
 * A structured-mode event (or one of a batch, `where` naming it) as the envelope intake reads: CloudEventSchema's
 * checks, and `data_base64` decoded into `data`, since the SDKs send binary data that way.
 */
export const readCloudEvent = (
  envelope: unknown,
  where = '',
  nameOf?: (attribute: string) => string,
): CloudEventReading => {
  const parsed = CloudEventSchema.safeParse(envelope);
  if (!parsed.success) return { ok: false, issues: issuesAt(parsed.error, where, nameOf) };
  const { data_base64: encoded, ...event } = parsed.data;
  if (encoded === undefined) return { ok: true, event };
  const path = [where, 'data_base64'].filter(Boolean).join('.');
  if (event.data !== undefined)
    return { ok: false, issues: [{ path, message: 'must not be sent with data: an event has one data' }] };
  const decoded = decodeJsonBase64(encoded);
  return decoded.ok
    ? { ok: true, event: { ...event, data: decoded.data } }
    : { ok: false, issues: [{ path, message: decoded.message }] };
};

/** Headers as a transport hands them over: names in any case, a repeated header as a list. */
export type MessageHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** How a protocol binding writes attributes as headers: `ce-` over HTTP (percent-encoded), `ce_` on Kafka. */
export interface CloudEventBinding {
  readonly prefix: string;
  readonly decode: (value: string) => string | undefined;
}

const DATA_CONTENT_TYPE_HEADER = 'content-type';

/** CloudEvents attribute names: lower-case letters and digits (spec 1.0, "Attribute Naming Convention"). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

export const CloudEventBindings = {
  /**
   * HTTP binding 3.1.3.2: a value is printable ASCII with space, `"`, `%` and everything else percent-encoded as
   * UTF-8. A raw byte outside that, or an escape that is not UTF-8, makes the header unreadable.
   */
  http: {
    prefix: 'ce-',
    decode: (value: string) => {
      if (/[^\x20-\x7e\t]/.test(value)) return undefined;
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined;
      }
    },
  },
  /** Kafka binding 3.2.3: header values are UTF-8 text as they are. */
  kafka: { prefix: 'ce_', decode: (value: string) => value },
} as const satisfies Record<string, CloudEventBinding>;

/** Whether a message carries attributes as headers (binary mode, or headers beside a structured event). */
export const carriesAttributeHeaders = (binding: CloudEventBinding, headers: MessageHeaders): boolean =>
  Object.keys(headers).some((name) => name.toLowerCase().startsWith(binding.prefix));

/**
 * A binary-mode event: each attribute from its header, `datacontenttype` from Content-Type, the body as `data`
 * (already parsed: our data is JSON). Problems are named by header, so a sender knows which one to fix.
 */
export const readBinaryCloudEvent = (
  binding: CloudEventBinding,
  headers: MessageHeaders,
  data: unknown,
): CloudEventReading => {
  const issues: FieldIssue[] = [];
  const attributes = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const isContentType = name === DATA_CONTENT_TYPE_HEADER;
    if (rawValue === undefined || (!isContentType && !name.startsWith(binding.prefix))) continue;
    const attribute = isContentType ? 'datacontenttype' : name.slice(binding.prefix.length);
    if (typeof rawValue !== 'string') {
      issues.push({ path: name, message: 'must appear once' });
      continue;
    }
    const value = isContentType ? rawValue : binding.decode(rawValue);
    if (!ATTRIBUTE_NAME.test(attribute) || attribute === 'data')
      issues.push({
        path: name,
        message: 'is not an attribute: names are lower-case letters and digits, and the data is the body',
      });
    else if (value === undefined) issues.push({ path: name, message: 'must be percent-encoded UTF-8' });
    // The spec maps datacontenttype to Content-Type; the JavaScript SDK's Kafka binding also writes ce_datacontenttype.
    else if (attribute === 'datacontenttype' && attributes.has(attribute) && attributes.get(attribute) !== value)
      issues.push({ path: name, message: `must agree with the other header naming the data's content type` });
    else attributes.set(attribute, value);
  }
  if (issues.length > 0) return { ok: false, issues };
  const headerOf = (attribute: string) =>
    attribute === 'datacontenttype' ? DATA_CONTENT_TYPE_HEADER : `${binding.prefix}${attribute}`;
  return readCloudEvent({ ...Object.fromEntries(attributes), data }, '', headerOf);
};

export const formatActor = (actor: Actor): string => `${actor.kind}:${actor.id}`;

export const parseActor = (value: string | undefined): Actor | undefined => {
  const match = value?.match(/^(integrator|staff|resident|system):(.+)$/);
  return match ? { kind: match[1] as Actor['kind'], id: match[2] as string } : undefined;
};

export interface PublishedEventInput {
  readonly eventId: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: PublishedEventMetadata;
  readonly recordedAt: Date;
  readonly sequence: string;
  /** The event's link in its stream's hash chain (docs/adr/0033-tamper-evident-event-chain.md), where it has one. */
  readonly hash?: string | undefined;
  readonly prevHash?: string | undefined;
}

/**
 * The structured-mode CloudEvent the relay publishes for one committed event. A work order's event names its order
 * (`subject`, `workorderid`); an event of another stream (an inquiry) names its stream's key instead, as `subject` and
 * as the Partitioning extension's `partitionkey`.
 */
export const toPublishedCloudEvent = (event: PublishedEventInput): CloudEvent => ({
  specversion: '1.0',
  id: event.eventId,
  source: `closeloop/${event.metadata.producer}`,
  type: event.type,
  subject: event.metadata.partitionKey ?? event.metadata.workOrderId,
  time: event.recordedAt.toISOString(),
  datacontenttype: 'application/json',
  data: event.data,
  ...(event.metadata.workOrderId === undefined ? {} : { workorderid: event.metadata.workOrderId }),
  ...(event.metadata.partitionKey === undefined ? {} : { partitionkey: event.metadata.partitionKey }),
  correlationid: event.metadata.correlationId,
  causationid: event.metadata.causationId,
  actor: formatActor(event.metadata.actor),
  sequence: event.sequence,
  ...(event.hash && event.prevHash ? { chainhash: event.hash, chainprevhash: event.prevHash } : {}),
});
