import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, toDomainEvents, WorkOrderTriaged } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { StartSlaClockHandler } from './start-sla-clock.handler';

@Controller()
export class WorkOrderEventsKafkaController {
  constructor(private readonly startClock: StartSlaClockHandler) {}

  @EventPattern(EventTypes.WorkOrderTriaged)
  async onTriaged({ event }: InboundCloudEvent): Promise<void> {
    const [triaged] = toDomainEvents([{ type: event.type, data: event.data }]) as [WorkOrderTriaged];
    await this.startClock.handle({ workOrderId: triaged.data.workOrderId, tier: triaged.data.tier, correlationId: event.correlationid ?? event.id, causationId: event.id });
  }
}
