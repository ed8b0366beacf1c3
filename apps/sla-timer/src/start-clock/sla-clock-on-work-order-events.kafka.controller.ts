import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { EventTypes, NotFoundError, toDomainEvents } from '@closeloop/contracts';
import { BatchedCloudEvent, IN_BATCH_TRANSACTION, traceOf } from '@closeloop/messaging';
import { ObserveWorkOrder } from '@closeloop/sla-domain';
import { OrderLifecycleRepository } from '../order-lifecycle/order-lifecycle.repository';
import { SlaClockService } from './sla-clock.service';

/** The order's moves that tell the clocks all they need by having happened, and what each is to them. */
const PLAIN_MOVES = {
  [EventTypes.WorkOrderAcknowledged]: 'acknowledged',
  [EventTypes.WorkOrderResumed]: 'resumed',
  [EventTypes.WorkOrderCancelled]: 'cancelled',
} as const satisfies Record<string, ObserveWorkOrder['happened']>;

/**
 * The order's progress, as it moves the SLA clocks: start, met, paused, resumed, restarted, stopped. What the clocks
 * need to know of the order beyond the event in hand (where and when it was reported, its reopens) is sla-timer's
 * own lifecycle view, kept here from the same events: the work-order streams are dispatch's.
 *
 * A partition's records are handled a batch at a time (docs/adr/0036-batch-consumers.md): the view's rows and the
 * timers go through the batch's transaction and commit with it, once, before its offsets; the clocks' appends are
 * the store's own, each at once and idempotent by cause, so a batch rolled back after one (and then handled one by
 * one) appends nothing twice and schedules the timers again.
 */
@Controller()
export class SlaClockOnWorkOrderEvents {
  constructor(
    private readonly clocks: SlaClockService,
    private readonly lifecycle: OrderLifecycleRepository,
  ) {}

  @EventPattern(EventTypes.WorkOrderReported, IN_BATCH_TRANSACTION)
  async onReported({ event, transaction }: BatchedCloudEvent): Promise<void> {
    const [reported] = toDomainEvents([{ type: event.type, data: event.data }]);
    if (reported?.type !== EventTypes.WorkOrderReported) return;
    await this.lifecycle.recordReported(
      reported.data.workOrderId,
      { siteId: reported.data.siteId, reportedAt: new Date(reported.data.reportedAt) },
      transaction?.client,
    );
  }

  @EventPattern(EventTypes.WorkOrderTriaged, IN_BATCH_TRANSACTION)
  async onTriaged({ event, transaction }: BatchedCloudEvent): Promise<void> {
    const [triaged] = toDomainEvents([{ type: event.type, data: event.data }]);
    if (triaged?.type !== EventTypes.WorkOrderTriaged) return;
    // Targets run from the moment the resident reported, not from when this service got round to it. The report is
    // on the same partition, before the triage, so the view has it (in this batch's transaction, if it came in it).
    const start = await this.lifecycle.startOf(triaged.data.workOrderId, transaction?.client);
    if (!start) throw new NotFoundError('Work order', triaged.data.workOrderId);
    await this.clocks.apply(
      {
        type: 'StartSlaClock',
        workOrderId: triaged.data.workOrderId,
        siteId: start.siteId,
        category: triaged.data.category,
        tier: triaged.data.tier,
        reportedAt: start.reportedAt,
      },
      traceOf(event),
      transaction,
    );
  }

  @EventPattern(Object.keys(PLAIN_MOVES), IN_BATCH_TRANSACTION)
  onPlainMove(message: BatchedCloudEvent) {
    // The transport routes by type, so the type is one of PLAIN_MOVES.
    return this.observe(message, PLAIN_MOVES[message.event.type as keyof typeof PLAIN_MOVES]);
  }

  @EventPattern(EventTypes.WorkOrderPutOnHold, IN_BATCH_TRANSACTION)
  async onPutOnHold(message: BatchedCloudEvent) {
    const [held] = toDomainEvents([{ type: message.event.type, data: message.event.data }]);
    // Only waiting on the resident stops the clock: parts and access are the service desk's to arrange.
    if (held?.type === EventTypes.WorkOrderPutOnHold && held.data.reason === 'waiting-on-resident')
      await this.observe(message, 'waiting-on-resident');
  }

  @EventPattern(EventTypes.WorkOrderReopened, IN_BATCH_TRANSACTION)
  async onReopened(message: BatchedCloudEvent) {
    const [reopened] = toDomainEvents([{ type: message.event.type, data: message.event.data }]);
    if (reopened?.type !== EventTypes.WorkOrderReopened) return;
    const { workOrderId, round } = reopened.data;
    await this.lifecycle.recordReopened(workOrderId, round, message.event.sequence, message.transaction?.client);
    await this.observe(message, 'reopened', round);
  }

  /** On-call staff said "I've got it" to an escalation: the chain for that target stops climbing. */
  @EventPattern(EventTypes.AlertAcknowledged, IN_BATCH_TRANSACTION)
  async onAlertAcknowledged({ event, transaction }: BatchedCloudEvent): Promise<void> {
    const [acknowledged] = toDomainEvents([{ type: event.type, data: event.data }]);
    if (acknowledged?.type !== EventTypes.AlertAcknowledged) return;
    const { kind, target, workOrderId, alertId, acknowledgedBy, acknowledgedAt } = acknowledged.data;
    if (kind !== 'escalation' || !target) return;
    await this.clocks.apply(
      { type: 'AcknowledgeEscalation', workOrderId, target, alertId, by: acknowledgedBy, at: new Date(acknowledgedAt) },
      traceOf(event),
      transaction,
    );
  }

  private async observe(
    { event, transaction }: BatchedCloudEvent,
    happened: ObserveWorkOrder['happened'],
    round?: number,
  ): Promise<void> {
    const workOrderId = event.workorderid;
    if (!workOrderId) return;
    await this.clocks.apply(
      { type: 'ObserveWorkOrder', workOrderId, happened, at: new Date(event.time ?? Date.now()), round },
      traceOf(event),
      transaction,
    );
  }
}
