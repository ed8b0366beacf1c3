import { Inject, Injectable } from '@nestjs/common';
import { WorkOrderCommandMessage, WorkOrderCommandTypes, WorkOrderEvent } from '@closeloop/contracts';
import { EventTrace } from '@closeloop/messaging';
import { Clock } from '@closeloop/runtime';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { WorkOrderCommand } from '@closeloop/work-order-domain';
import { WORK_ORDER_COMMANDS } from '../dispatch.config';

/** The trace of the command message that carried the timer's request. */
export type LoopTimerTrace = EventTrace;

/**
 * Decides what sla-timer's loop timers ask of an order: the callback task (回访) and closing it without confirmation.
 * Only a resolved order acts, on the order as it stands now; the timer id is the retry key, so a command delivered or
 * sent twice acts once, and a timer outrun by a confirmation or a reopen does nothing.
 */
@Injectable()
export class LoopTimerCommandHandler {
  constructor(
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    private readonly clock: Clock,
  ) {}

  async handle(command: WorkOrderCommandMessage, trace: LoopTimerTrace): Promise<readonly WorkOrderEvent[]> {
    const outcome = await this.commands.execute(
      command.data.workOrderId,
      (state) => (state.status === 'resolved' ? this.decisionFor(command) : undefined),
      {
        actor: { kind: 'system', id: 'sla-timer' },
        correlationId: trace.correlationId,
        causationId: trace.causationId,
        producer: 'dispatch',
        idempotencyKey: `timer:${command.data.timerId}`,
      },
    );
    return outcome.events;
  }

  private decisionFor(command: WorkOrderCommandMessage): WorkOrderCommand {
    const now = this.clock.now();
    switch (command.type) {
      case WorkOrderCommandTypes.RequestCallback:
        return { type: 'RequestCallback', round: command.data.round, dueAt: new Date(command.data.dueAt), now };
      case WorkOrderCommandTypes.CloseWithoutConfirmation:
        return { type: 'CloseWithoutConfirmation', round: command.data.round, now };
      default: {
        const unknown: never = command;
        throw new Error(`no decision for ${(unknown as WorkOrderCommandMessage).type}`);
      }
    }
  }
}
