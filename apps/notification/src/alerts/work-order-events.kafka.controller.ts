import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AlertClosedData, DomainEvent, EventTypes, toDomainEvents } from '@closeloop/contracts';
import { InboundCloudEvent } from '@closeloop/messaging';
import { nextStepAfterDeadLetter } from '@closeloop/notification-domain';
import { CLOCK, Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { AlertRaiser } from './alert-raiser.service';
import { AlertService } from './alert.service';

type CloseReason = z.infer<typeof AlertClosedData>['reason'];

const ids = (event: InboundCloudEvent['event']) => ({ correlationId: event.correlationid ?? event.id, causationId: event.id });

const domainEventOf = ({ event }: InboundCloudEvent): DomainEvent | undefined => toDomainEvents([{ type: event.type, data: event.data }])[0];

/**
 * The events that page someone (an escalation, a warning, a new urgent order, a delivery that ran out of retries)
 * and the ones that make paging pointless (the order resolved, closed or cancelled; the target met).
 */
@Controller()
export class WorkOrderEventsKafkaController {
  constructor(
    private readonly raiser: AlertRaiser,
    private readonly alerts: AlertService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @EventPattern(EventTypes.SlaEscalated)
  async onEscalated(message: InboundCloudEvent): Promise<void> {
    const escalated = domainEventOf(message);
    if (escalated?.type !== EventTypes.SlaEscalated) return;
    const { workOrderId, target, level, escalatedAt } = escalated.data;
    await this.raiser.raise({ causeEventId: message.event.id, workOrderId, kind: 'escalation', target, level: level as 1 | 2 | 3, at: new Date(escalatedAt) }, ids(message.event));
  }

  @EventPattern(EventTypes.SlaWarningRaised)
  async onWarning(message: InboundCloudEvent): Promise<void> {
    const warning = domainEventOf(message);
    if (warning?.type !== EventTypes.SlaWarningRaised) return;
    const { workOrderId, target, warnedAt, dueAt } = warning.data;
    await this.raiser.raise({ causeEventId: message.event.id, workOrderId, kind: 'warning', target, dueAt, at: new Date(warnedAt) }, ids(message.event));
  }

  @EventPattern(EventTypes.WorkOrderTriaged)
  async onTriaged(message: InboundCloudEvent): Promise<void> {
    const triaged = domainEventOf(message);
    if (triaged?.type !== EventTypes.WorkOrderTriaged || triaged.data.tier !== 'urgent') return;
    await this.raiser.raise({ causeEventId: message.event.id, workOrderId: triaged.data.workOrderId, kind: 'urgent-order', level: 1, at: new Date(triaged.data.triagedAt) }, ids(message.event));
  }

  /**
   * A channel that ran out of retries is an alert in its own right, one level up: an unreachable person is a risk.
   * The next level's alert has the identity (order, target, level, round), so however many deliveries die, and
   * however often a dead letter is redelivered, it is raised once. At the top there is nobody above: once every
   * delivery there is dead the chain has run out (recorded once, the fallback paged once), and that is the end.
   */
  @EventPattern(EventTypes.AlertDeadLettered)
  async onDeadLettered(message: InboundCloudEvent): Promise<void> {
    const dead = domainEventOf(message);
    if (dead?.type !== EventTypes.AlertDeadLettered) return;
    const alert = await this.alerts.find(dead.data.alertId);
    const next = nextStepAfterDeadLetter(alert);
    switch (next.step) {
      case 'escalate':
        await this.raiser.raise(
          { causeEventId: message.event.id, workOrderId: dead.data.workOrderId, kind: 'escalation', target: alert.target, level: next.level, round: alert.round, at: new Date(dead.data.deadLetteredAt) },
          ids(message.event),
        );
        return;
      case 'exhaust':
        await this.raiser.exhaustChain(alert.alertId, ids(message.event));
        return;
      case 'wait':
      case 'none':
        return;
      default: {
        const unhandled: never = next;
        throw new Error(`unhandled dead-letter step ${JSON.stringify(unhandled)}`);
      }
    }
  }

  @EventPattern(EventTypes.WorkOrderResolved)
  onResolved(message: InboundCloudEvent) {
    return this.closeAlerts(message, 'order-resolved');
  }

  @EventPattern(EventTypes.WorkOrderClosed)
  onClosed(message: InboundCloudEvent) {
    return this.closeAlerts(message, 'order-closed');
  }

  @EventPattern(EventTypes.WorkOrderCancelled)
  onCancelled(message: InboundCloudEvent) {
    return this.closeAlerts(message, 'order-cancelled');
  }

  @EventPattern(EventTypes.SlaTargetMet)
  async onTargetMet(message: InboundCloudEvent): Promise<void> {
    const met = domainEventOf(message);
    if (met?.type === EventTypes.SlaTargetMet) await this.closeAlerts(message, 'target-met', met.data.target);
  }

  private async closeAlerts({ event }: InboundCloudEvent, reason: CloseReason, onlyTarget?: string): Promise<void> {
    const workOrderId = event.workorderid;
    if (!workOrderId) return;
    const open = await this.alerts.openAlertsOf(workOrderId);
    // A new urgent order's alert has no target of its own: the order being acknowledged (response met) answers it.
    const answered = (target: string | null) => onlyTarget === undefined || target === onlyTarget || (target === null && onlyTarget === 'response');
    for (const { alertId } of open.filter((a) => answered(a.target))) {
      await this.alerts.withAlertLock(alertId, () =>
        this.alerts.execute(alertId, workOrderId, { type: 'CloseAlert', reason, at: this.clock.now() }, { ...ids(event), actor: { kind: 'system', id: 'notification' } }),
      );
    }
  }
}
