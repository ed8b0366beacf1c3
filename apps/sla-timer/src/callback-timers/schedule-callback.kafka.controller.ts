import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventNamed, EventTypes, toDomainEvents, workOrderEvents } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { OrderLifecycleRepository } from '../order-lifecycle/order-lifecycle.repository';
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
    private readonly lifecycle: OrderLifecycleRepository,
    @Inject(SLA_TIMER_CONFIG) private readonly config: SlaTimerConfig,
    private readonly clocks: SlaClockService,
  ) {}

  @EventPattern(EventTypes.WorkOrderResolved)
  async onResolved({ event }: InboundCloudEvent): Promise<void> {
    const [resolved] = toDomainEvents([{ type: event.type, data: event.data }]) as [
      EventNamed<typeof workOrderEvents, 'WorkOrderResolved'>,
    ];
    const { workOrderId, resolvedAt } = resolved.data;
    // The round is the one this resolution ends: the reopens before it in the log, as sla-timer's view has them.
    const round = await this.lifecycle.roundAt(workOrderId, event.sequence);
    const at = Date.parse(resolvedAt);
    await this.timers.schedule(
      workOrderId,
      'callback-due',
      round,
      new Date(at + this.config.CALLBACK_AFTER_SECONDS * 1000),
    );
    await this.timers.schedule(
      workOrderId,
      'close-unconfirmed',
      round,
      new Date(at + this.config.CLOSE_UNCONFIRMED_AFTER_SECONDS * 1000),
    );
    // The same event meets the resolution target; one handler per event type, so it is done here.
    await this.clocks.apply(
      { type: 'ObserveWorkOrder', workOrderId, happened: 'resolved', at: new Date(resolvedAt) },
      { correlationId: event.correlationid ?? event.id, causationId: event.id },
    );
  }
}
