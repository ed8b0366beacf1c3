import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertChannel, SlaTarget } from '@closeloop/contracts';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { whoIsOnCall } from '@closeloop/notification-domain';
import { CLOCK, Clock, PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { Destination } from '../channels/alert-channel.port';
import { ContactsRepository } from '../on-call/contacts.repository';
import { OnCallRepository } from '../on-call/on-call.repository';
import { AlertContextIds, alertIdFor, AlertService } from './alert.service';
import { OrderSnapshots, slaDueAtOf } from './order-snapshot';

type Level = 1 | 2 | 3;

export interface AlertRequest {
  readonly causeEventId: string;
  readonly workOrderId: string;
  readonly kind: 'escalation' | 'warning' | 'urgent-order';
  readonly target?: SlaTarget | undefined;
  readonly level?: Level | undefined;
  readonly dueAt?: string | undefined;
  /** When the cause happened: who is on call is judged at this instant, so a late redelivery pages the same person. */
  readonly at: Date;
}

interface Recipient {
  readonly staffId: string;
  readonly role: 'on-call' | 'owner' | 'dispatcher';
  readonly destinations: readonly Destination[];
}

/** The site's dispatcher queue stands in when nobody is on call or the order has no owner yet: never silence. */
export const dispatcherOf = (siteId: string): string => `dispatch:${siteId}`;

/**
 * Turns an escalation, a warning or a new urgent order into an alert addressed to the right people, and queues one
 * delivery per person and channel. Raising twice for one cause finds the first alert; queueing is idempotent by
 * (alert, person, channel), so a redelivered event or a crash between the two steps never pages anyone twice.
 */
@Injectable()
export class AlertRaiser {
  private readonly logger = new Logger('alerts');

  constructor(
    private readonly alerts: AlertService,
    private readonly orders: OrderSnapshots,
    private readonly schedules: OnCallRepository,
    private readonly contacts: ContactsRepository,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async raise(request: AlertRequest, ids: Omit<AlertContextIds, 'actor'>): Promise<string | undefined> {
    const order = await this.orders.of(request.workOrderId);
    if (!order) {
      this.logger.warn(`no work order ${request.workOrderId} for the ${request.kind} alert caused by ${request.causeEventId}`);
      return undefined;
    }
    const alertId = alertIdFor(request.causeEventId);
    const dueAt = request.dueAt ?? (request.target ? await slaDueAtOf(this.store, request.workOrderId, request.target) : undefined);
    const recipients = await this.recipientsFor(request, order.siteId, order.owner?.staffId);
    const outcome = await this.alerts.withAlertLock(alertId, () =>
      this.alerts.execute(
        alertId,
        request.workOrderId,
        {
          type: 'RaiseAlert',
          alertId,
          workOrderId: request.workOrderId,
          kind: request.kind,
          siteId: order.siteId,
          target: request.target,
          level: request.level,
          dueAt,
          recipients: recipients.map((r) => ({ staffId: r.staffId, role: r.role, channels: channelsOf(r.destinations) })),
          causeEventId: request.causeEventId,
          raisedAt: this.clock.now().toISOString(),
        },
        { ...ids, actor: { kind: 'system', id: 'notification' } },
      ),
    );
    if (outcome.state.status === 'none') return undefined;
    await this.alerts.project(outcome.state);
    if (outcome.state.status === 'open') await this.queueDeliveries(alertId, order.siteId, recipients);
    return alertId;
  }

  private async recipientsFor(request: AlertRequest, siteId: string, ownerId: string | undefined): Promise<Recipient[]> {
    const withDestinations = async (staffId: string, role: Recipient['role']): Promise<Recipient> => ({
      staffId,
      role,
      destinations: await this.contacts.destinationsFor(staffId, siteId),
    });
    if (request.kind === 'warning') {
      return [await (ownerId ? withDestinations(ownerId, 'owner') : withDestinations(dispatcherOf(siteId), 'dispatcher'))];
    }
    const level = request.level ?? 1;
    const shift = whoIsOnCall(await this.schedules.scheduleOf(siteId), siteId, level, request.at);
    if (!shift) {
      this.logger.warn(`nobody is on call for site ${siteId} at level ${level}: the ${request.kind} alert goes to the dispatcher queue`);
      return [await withDestinations(dispatcherOf(siteId), 'dispatcher')];
    }
    return [await withDestinations(shift.staffId, 'on-call')];
  }

  private async queueDeliveries(alertId: string, siteId: string, recipients: readonly Recipient[]): Promise<void> {
    for (const recipient of recipients) {
      if (recipient.destinations.length === 0) {
        this.logger.warn(`alert ${alertId}: ${recipient.staffId} has no channel and site ${siteId} none either; nobody can be paged`);
      }
      for (const destination of firstPerChannel(recipient.destinations)) {
        await this.pool.query(
          `INSERT INTO alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at)
           VALUES ($1, $2, $3, $4, 'pending', now()) ON CONFLICT DO NOTHING`,
          [alertId, recipient.staffId, destination.channel, JSON.stringify(destination)],
        );
      }
    }
  }
}

const firstPerChannel = (destinations: readonly Destination[]): Destination[] => {
  const seen = new Set<AlertChannel>();
  return destinations.filter((d) => !seen.has(d.channel) && (seen.add(d.channel), true));
};

const channelsOf = (destinations: readonly Destination[]): AlertChannel[] => firstPerChannel(destinations).map((d) => d.channel);
