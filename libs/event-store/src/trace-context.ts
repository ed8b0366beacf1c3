import {
  Attributes,
  Context,
  context,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME, ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { CloseloopError, scrubSecrets } from '@closeloop/contracts';
import { NewEvent } from './event-store.port';

// Traces (docs/adr/0035-opentelemetry-traces.md). A trace crosses the store: the span that appends an event is
// written into the event's metadata as a W3C `traceparent`, so whatever later publishes or consumes the event, in
// another process and at another time, continues the same trace. Always W3C, whatever OTEL_PROPAGATORS says: the
// metadata is stored for good and read by every service, and the CloudEvents tracing extension is W3C too.

/** The W3C Trace Context members a carrier holds: stored metadata, a CloudEvent's attributes, HTTP or Kafka headers. */
export interface TraceHeaders {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const w3c = new W3CTraceContextPropagator();

const recordGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * `base` with the remote span a carrier's `traceparent` names as its parent; `base` itself when the carrier has
 * none, or one that is not valid W3C (a stored value is never trusted to be well formed).
 */
export const traceContextFrom = (carrier: Readonly<Record<string, unknown>>, base: Context = ROOT_CONTEXT): Context =>
  w3c.extract(base, carrier, recordGetter);

/** The `traceparent` (and `tracestate`) of a context's span; empty when it has no valid span, as with tracing off. */
export const traceHeadersOf = (of: Context = context.active()): TraceHeaders => {
  const carrier: Record<string, string> = {};
  w3c.inject(of, carrier, defaultTextMapSetter);
  return carrier;
};

/** Runs `work` in a new span, active while it runs, under `parent` (the active context by default); ends it when the work settles. */
export const inSpan = <T>(
  tracerName: string,
  name: string,
  options: { readonly kind: SpanKind; readonly attributes?: Attributes; readonly parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> =>
  trace
    .getTracer(tracerName)
    .startActiveSpan(
      name,
      { kind: options.kind, attributes: options.attributes },
      options.parent ?? context.active(),
      async (span) => {
        try {
          return await work(span);
        } catch (error) {
          markFailed(span, error);
          throw error;
        } finally {
          span.end();
        }
      },
    );

/**
 * Marks a span failed with the error's type (a CloseloopError's code) and its scrubbed message: a message may quote
 * a value from an event, and a trace backend is no place for a resident's phone number.
 */
export const markFailed = (span: Span, error: unknown): void => {
  span.setAttribute(
    ATTR_ERROR_TYPE,
    error instanceof CloseloopError ? error.code : ((error as Error)?.name ?? 'Error'),
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: scrubSecrets(String((error as Error)?.message)) });
};

/** `workorder` of `workorder-<id>`: a span name must not carry an id, or every order would be a span name of its own. */
const categoryOf = (streamId: string): string => streamId.split('-', 1)[0] as string;

/**
 * An append in its span, the events stamped with that span's trace context before they are hashed and stored: the
 * stamp is part of the metadata the hash chain covers, like any other member. With tracing off nothing is stamped.
 */
export const traceAppend = <T>(
  streamId: string,
  events: readonly NewEvent[],
  append: (events: readonly NewEvent[]) => Promise<T>,
): Promise<T> =>
  inSpan(
    '@closeloop/event-store',
    `append ${categoryOf(streamId)}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: 'postgresql',
        [ATTR_DB_OPERATION_NAME]: 'append',
        'closeloop.stream.id': streamId,
        'closeloop.event.types': [...new Set(events.map((e) => e.type))],
        'closeloop.event.count': events.length,
      },
    },
    () => {
      const stamp = traceHeadersOf();
      if (stamp.traceparent === undefined) return append(events);
      return append(events.map((event) => ({ ...event, metadata: { ...event.metadata, ...stamp } })));
    },
  );
