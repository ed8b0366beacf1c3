import { CloudEvent, CloudEventContentTypes, EventMetadataSchema, toPublishedCloudEvent } from '@closeloop/contracts';
import { RecordedEvent } from '@closeloop/event-store';
import { Message } from 'kafkajs';

/**
 * A committed event as a Kafka record: structured-mode CloudEvent, keyed by work-order id so all of one order's
 * events land on one partition, in order. The type is repeated in a header so consumers can skip cheaply.
 */
export const toKafkaMessage = (event: RecordedEvent): Message => {
  const cloudEvent = toPublishedEvent(event);
  return {
    key: cloudEvent.workorderid as string,
    value: JSON.stringify(cloudEvent),
    headers: { 'content-type': CloudEventContentTypes.structured, ce_type: event.type, ce_id: event.eventId },
  };
};

/** The CloudEvent the relay publishes for a committed event; a rebuild folds the same one (ADR 16). */
export const toPublishedEvent = (event: RecordedEvent): CloudEvent =>
  toPublishedCloudEvent({
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata: EventMetadataSchema.parse(event.metadata),
    recordedAt: event.recordedAt,
    sequence: event.globalPosition,
  });
