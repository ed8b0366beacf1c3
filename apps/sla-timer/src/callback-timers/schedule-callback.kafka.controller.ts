import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, toDomainEvents, WorkOrderEvent, WorkOrderResolved } from '@closeloop/contracts';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { InboundCloudEvent } from '@closeloop/messaging';
import { foldWorkOrder, workOrderStream } from '@closeloop/work-order-domain';
import { SLA_TIMER_CONFIG, SlaTimerConfig } from '../sla-timer.config';
import { SlaClockService } from '../start-clock/sla-clock.service';
import { TimerStore } from './timer-store';

/**
 * A resolved order starts two timers for its round of the loop: the callback (回访) and, later, closing without
 * confirmation. Counted from the resolution itself, not from when this service got the event.
 */
@Controller()
export class ScheduleCallbackKafkaController {
  constructor(
    private readonly timers: TimerStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SLA_TIMER_CONFIG) private readonly config: SlaTimerConfig,
    private readonly clocks: SlaClockService,
  ) {}

  @EventPattern(EventTypes.WorkOrderResolved)
  async onResolved({ event }: InboundCloudEvent): Promise<void> {
    const [resolved] = toDomainEvents([{ type: event.type, data: event.data }]) as [WorkOrderResolved];
    const { workOrderId, resolvedAt } = resolved.data;
    // The round is the one this resolution ends: reopens before it, as the stream up to this event tells.
    const recorded = await this.store.readStream(workOrderStream(workOrderId));
    const upToResolution = recorded.slice(0, recorded.findIndex((r) => r.eventId === event.id) + 1 || recorded.length);
    const state = foldWorkOrder(toDomainEvents(upToResolution) as WorkOrderEvent[]);
    const round = state.status === 'none' ? 0 : state.reopenRounds;
    const at = Date.parse(resolvedAt);
    await this.timers.schedule(workOrderId, 'callback-due', round, new Date(at + this.config.CALLBACK_AFTER_SECONDS * 1000));
    await this.timers.schedule(workOrderId, 'close-unconfirmed', round, new Date(at + this.config.CLOSE_UNCONFIRMED_AFTER_SECONDS * 1000));
    // The same event meets the resolution target; one handler per event type, so it is done here.
    await this.clocks.apply(
      { type: 'ObserveWorkOrder', workOrderId, happened: 'resolved', at: new Date(resolvedAt) },
      { correlationId: event.correlationid ?? event.id, causationId: event.id },
    );
  }
}
