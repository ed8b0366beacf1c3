import { randomUUID } from 'node:crypto';
import { Actor, EventMetadata, NotFoundError, toDomainEvents, WorkOrderEvent } from '@closeloop/contracts';
import { EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { decide, evolve, foldWorkOrder, WorkOrderCommand, WorkOrderState, workOrderStream } from '@closeloop/work-order-domain';

export interface CommandContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
  /** The service deciding, recorded as the events' producer. */
  readonly producer: string;
  /** A caller's retry key, unique per work order: a retried command returns what the first attempt did. */
  readonly idempotencyKey?: string | undefined;
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
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(stream);
      if (recorded.length === 0) throw new NotFoundError('Work order', workOrderId);
      const history = toDomainEvents(recorded) as WorkOrderEvent[];
      const state = foldWorkOrder(history);
      context.authorize?.(state);
      if (context.idempotencyKey !== undefined) {
        const earlier = answeredBefore(recorded, history, context.idempotencyKey);
        if (earlier) return { workOrderId, state, version: recorded.length, events: earlier, replayed: true };
      }
      if (expectedVersion !== undefined && expectedVersion !== recorded.length) {
        throw new StreamVersionConflictError(stream, expectedVersion, recorded.length);
      }
      const chosen = command(state);
      const events = chosen === undefined ? [] : decide(chosen, state);
      if (events.length === 0) return { workOrderId, state, version: recorded.length, events, replayed: false };
      const metadata: EventMetadata & { idempotencyKey?: string } = {
        workOrderId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        actor: context.actor,
        producer: context.producer,
        ...(context.idempotencyKey !== undefined ? { idempotencyKey: context.idempotencyKey } : {}),
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

const answeredBefore = (recorded: readonly RecordedEvent[], history: readonly WorkOrderEvent[], key: string): WorkOrderEvent[] | undefined => {
  const matches = history.filter((_, i) => recorded[i]?.metadata['idempotencyKey'] === key);
  return matches.length > 0 ? matches : undefined;
};
