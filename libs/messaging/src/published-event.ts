import { CloudEventContentTypes, EventMetadataSchema, toPublishedCloudEvent } from '@closeloop/contracts';
import { RecordedEvent } from '@closeloop/event-store';
import { Message } from 'kafkajs';

/**
 * A committed event as a Kafka record: structured-mode CloudEvent, keyed by work-order id so all of one order's
 * events land on one partition, in order. The type is repeated in a header so consumers can skip cheaply.
 */
export const toKafkaMessage = (event: RecordedEvent): Message => {
  const metadata = EventMetadataSchema.parse(event.metadata);
  const cloudEvent = toPublishedCloudEvent({
    eventId: event.eventId,
    type: event.type,
    data: event.data,
    metadata,
    recordedAt: event.recordedAt,
    sequence: event.globalPosition,
  });
  return {
    key: metadata.workOrderId,
    value: JSON.stringify(cloudEvent),
    headers: { 'content-type': CloudEventContentTypes.structured, ce_type: event.type, ce_id: event.eventId },
  };
};
