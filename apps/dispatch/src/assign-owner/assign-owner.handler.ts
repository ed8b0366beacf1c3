import { Inject, Injectable } from '@nestjs/common';
import { WorkOrderEvent } from '@closeloop/contracts';
import { EventTrace } from '@closeloop/messaging';
import { Clock } from '@closeloop/runtime';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { ReloadingJsonFile } from '@closeloop/config';
import { route, RosterSchema } from '@closeloop/work-order-domain';
import { ROSTER, WORK_ORDER_COMMANDS } from '../dispatch.config';

/** The order to assign, traced to the event that asked for the assignment. */
export interface AssignOwnerRequest extends EventTrace {
  readonly workOrderId: string;
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
    const outcome = await this.commands.execute(
      request.workOrderId,
      (state) => {
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
      },
      {
        actor: { kind: 'system', id: 'dispatch' },
        correlationId: request.correlationId,
        causationId: request.causationId,
        producer: 'dispatch',
      },
    );
    return outcome.events;
  }
}
