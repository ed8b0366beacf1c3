import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, toDomainEvents, WorkOrderTriaged } from '@closeloop/contracts';
import { activeTraceContext } from '@closeloop/event-store';
import { BatchedCloudEvent, IN_BATCH_TRANSACTION } from '@closeloop/messaging';
import { AssignOwnerHandler, AssignOwnerRequest } from './assign-owner.handler';

/** Where a batch gathers its orders to assign: one per order, the first triaged event of it in the batch. */
const ASSIGNMENTS = 'dispatch.assign-owner';

/**
 * Gives every triaged order its first-response owner. In a consumer's batch (docs/adr/0043-pipeline-throughput.md)
 * the batch's orders are gathered and assigned together at its end, before its offsets are committed; alone (a
 * batch that failed, handled again record by record), each at once.
 */
@Controller()
export class AssignOwnerOnTriageKafkaController {
  constructor(private readonly assignOwner: AssignOwnerHandler) {}

  @EventPattern(EventTypes.WorkOrderTriaged, IN_BATCH_TRANSACTION)
  async onTriaged({ event, transaction }: BatchedCloudEvent): Promise<void> {
    const [triaged] = toDomainEvents([{ type: event.type, data: event.data }]) as [WorkOrderTriaged];
    const request: AssignOwnerRequest = {
      workOrderId: triaged.data.workOrderId,
      correlationId: event.correlationid ?? event.id,
      causationId: event.id,
      // This record's trace: gathered, its order is appended after its span has ended, with the batch's others.
      traceContext: activeTraceContext(),
    };
    if (!transaction) {
      await this.assignOwner.handle(request);
      return;
    }
    const gathered = transaction.gather(
      ASSIGNMENTS,
      () => new Map<string, AssignOwnerRequest>(),
      (requests) => this.assignOwner.handleMany([...requests.values()]),
    );
    if (!gathered.has(request.workOrderId)) gathered.set(request.workOrderId, request);
  }
}
