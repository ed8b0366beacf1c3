import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { AlertClosedData, DomainEvent, EventTypes, isEventType, toDomainEvents } from '@closeloop/contracts';
import {
  ANY_EVENT_TYPE,
  BatchedCloudEvent,
  ConsumerTransaction,
  IN_BATCH_TRANSACTION,
  InboundCloudEvent,
  traceOf,
} from '@closeloop/messaging';
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
 * (the order resolved, closed or cancelled; the target met) close them. Facts first, so an escalation always finds
 * the order it is about; both steps are idempotent, so a redelivery changes nothing.
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

  @EventPattern(ANY_EVENT_TYPE, IN_BATCH_TRANSACTION)
  async onEvent(message: BatchedCloudEvent): Promise<void> {
    const { event, transaction } = message;
    // Types from a newer producer than this service are not guessed at.
    if (!isEventType(event.type)) return;
    const [domainEvent] = toDomainEvents([{ type: event.type, data: event.data }]) as [DomainEvent];
    const batch = transaction && this.batchOf(transaction);
    if (event.workorderid && event.sequence && isOrderFact(domainEvent)) {
      const source = {
        event: domainEvent,
        position: event.sequence,
        recordedAt: event.time ?? this.clock.now().toISOString(),
      };
      if (transaction) this.facts.inBatch(transaction).add(event.workorderid, source);
      else await this.facts.record(event.workorderid, source);
    }
    const raise = raiseRequestOf(domainEvent);
    const reaction = raise ? undefined : this.reactionTo(domainEvent, message);
    // The order's reporter hears of its steps (ADR 27), from the facts brought up to date.
    const notice = () => this.residents.onOrderEvent(domainEvent, message);
    if (batch) {
      if (raise) batch.raiseLater({ request: { ...raise, ...causeOf(message) }, ids: traceOf(event) });
      if (reaction) batch.reactLater(reaction);
      batch.noticeLater(notice);
      return;
    }
    if (raise) await this.raiser.raise({ ...raise, ...causeOf(message) }, traceOf(event));
    await reaction?.();
    await notice();
  }

  /**
   * A batch's work (ADR 36, ADR 45, ADR 48): its facts applied together in its transaction; its alerts and notices
   * after COMMIT, in its records' order, the alerts its records raise raised together.
   */
  private batchOf(transaction: ConsumerTransaction): TriggerBatch {
    return transaction.gather(
      'notification:alert-triggers',
      () => {
        const batch = new TriggerBatch(this.raiser);
        transaction.afterCommit(() => batch.actOnAlerts());
        return batch;
      },
      // Nothing of its own to write before COMMIT: the facts are the order facts' batch's (OrderFactsRepository.inBatch).
      async () => undefined,
    );
  }

  /** What a record does with alerts raised before it (a close finds them, a dead letter raises the next level). */
  private reactionTo(domainEvent: DomainEvent, message: InboundCloudEvent): (() => Promise<void>) | undefined {
    switch (domainEvent.type) {
      case EventTypes.AlertDeadLettered:
        return () => this.onDeadLettered(domainEvent, message);
      case EventTypes.WorkOrderResolved:
        return () => this.closeAlerts(message, 'order-resolved');
      case EventTypes.WorkOrderClosed:
        return () => this.closeAlerts(message, 'order-closed');
      case EventTypes.WorkOrderCancelled:
        return () => this.closeAlerts(message, 'order-cancelled');
      case EventTypes.SlaTargetMet:
        return () => this.closeAlerts(message, 'target-met', domainEvent.data.target);
      default:
        // Every other event only tells the facts something.
        return undefined;
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
        await this.raiser.raise(
          {
            workOrderId: dead.data.workOrderId,
            kind: 'escalation',
            target: alert.target,
            level: next.level,
            round: alert.round,
            at: new Date(dead.data.deadLetteredAt),
            ...causeOf(message),
          },
          traceOf(message.event),
        );
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

/** What an event asks to be raised, without its cause: an escalation, a warning, a new urgent order; else nothing. */
const raiseRequestOf = (domainEvent: DomainEvent): Omit<AlertRequest, 'causeEventId' | 'causePosition'> | undefined => {
  switch (domainEvent.type) {
    case EventTypes.SlaEscalated: {
      const { workOrderId, target, level, escalatedAt } = domainEvent.data;
      return { workOrderId, kind: 'escalation', target, level: level as 1 | 2 | 3, at: new Date(escalatedAt) };
    }
    case EventTypes.SlaWarningRaised: {
      const { workOrderId, target, dueAt, warnedAt } = domainEvent.data;
      return { workOrderId, kind: 'warning', target, dueAt, at: new Date(warnedAt) };
    }
    case EventTypes.WorkOrderTriaged: {
      const { workOrderId, tier, triagedAt } = domainEvent.data;
      return tier === 'urgent' ? { workOrderId, kind: 'urgent-order', level: 1, at: new Date(triagedAt) } : undefined;
    }
    default:
      return undefined;
  }
};

/**
 * An alert is caused by the message's event, in its correlation. The cause's position finds the SLA round of an
 * alert about a target that does not name its round; an urgent order's alert has no target, a dead letter's names
 * its round.
 */
const causeOf = ({ event }: InboundCloudEvent): Pick<AlertRequest, 'causeEventId' | 'causePosition'> => ({
  causeEventId: event.id,
  causePosition: event.sequence,
});

type RaiseItem = Parameters<AlertRaiser['raiseMany']>[0][number];

/**
 * What one consumer batch's records do with alerts and notices, done once it has committed (its facts are written
 * before, OrderFactsRepository.inBatch). Not before: raising, closing and paging wait on other connections (the alerts' rows under
 * the read model's shared lock, the alerts' session locks held by a send or an acknowledgement that writes those
 * rows next), and a transaction holding the read model's lock and its orders' locks while it waits there closes a
 * cycle PostgreSQL cannot see when a rebuild's swap queues for the exclusive lock between them (ADR 45).
 */
class TriggerBatch {
  private readonly steps: ({ raise: RaiseItem } | { react: () => Promise<void> } | { notice: () => Promise<void> })[] =
    [];

  constructor(private readonly raiser: AlertRaiser) {}

  raiseLater(raise: RaiseItem): void {
    this.steps.push({ raise });
  }

  reactLater(react: () => Promise<void>): void {
    this.steps.push({ react });
  }

  noticeLater(notice: () => Promise<void>): void {
    this.steps.push({ notice });
  }

  /**
   * In the records' order, with the alerts raised together up to the next record that does anything else with
   * alerts (a close must find them); notices do not wait for them.
   */
  async actOnAlerts(): Promise<void> {
    let raises: RaiseItem[] = [];
    const raisePending = async () => {
      if (raises.length > 0) await this.raiser.raiseMany(raises);
      raises = [];
    };
    for (const step of this.steps) {
      if ('raise' in step) raises.push(step.raise);
      else if ('react' in step) {
        await raisePending();
        await step.react();
      } else await step.notice();
    }
    await raisePending();
  }
}
