import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EventMetadata, NotFoundError, toDomainEvents, WorkOrderEvent } from '@closeloop/contracts';
import { EVENT_STORE, EventStore, StreamVersionConflictError } from '@closeloop/event-store';
import { CLOCK, Clock } from '@closeloop/runtime';
import { decide, foldWorkOrder, Roster, route, workOrderStream } from '@closeloop/work-order-domain';
import { ROSTER } from '../dispatch.config';

export interface AssignOwnerRequest {
  readonly workOrderId: string;
  readonly correlationId: string;
  /** The id of the event that asked for the assignment. */
  readonly causationId: string;
}

const MAX_CONFLICT_RETRIES = 5;

/**
 * Names the accountable owner of a triaged order from the roster, or parks it in the site's dispatcher queue.
 * Idempotent by state: an order that already has an owner gets no second one, so a redelivered event is harmless.
 */
@Injectable()
export class AssignOwnerHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROSTER) private readonly roster: Roster,
  ) {}

  async handle(request: AssignOwnerRequest): Promise<WorkOrderEvent[]> {
    const stream = workOrderStream(request.workOrderId);
    for (let attempt = 1; ; attempt++) {
      const recorded = await this.store.readStream(stream);
      if (recorded.length === 0) throw new NotFoundError('Work order', request.workOrderId);
      const state = foldWorkOrder(toDomainEvents(recorded) as WorkOrderEvent[]);
      if (state.status !== 'triaged' && state.status !== 'awaiting-dispatch') return [];
      const routing = route(this.roster, { workOrderId: request.workOrderId, siteId: state.siteId, building: state.building, category: state.category });
      const events = decide({ type: 'AssignOwner', routing, now: this.clock.now() }, state);
      if (events.length === 0) return [];
      const metadata: EventMetadata = {
        workOrderId: request.workOrderId,
        correlationId: request.correlationId,
        causationId: request.causationId,
        actor: { kind: 'system', id: 'dispatch' },
        producer: 'dispatch',
      };
      try {
        await this.store.append(stream, events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })), recorded.length);
        return events;
      } catch (error) {
        // Someone else changed the order meanwhile: decide again on what they wrote.
        if (!(error instanceof StreamVersionConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }
}
