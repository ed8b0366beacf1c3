import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, NotFoundError, toDomainEvents, WorkOrderEvent } from '@closeloop/contracts';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { InboundCloudEvent } from '@closeloop/messaging';
import { ObserveWorkOrder } from '@closeloop/sla-domain';
import { workOrderStream } from '@closeloop/work-order-domain';
import { SlaClockService } from './sla-clock.service';

const context = (event: InboundCloudEvent['event']) => ({ correlationId: event.correlationid ?? event.id, causationId: event.id });

/** The order's progress, as it moves the SLA clocks: start, met, paused, resumed, restarted, stopped. */
@Controller()
export class WorkOrderEventsKafkaController {
  constructor(
    private readonly clocks: SlaClockService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @EventPattern(EventTypes.WorkOrderTriaged)
  async onTriaged({ event }: InboundCloudEvent): Promise<void> {
    const [triaged] = toDomainEvents([{ type: event.type, data: event.data }]);
    if (triaged?.type !== EventTypes.WorkOrderTriaged) return;
    // Targets run from the moment the resident reported, not from when this service got round to it.
    const history = toDomainEvents(await this.store.readStream(workOrderStream(triaged.data.workOrderId))) as WorkOrderEvent[];
    const reported = history.find((e) => e.type === EventTypes.WorkOrderReported);
    if (reported?.type !== EventTypes.WorkOrderReported) throw new NotFoundError('Work order', triaged.data.workOrderId);
    const { siteId, reportedAt } = reported.data;
    await this.clocks.apply({ type: 'StartSlaClock', workOrderId: triaged.data.workOrderId, siteId, category: triaged.data.category, tier: triaged.data.tier, reportedAt: new Date(reportedAt) }, context(event));
  }

  @EventPattern(EventTypes.WorkOrderAcknowledged)
  onAcknowledged(message: InboundCloudEvent) {
    return this.observe(message, 'acknowledged');
  }

  @EventPattern(EventTypes.WorkOrderPutOnHold)
  async onPutOnHold(message: InboundCloudEvent) {
    const [held] = toDomainEvents([{ type: message.event.type, data: message.event.data }]);
    // Only waiting on the resident stops the clock: parts and access are the service desk's to arrange.
    if (held?.type === EventTypes.WorkOrderPutOnHold && held.data.reason === 'waiting-on-resident') await this.observe(message, 'waiting-on-resident');
  }

  @EventPattern(EventTypes.WorkOrderResumed)
  onResumed(message: InboundCloudEvent) {
    return this.observe(message, 'resumed');
  }

  @EventPattern(EventTypes.WorkOrderReopened)
  async onReopened(message: InboundCloudEvent) {
    const [reopened] = toDomainEvents([{ type: message.event.type, data: message.event.data }]);
    if (reopened?.type === EventTypes.WorkOrderReopened) await this.observe(message, 'reopened', reopened.data.round);
  }

  @EventPattern(EventTypes.WorkOrderCancelled)
  onCancelled(message: InboundCloudEvent) {
    return this.observe(message, 'cancelled');
  }

  /** On-call staff said "I've got it" to an escalation: the chain for that target stops climbing. */
  @EventPattern(EventTypes.AlertAcknowledged)
  async onAlertAcknowledged({ event }: InboundCloudEvent): Promise<void> {
    const [acknowledged] = toDomainEvents([{ type: event.type, data: event.data }]);
    if (acknowledged?.type !== EventTypes.AlertAcknowledged) return;
    const { kind, target, workOrderId, alertId, acknowledgedBy, acknowledgedAt } = acknowledged.data;
    if (kind !== 'escalation' || !target) return;
    await this.clocks.apply({ type: 'AcknowledgeEscalation', workOrderId, target, alertId, by: acknowledgedBy, at: new Date(acknowledgedAt) }, context(event));
  }

  private async observe({ event }: InboundCloudEvent, happened: ObserveWorkOrder['happened'], round?: number): Promise<void> {
    const workOrderId = event.workorderid;
    if (!workOrderId) return;
    await this.clocks.apply({ type: 'ObserveWorkOrder', workOrderId, happened, at: new Date(event.time ?? Date.now()), round }, context(event));
  }
}
