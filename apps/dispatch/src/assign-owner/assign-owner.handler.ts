import { Inject, Injectable } from '@nestjs/common';
import { WorkOrderEvent } from '@closeloop/contracts';
import { TraceContext } from '@closeloop/event-store';
import { EventTrace } from '@closeloop/messaging';
import { Clock } from '@closeloop/runtime';
import { CommandContext, WorkOrderCommands } from '@closeloop/work-order-application';
import { ReloadingJsonFile } from '@closeloop/config';
import { route, RosterSchema, WorkOrderCommand, WorkOrderState } from '@closeloop/work-order-domain';
import { ROSTER, WORK_ORDER_COMMANDS } from '../dispatch.config';

/** The order to assign, traced to the event that asked for the assignment (and to its span, when tracing is on). */
export interface AssignOwnerRequest extends EventTrace {
  readonly workOrderId: string;
  readonly traceContext?: TraceContext;
}

/**
 * Names the accountable owner of a triaged order from the roster, or parks it in the site's dispatcher queue.
 * Idempotent by state: an order already past dispatch gets nothing, so a redelivered event is harmless.
 */
@Injectable()
export class AssignOwnerHandler {
  constructor(
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    private readonly clock: Clock,
    @Inject(ROSTER) private readonly roster: ReloadingJsonFile<typeof RosterSchema>,
  ) {}

  async handle(request: AssignOwnerRequest): Promise<readonly WorkOrderEvent[]> {
    const outcome = await this.commands.execute(request.workOrderId, this.assignment(request), this.contextOf(request));
    return outcome.events;
  }

  /**
   * Assigns many orders at once (a consumer's batch, docs/adr/0043-pipeline-throughput.md): their streams read in one
   * call and every assignment appended in one multi-stream append. Throws the first failure, after the others stand:
   * the batch is then handled again record by record, and the orders assigned already get nothing the second time.
   */
  async handleMany(requests: readonly AssignOwnerRequest[]): Promise<void> {
    const outcomes = await this.commands.executeMany(
      requests.map((request) => ({
        workOrderId: request.workOrderId,
        command: this.assignment(request),
        context: this.contextOf(request),
      })),
    );
    const failed = outcomes.find((outcome) => 'error' in outcome);
    if (failed) throw failed.error;
  }

  private assignment(request: AssignOwnerRequest): (state: WorkOrderState) => WorkOrderCommand | undefined {
    return (state) => {
      // Past dispatch (someone accepted it first, or it was cancelled), a late or redelivered event has nothing to do.
      if (state.status !== 'triaged' && state.status !== 'awaiting-dispatch') return undefined;
      const now = this.clock.now();
      const routing = route(
        this.roster.get(),
        {
          workOrderId: request.workOrderId,
          siteId: state.siteId,
          building: state.building,
          category: state.category ?? 'general',
        },
        now,
      );
      return { type: 'AssignOwner', routing, now };
    };
  }

  private contextOf(request: AssignOwnerRequest): CommandContext {
    return {
      actor: { kind: 'system', id: 'dispatch' },
      correlationId: request.correlationId,
      causationId: request.causationId,
      producer: 'dispatch',
      traceContext: request.traceContext,
    };
  }
}
