import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AlertClosedData, DomainEvent, EventTypes, isEventType, toDomainEvents } from '@closeloop/contracts';
import { ANY_EVENT_TYPE, InboundCloudEvent, traceOf } from '@closeloop/messaging';
import { nextStepAfterDeadLetter } from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { AlertRaiser, AlertRequest } from './alert-raiser.service';
import { AlertService } from './alert.service';
import { isOrderFact } from './order-facts';
import { OrderFactsRepository } from './order-facts.repository';
import { ResidentNotices } from '../resident-notices/resident-notices.service';

type CloseReason = z.infer<typeof AlertClosedData>['reason'];

/**
 * Every event about a work order on workorders.events, in two steps in this order: first notification's own facts
 * about the order are brought up to date (ADR 19), then the events that page someone (an escalation, a warning, a
 * new urgent order, a delivery that ran out of retries) raise an alert, and the ones that make paging pointless
 * (the order resolved, closed or cancelled; the target met) close them. Facts first, in the same handler, so an
 * escalation always finds the order it is about; both steps are idempotent, so a redelivery changes nothing.
 */
@Controller()
export class AlertTriggersKafkaController {
  constructor(
    private readonly raiser: AlertRaiser,
    private readonly alerts: AlertService,
    private readonly facts: OrderFactsRepository,
    private readonly residents: ResidentNotices,
    private readonly clock: Clock,
  ) {}

  @EventPattern(ANY_EVENT_TYPE)
  async onEvent(message: InboundCloudEvent): Promise<void> {
    const { event } = message;
    // Types from a newer producer than this service are not guessed at.
    if (!isEventType(event.type)) return;
    const [domainEvent] = toDomainEvents([{ type: event.type, data: event.data }]) as [DomainEvent];
    if (event.workorderid && event.sequence && isOrderFact(domainEvent)) {
      await this.facts.record(event.workorderid, {
        event: domainEvent,
        position: event.sequence,
        recordedAt: event.time ?? this.clock.now().toISOString(),
      });
    }
    await this.react(domainEvent, message);
    // The order's reporter hears of its steps (ADR 27), from the facts just brought up to date.
    await this.residents.onOrderEvent(domainEvent, message);
  }

  private async react(domainEvent: DomainEvent, message: InboundCloudEvent): Promise<void> {
    switch (domainEvent.type) {
      case EventTypes.SlaEscalated: {
        const { workOrderId, target, level, escalatedAt } = domainEvent.data;
        const at = new Date(escalatedAt);
        return this.raiseFor(message, { workOrderId, kind: 'escalation', target, level: level as 1 | 2 | 3, at });
      }
      case EventTypes.SlaWarningRaised: {
        const { workOrderId, target, dueAt, warnedAt } = domainEvent.data;
        return this.raiseFor(message, { workOrderId, kind: 'warning', target, dueAt, at: new Date(warnedAt) });
      }
      case EventTypes.WorkOrderTriaged: {
        const { workOrderId, tier, triagedAt } = domainEvent.data;
        if (tier !== 'urgent') return;
        return this.raiseFor(message, { workOrderId, kind: 'urgent-order', level: 1, at: new Date(triagedAt) });
      }
      case EventTypes.AlertDeadLettered:
        return this.onDeadLettered(domainEvent, message);
      case EventTypes.WorkOrderResolved:
        return this.closeAlerts(message, 'order-resolved');
      case EventTypes.WorkOrderClosed:
        return this.closeAlerts(message, 'order-closed');
      case EventTypes.WorkOrderCancelled:
        return this.closeAlerts(message, 'order-cancelled');
      case EventTypes.SlaTargetMet:
        return this.closeAlerts(message, 'target-met', domainEvent.data.target);
      default:
        // Every other event only tells the facts something.
        return;
    }
  }

  /**
   * A channel that ran out of retries is an alert in its own right, one level up: an unreachable person is a risk.
   * The next level's alert has the identity (order, target, level, round), so however many deliveries die, and
   * however often a dead letter is redelivered, it is raised once. At the top there is nobody above: once every
   * delivery there is dead the chain has run out (recorded once, the fallback paged once), and that is the end.
   */
  private async onDeadLettered(
    dead: Extract<DomainEvent, { type: typeof EventTypes.AlertDeadLettered }>,
    message: InboundCloudEvent,
  ): Promise<void> {
    const alert = await this.alerts.find(dead.data.alertId);
    const next = nextStepAfterDeadLetter(alert);
    switch (next.step) {
      case 'escalate':
        await this.raiseFor(message, {
          workOrderId: dead.data.workOrderId,
          kind: 'escalation',
          target: alert.target,
          level: next.level,
          round: alert.round,
          at: new Date(dead.data.deadLetteredAt),
        });
        return;
      case 'exhaust':
        await this.raiser.exhaustChain(alert.alertId, traceOf(message.event));
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

  /**
   * An alert caused by the message's event, in its correlation. The cause's position finds the SLA round of an alert
   * about a target that does not name its round; an urgent order's alert has no target, a dead letter's names its round.
   */
  private async raiseFor(
    { event }: InboundCloudEvent,
    request: Omit<AlertRequest, 'causeEventId' | 'causePosition'>,
  ): Promise<void> {
    await this.raiser.raise({ causeEventId: event.id, causePosition: event.sequence, ...request }, traceOf(event));
  }

  private async closeAlerts({ event }: InboundCloudEvent, reason: CloseReason, onlyTarget?: string): Promise<void> {
    const workOrderId = event.workorderid;
    if (!workOrderId) return;
    const open = await this.alerts.openAlertsOf(workOrderId);
    // A new urgent order's alert has no target of its own: the order being acknowledged (response met) answers it.
    const answered = (target: string | null) =>
      onlyTarget === undefined || target === onlyTarget || (target === null && onlyTarget === 'response');
    for (const { alertId } of open.filter((a) => answered(a.target))) {
      await this.alerts.withAlertLock(alertId, () =>
        this.alerts.execute(
          alertId,
          workOrderId,
          { type: 'CloseAlert', reason, at: this.clock.now() },
          { ...traceOf(event), actor: { kind: 'system', id: 'notification' } },
        ),
      );
    }
  }
}
