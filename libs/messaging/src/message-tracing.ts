import { Span, SpanKind, trace } from '@opentelemetry/api';
import {
  inSpan,
  markFailed,
  RecordedEvent,
  traceContextFrom,
  TraceHeaders,
  traceHeadersOf,
} from '@closeloop/event-store';
import type { InboundCloudEvent } from './event-consumer';

// The messaging side of traces (docs/adr/0035-opentelemetry-traces.md), in OpenTelemetry's messaging terms: the
// append that created an event is its "create" context, stored in its metadata; the relay's send and each
// consumer's process are spans under that context, whichever process and however much later they run.

const TRACER = '@closeloop/messaging';

// OpenTelemetry's messaging attributes are still incubating: their names are copied here, as the semantic
// conventions package advises, rather than imported from an entry point that may change in a minor release.
const MESSAGING_SYSTEM = 'messaging.system';
const MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
const MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
const MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
const MESSAGING_MESSAGE_ID = 'messaging.message.id';
const MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';

/** The trace context a stored event was created in, as the CloudEvents Distributed Tracing extension's attributes. */
export const traceAttributesOf = (event: RecordedEvent): TraceHeaders =>
  traceHeadersOf(traceContextFrom(event.metadata));

/**
 * A send to the broker, with one span per event (kind producer) under the context its append stored: each event
 * belongs to the trace of what caused it, and one batch carries events of many traces. An event stored without a
 * trace context (tracing was off, or it predates traces) gets no span rather than a trace of its own.
 */
export const tracePublishing = async <T>(
  topic: string,
  events: readonly RecordedEvent[],
  send: () => Promise<T>,
): Promise<T> => {
  const tracer = trace.getTracer(TRACER);
  const spans: Span[] = [];
  for (const event of events) {
    const created = traceContextFrom(event.metadata);
    if (trace.getSpanContext(created) === undefined) continue;
    spans.push(
      tracer.startSpan(
        `send ${topic}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [MESSAGING_SYSTEM]: 'kafka',
            [MESSAGING_OPERATION_TYPE]: 'send',
            [MESSAGING_DESTINATION_NAME]: topic,
            [MESSAGING_MESSAGE_ID]: event.eventId,
            'cloudevents.event_type': event.type,
          },
        },
        created,
      ),
    );
  }
  try {
    return await send();
  } catch (error) {
    for (const span of spans) markFailed(span, error);
    throw error;
  } finally {
    for (const span of spans) span.end();
  }
};

/**
 * A consumed record's handling in a span (kind consumer) under the trace context the CloudEvent carries (its
 * `traceparent` attribute: in the body in structured mode, `ce_traceparent` in binary mode), so whatever the
 * handler appends continues the trace. A record without one starts a trace of its own.
 */
export const traceConsuming = <T>(message: InboundCloudEvent, work: () => Promise<T>): Promise<T> =>
  inSpan(
    TRACER,
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      parent: traceContextFrom(message.event),
      attributes: {
        [MESSAGING_SYSTEM]: 'kafka',
        [MESSAGING_OPERATION_TYPE]: 'process',
        [MESSAGING_DESTINATION_NAME]: message.topic,
        [MESSAGING_DESTINATION_PARTITION_ID]: String(message.partition),
        [MESSAGING_KAFKA_OFFSET]: Number(message.offset),
        [MESSAGING_MESSAGE_ID]: message.event.id,
        'cloudevents.event_type': message.event.type,
      },
    },
    work,
  );
