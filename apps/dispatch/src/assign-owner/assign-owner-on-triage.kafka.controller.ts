import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, toDomainEvents, WorkOrderTriaged } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { AssignOwnerHandler } from './assign-owner.handler';

/** Gives every triaged order its first-response owner. */
@Controller()
export class AssignOwnerOnTriageKafkaController {
  constructor(private readonly assignOwner: AssignOwnerHandler) {}

  @EventPattern(EventTypes.WorkOrderTriaged)
  async onTriaged({ event }: InboundCloudEvent): Promise<void> {
    const [triaged] = toDomainEvents([{ type: event.type, data: event.data }]) as [WorkOrderTriaged];
    await this.assignOwner.handle({
      workOrderId: triaged.data.workOrderId,
      correlationId: event.correlationid ?? event.id,
      causationId: event.id,
    });
  }
}
