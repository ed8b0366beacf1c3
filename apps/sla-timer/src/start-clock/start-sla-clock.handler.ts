import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EventMetadata, EventTypes, NotFoundError, SlaEvent, toDomainEvents, WorkOrderReported } from '@closeloop/contracts';
import { EVENT_STORE, EventStore, StreamVersionConflictError } from '@closeloop/event-store';
import { decideSla, evolveSla, initialSlaState, SlaPolicy, slaStream } from '@closeloop/sla-domain';
import { workOrderStream } from '@closeloop/work-order-domain';
import { Tier } from '@closeloop/contracts';
import { SLA_POLICY } from '../sla-timer.config';

export interface StartClockRequest {
  readonly workOrderId: string;
  readonly tier: Tier;
  readonly correlationId: string;
  readonly causationId: string;
}

/** Records the response and resolution deadlines a triaged order's tier implies, once per order. */
@Injectable()
export class StartSlaClockHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SLA_POLICY) private readonly policy: SlaPolicy,
  ) {}

  async handle(request: StartClockRequest): Promise<SlaEvent[]> {
    const orderEvents = await this.store.readStream(workOrderStream(request.workOrderId));
    const reported = toDomainEvents(orderEvents.filter((e) => e.type === EventTypes.WorkOrderReported))[0] as WorkOrderReported | undefined;
    if (!reported) throw new NotFoundError('Work order', request.workOrderId);

    const stream = slaStream(request.workOrderId);
    const recorded = await this.store.readStream(stream);
    const state = (toDomainEvents(recorded) as SlaEvent[]).reduce(evolveSla, initialSlaState());
    // Targets run from the moment the resident reported, not from when this service got round to it.
    const events = decideSla({ type: 'StartSlaClock', workOrderId: request.workOrderId, tier: request.tier, reportedAt: new Date(reported.data.reportedAt) }, state, this.policy);
    if (events.length === 0) return [];
    const metadata: EventMetadata = {
      workOrderId: request.workOrderId,
      correlationId: request.correlationId,
      causationId: request.causationId,
      actor: { kind: 'system', id: 'sla-timer' },
      producer: 'sla-timer',
    };
    try {
      await this.store.append(stream, events.map((e) => ({ eventId: randomUUID(), type: e.type, data: e.data, metadata })), recorded.length === 0 ? 'no-stream' : recorded.length);
    } catch (error) {
      // Another instance started this clock first: that is the outcome we wanted.
      if (error instanceof StreamVersionConflictError) return [];
      throw error;
    }
    return events;
  }
}
