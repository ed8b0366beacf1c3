import { randomUUID } from 'node:crypto';
import { Actor, EventMetadata } from '@closeloop/contracts';
import { AppendResult, EventStore, ExpectedVersion } from '@closeloop/event-store';

/** The metadata a spec's events are recorded with; the correlation and causation ids are fresh unless given. */
export interface RecordedMetadata {
  readonly workOrderId: string;
  readonly actor: Actor;
  readonly producer: string;
  readonly correlationId?: string;
  readonly causationId?: string;
}

/**
 * Appends events as a service records one decision: each with an id of its own, all with the same metadata, so a spec
 * can lay down the streams another service (or this one, earlier) would have left behind.
 */
export const recordEvents = (
  store: EventStore,
  streamId: string,
  events: readonly { readonly type: string; readonly data: unknown }[],
  recordedAs: RecordedMetadata,
  expected: ExpectedVersion,
): Promise<AppendResult> => {
  const metadata: EventMetadata = {
    workOrderId: recordedAs.workOrderId,
    correlationId: recordedAs.correlationId ?? randomUUID(),
    causationId: recordedAs.causationId ?? randomUUID(),
    actor: recordedAs.actor,
    producer: recordedAs.producer,
  };
  return store.append(
    streamId,
    events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })),
    expected,
  );
};
