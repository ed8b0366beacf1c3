import { CommandOrigin, NotFoundError, WorkOrderEvent } from '@closeloop/contracts';
import { CommandRequest, EventStore, handleCommand, handleCommands, TraceContext } from '@closeloop/event-store';
import { WorkOrderCommand, workOrderDecider, WorkOrderState, workOrderStream } from '@closeloop/work-order-domain';
import { requestFingerprint } from './request-fingerprint';

export interface CommandContext extends CommandOrigin {
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
  /** The trace context the command was asked in, when it is carried out later, outside it (a consumer's batch). */
  readonly traceContext?: TraceContext | undefined;
}

export interface CommandOutcome {
  readonly workOrderId: string;
  readonly state: WorkOrderState;
  /** The stream's version after the command: what a caller passes to act on exactly this state. */
  readonly version: number;
  readonly events: readonly WorkOrderEvent[];
  readonly replayed: boolean;
}

/**
 * Runs one command against one work order through the one command handler (libs/event-store): a retried command
 * is answered with what it did the first time, and an expected version from the caller turns conflict retries off.
 * An order that was never reported is not found, before anything else is asked of it.
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
    const outcome = await handleCommand(
      this.store,
      workOrderDecider,
      requestOf({ workOrderId, command, context, expectedVersion }),
    );
    return { workOrderId, ...outcome };
  }

  /**
   * execute for many orders at once, through the one batch command handler: the streams read in one call, every
   * order's events appended in one multi-stream append. The orders must be distinct; outcomes come in the order
   * asked, each the order's outcome or the error it came to, one order's failure leaving the others' standing.
   */
  async executeMany(
    commands: readonly OrderCommand[],
  ): Promise<({ readonly outcome: CommandOutcome } | { readonly error: unknown })[]> {
    const outcomes = await handleCommands(this.store, workOrderDecider, commands.map(requestOf));
    return outcomes.map((outcome, i) =>
      'error' in outcome
        ? outcome
        : { outcome: { workOrderId: (commands[i] as OrderCommand).workOrderId, ...outcome.result } },
    );
  }
}

/** One order's command, as execute takes it. */
export interface OrderCommand {
  readonly workOrderId: string;
  /** Builds the command from the current state; undefined when, in this state, there is nothing to do. */
  readonly command: (state: WorkOrderState) => WorkOrderCommand | undefined;
  readonly context: CommandContext;
  readonly expectedVersion?: number | undefined;
}

const requestOf = ({
  workOrderId,
  command,
  context,
  expectedVersion,
}: OrderCommand): CommandRequest<WorkOrderState, WorkOrderCommand> => ({
  streamId: workOrderStream(workOrderId),
  command,
  metadata: {
    workOrderId,
    correlationId: context.correlationId,
    causationId: context.causationId,
    actor: context.actor,
    producer: context.producer,
  },
  idempotency:
    context.idempotencyKey === undefined
      ? undefined
      : {
          key: context.idempotencyKey,
          requestFingerprint: context.request === undefined ? undefined : requestFingerprint(context.request),
        },
  expectedVersion,
  traceContext: context.traceContext,
  authorize: (state) => {
    if (state.status === 'none') throw new NotFoundError('Work order', workOrderId);
    context.authorize?.(state);
  },
});
