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
import { NewEvent, StreamAppend, StreamAppendOutcome } from './event-store.port';

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

/** The store an append span names as its database system. */
export type AppendingSystem = 'postgresql' | 'kurrentdb';

const EVENT_STORE_TRACER = '@closeloop/event-store';

const appendSpanName = (streamId: string): string => `append ${categoryOf(streamId)}`;

const appendSpanOptions = (system: AppendingSystem, streamId: string, events: readonly NewEvent[]) => ({
  kind: SpanKind.CLIENT,
  attributes: {
    [ATTR_DB_SYSTEM_NAME]: system,
    [ATTR_DB_OPERATION_NAME]: 'append',
    'closeloop.stream.id': streamId,
    'closeloop.event.types': [...new Set(events.map((e) => e.type))],
    'closeloop.event.count': events.length,
  },
});

/** The events with the trace context of `of` in their metadata; as they were when it has no span (tracing off). */
const stampedWith = (of: Context, events: readonly NewEvent[]): readonly NewEvent[] => {
  const stamp = traceHeadersOf(of);
  if (stamp.traceparent === undefined) return events;
  return events.map((event) => ({ ...event, metadata: { ...event.metadata, ...stamp } }));
};

/**
 * The trace context a command was asked in, for an append made on its behalf later and elsewhere (a consumer's
 * batch appends its records' commands together at the batch's end, outside each record's span).
 */
export type TraceContext = Context;

/** The active trace context, to hand to an append that will not run inside it. */
export const activeTraceContext = (): TraceContext => context.active();

/** Runs `work` in a trace context handed on (activeTraceContext); in the active one when none was. */
export const inTraceContext = <T>(traceContext: TraceContext | undefined, work: () => T): T =>
  context.with(traceContext ?? context.active(), work);

/**
 * An append in its span, the events stamped with that span's trace context before they are hashed and stored: the
 * stamp is part of the metadata the hash chain covers, like any other member. With tracing off nothing is stamped.
 */
export const traceAppend = <T>(
  streamId: string,
  events: readonly NewEvent[],
  append: (events: readonly NewEvent[]) => Promise<T>,
  system: AppendingSystem = 'postgresql',
): Promise<T> =>
  inSpan(EVENT_STORE_TRACER, appendSpanName(streamId), appendSpanOptions(system, streamId, events), () =>
    append(stampedWith(context.active(), events)),
  );

/**
 * A multi-stream append in one statement (PostgreSQL's), traced as so many single appends: one append span per
 * stream, under the trace context of the command that asked for it (`traceContext`, else the active one), and each
 * stream's events stamped with its own span's context, so one statement carries the events of many traces and each
 * continues its own. The spans last as long as the one append they share; a stream refused by its expectation has
 * its span marked with the conflict, as a single append's would be, and a failure of the whole marks every span.
 */
export const traceAppends = async (
  appends: readonly StreamAppend[],
  append: (stamped: readonly StreamAppend[]) => Promise<StreamAppendOutcome[]>,
): Promise<StreamAppendOutcome[]> => {
  const tracer = trace.getTracer(EVENT_STORE_TRACER);
  const traced = appends.map((stream) => {
    const parent = stream.traceContext ?? context.active();
    const span = tracer.startSpan(
      appendSpanName(stream.streamId),
      appendSpanOptions('postgresql', stream.streamId, stream.events),
      parent,
    );
    return { span, stream: { ...stream, events: stampedWith(trace.setSpan(parent, span), stream.events) } };
  });
  try {
    const outcomes = await append(traced.map(({ stream }) => stream));
    const spanOf = new Map(traced.map(({ span, stream }) => [stream.streamId, span]));
    for (const outcome of outcomes) {
      const span = spanOf.get(outcome.streamId);
      if (span && 'conflict' in outcome) markFailed(span, outcome.conflict);
    }
    return outcomes;
  } catch (error) {
    for (const { span } of traced) markFailed(span, error);
    throw error;
  } finally {
    for (const { span } of traced) span.end();
  }
};
