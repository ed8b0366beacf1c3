import {
  CloudEvent,
  CloudEventContentTypes,
  PublishedEventMetadataSchema,
  toPublishedCloudEvent,
} from '@closeloop/contracts';
import { RecordedEvent } from '@closeloop/event-store';
import { Message } from 'kafkajs';
import { traceAttributesOf } from './message-tracing';

/**
 * A committed event as a Kafka record: structured-mode CloudEvent, keyed by work-order id so all of one order's
 * events land on one partition, in order; an event of a stream that is not an order's (an inquiry) by its stream's
 * partition key, for the same reason. The type is repeated in a header so consumers can skip cheaply.
 *
 * The trace context the event was appended in goes with it as the CloudEvents Distributed Tracing extension
 * (`traceparent`, `tracestate`): in the structured body, where consumers read it, and repeated as `ce_traceparent`
 * for tools that read headers only. Only on the record: the feed and a rebuild fold the event without it.
 */
export const toKafkaMessage = (event: RecordedEvent): Message => {
  const tracing = traceAttributesOf(event);
  const cloudEvent = { ...toPublishedEvent(event), ...tracing };
  return {
    key: (cloudEvent.partitionkey ?? cloudEvent.workorderid) as string,
    value: JSON.stringify(cloudEvent),
    headers: {
      'content-type': CloudEventContentTypes.structured,
      ce_type: event.type,
      ce_id: event.eventId,
      ...(tracing.traceparent === undefined ? {} : { ce_traceparent: tracing.traceparent }),
    },
  };
};

/** The CloudEvent the relay publishes for a committed event; a rebuild folds the same one (ADR 16). */
export const toPublishedEvent = (event: RecordedEvent): CloudEvent =>
  toPublishedCloudEvent({
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: PublishedEventMetadataSchema.parse(event.metadata),
    recordedAt: event.recordedAt,
    sequence: event.globalPosition,
    hash: event.hash,
    prevHash: event.prevHash,
  });

/**
 * Broker answers that reject one record for what it is, so sending it again can never succeed: a record over
 * `max.message.bytes` (or a request over the broker's limit, which sending records one by one cures), a record
 * the broker finds invalid. Everything else (a broker or leader away, a timeout, a missing topic, an ACL) is about
 * the path to the broker, not the record, and is retried for as long as it lasts: parking every event because the
 * broker is down would empty the topic into the parking table.
 */
const RECORD_REFUSALS = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP']);

/** The refusal code when a send failed because of a record itself, else undefined (a transient failure). */
export const recordRefusalOf = (error: unknown): string | undefined => {
  const seen = new Set<unknown>();
  const visit = (e: unknown): string | undefined => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return undefined;
    seen.add(e);
    const { type, cause, errors } = e as { type?: unknown; cause?: unknown; errors?: unknown };
    if (typeof type === 'string' && RECORD_REFUSALS.has(type)) return type;
    // kafkajs wraps what it gave up on (KafkaJSNonRetriableError's cause, an aggregate's errors).
    for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
      const found = visit(inner);
      if (found) return found;
    }
    return undefined;
  };
  return visit(error);
};
