import { randomUUID } from 'node:crypto';
import { Actor, EventMetadata, IdempotencyKeyReusedError, NotFoundError, toDomainEvents, WorkOrderEvent } from '@closeloop/contracts';
import { EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { decide, evolve, foldWorkOrder, WorkOrderCommand, WorkOrderState, workOrderStream } from '@closeloop/work-order-domain';
import { requestFingerprint } from './request-fingerprint';

export interface CommandContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
  /** The service deciding, recorded as the events' producer. */
  readonly producer: string;
  /** A caller's retry key, unique per work order: a retried command returns what the first attempt did. */
  readonly idempotencyKey?: string | undefined;
  /**
   * What the caller asked under that key, as plain data (the action and its payload). Its fingerprint is stored
   * with the events, so the same key sent with a different request is refused instead of answered with the first.
   */
  readonly request?: unknown;
  /**
   * Whether the caller may touch this order at all, asked of the current state before anything else (a replay, a
   * version check), so an order the caller may not see answers the same whatever its history.
   */
  readonly authorize?: ((state: WorkOrderState) => void) | undefined;
}

export interface CommandOutcome {
  readonly workOrderId: string;
  readonly state: WorkOrderState;
  /** The stream's version after the command: what a caller passes to act on exactly this state. */
  readonly version: number;
  readonly events: readonly WorkOrderEvent[];
  readonly replayed: boolean;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Runs one command against one work order: read the stream, fold, decide, append at the version read. When
 * another writer got in first, it decides again on what that writer left, so a command is never lost: it either
 * applies to the new state or is rejected by it (exactly one of two concurrent "start"s wins; the other gets an
 * illegal transition). An expected version from the caller turns that retry off: a stale caller gets the conflict.
 */
export class WorkOrderCommands {
  constructor(private readonly store: EventStore) {}

  async execute(
    workOrderId: string,
    /** Builds the command from the current state; undefined when, in this state, there is nothing to do. */
    command: (state: WorkOrderState) => WorkOrderCommand | undefined,
    context: CommandContext,
    expectedVersion?: number,
  ): Promise<CommandOutcome> {
    const stream = workOrderStream(workOrderId);
    const fingerprint = context.request === undefined ? undefined : requestFingerprint(context.request);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(stream);
      if (recorded.length === 0) throw new NotFoundError('Work order', workOrderId);
      const history = toDomainEvents(recorded) as WorkOrderEvent[];
      const state = foldWorkOrder(history);
      context.authorize?.(state);
      if (context.idempotencyKey !== undefined) {
        const earlier = answeredBefore(recorded, history, context.idempotencyKey, fingerprint);
        if (earlier) return { workOrderId, state, version: recorded.length, events: earlier, replayed: true };
      }
      if (expectedVersion !== undefined && expectedVersion !== recorded.length) {
        throw new StreamVersionConflictError(stream, expectedVersion, recorded.length);
      }
      const chosen = command(state);
      const events = chosen === undefined ? [] : decide(chosen, state);
      if (events.length === 0) return { workOrderId, state, version: recorded.length, events, replayed: false };
      const metadata: EventMetadata & { idempotencyKey?: string; requestFingerprint?: string } = {
        workOrderId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        actor: context.actor,
        producer: context.producer,
        ...(context.idempotencyKey !== undefined ? { idempotencyKey: context.idempotencyKey } : {}),
        ...(context.idempotencyKey !== undefined && fingerprint !== undefined ? { requestFingerprint: fingerprint } : {}),
      };
      try {
        const appended = await this.store.append(stream, events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })), recorded.length);
        return { workOrderId, state: events.reduce(evolve, state), version: appended.nextExpectedVersion, events, replayed: false };
      } catch (error) {
        if (!(error instanceof StreamVersionConflictError) || expectedVersion !== undefined || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }
}

/**
 * The events an earlier command under this key recorded, to answer a retry with; a different request under the
 * same key is refused. Events recorded without a fingerprint (before fingerprints were kept) match any request,
 * so a retry of a command sent before then is still answered as the first time.
 */
const answeredBefore = (recorded: readonly RecordedEvent[], history: readonly WorkOrderEvent[], key: string, fingerprint: string | undefined): WorkOrderEvent[] | undefined => {
  const answered = recorded.flatMap((event, i) => (event.metadata['idempotencyKey'] === key ? [{ event, domainEvent: history[i] as WorkOrderEvent }] : []));
  if (answered.length === 0) return undefined;
  const recordedFingerprint = answered[0]?.event.metadata['requestFingerprint'];
  if (fingerprint !== undefined && recordedFingerprint !== undefined && recordedFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(key);
  return answered.map((a) => a.domainEvent);
};
