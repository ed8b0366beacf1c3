import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AlertChannel } from '@closeloop/contracts';
import {
  AlertState,
  ChainFallback,
  deliveryKeysOf,
  RaiseAlert,
  TOP_LEVEL,
  whoIsOnCall,
} from '@closeloop/notification-domain';
import { Clock } from '@closeloop/runtime';
import { Destination } from '../channels/alert-channel.port';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { ContactsRepository } from '../on-call/contacts.repository';
import { OnCallRepository } from '../on-call/on-call.repository';
import { AlertDeliveriesRepository, QueuedDelivery } from './alert-deliveries.repository';
import { AlertContextIds, alertIdFor, AlertService } from './alert.service';
import { AlertDigestRepository, StormBatch } from './alert-digest.repository';
import { dueAtOf, OrderFacts } from './order-facts';
import { OrderFactsRepository } from './order-facts.repository';
import { slaRoundOf, snapshotOf } from './order-snapshot';

type Level = 1 | 2 | 3;

/**
 * An alert to raise, as its cause asks for it: the RaiseAlert command's fields the cause knows. The raiser works out
 * the rest (id, site, recipients) and, without a round, takes the round the order's facts had at the cause's position.
 */
export interface AlertRequest extends Readonly<
  Pick<RaiseAlert, 'causeEventId' | 'workOrderId' | 'kind' | 'target' | 'dueAt' | 'round'>
> {
  readonly level?: Level | undefined;
  /** The cause's position in the store's log (its CloudEvent `sequence`). */
  readonly causePosition?: string | undefined;
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

/** The recipient id of a site's configured fallback contact. */
export const fallbackOf = (siteId: string): string => `fallback:${siteId}`;

/**
 * Turns an escalation, a warning or a new urgent order into an alert addressed to the right people, and queues one
 * delivery per person and channel. The alert's id is its identity (order, target, level, SLA round), so raising it
 * again for any cause finds the first alert; queueing is idempotent by (alert, person, channel), so a redelivered
 * event or a crash between the two steps never pages anyone twice. During a storm at the site the deliveries are
 * held for a digest instead (ADR 12).
 */
@Injectable()
export class AlertRaiser {
  private readonly logger = new Logger('alerts');

  constructor(
    private readonly alerts: AlertService,
    private readonly facts: OrderFactsRepository,
    private readonly schedules: OnCallRepository,
    private readonly contacts: ContactsRepository,
    private readonly digests: AlertDigestRepository,
    private readonly deliveries: AlertDeliveriesRepository,
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    private readonly clock: Clock,
  ) {}

  /** Raises one alert and queues its deliveries. */
  async raise(request: AlertRequest, ids: Omit<AlertContextIds, 'actor'>): Promise<string | undefined> {
    const raising = await this.prepare(
      request,
      ids,
      await this.facts.find(request.workOrderId),
      new Lookups(this.schedules, this.contacts),
    );
    if (!raising) return undefined;
    const { alertId, recipients } = raising;
    const outcome = await this.alerts.withAlertLock(alertId, () =>
      this.alerts.execute(alertId, request.workOrderId, raising.command, raising.ids),
    );
    const state = outcome.state;
    if (state.status === 'none') return undefined;
    await this.alerts.project(state);
    if (state.status !== 'open') return alertId;
    // Queued from the alert as first raised (a later raise of the same identity does not re-address it).
    const raisedWith = outcome.events.length > 0 ? recipients : await this.destinationsOf(state);
    await this.queueDeliveries(state, alertId, raisedWith, true);
    await this.exhaustIfNobodyAtTheTop(state, ids);
    return alertId;
  }

  /**
   * Raises many alerts at once (a consumer's batch; ADR 45): their orders' facts read in one statement, the people on call and their channels looked up once per site and person, every new alert decided and
   * appended in one multi-stream append, their rows written in one statement, the site's storm decided once per
   * site, and their deliveries queued in one statement. An alert raised before (a redelivery), one raised twice in
   * the batch, or one whose append failed goes through `raise` on its own afterwards, which is idempotent.
   */
  async raiseMany(requests: readonly { request: AlertRequest; ids: Omit<AlertContextIds, 'actor'> }[]): Promise<void> {
    const facts = await this.facts.findMany(requests.map((r) => r.request.workOrderId));
    const lookups = new Lookups(this.schedules, this.contacts);
    const prepared: Raising[] = [];
    const alone: (typeof requests)[number][] = [];
    for (const item of requests) {
      const raising = await this.prepare(item.request, item.ids, facts.get(item.request.workOrderId), lookups);
      if (!raising) continue;
      if (prepared.some((p) => p.alertId === raising.alertId)) alone.push(item);
      else prepared.push({ ...raising, item });
    }
    const outcomes = await this.alerts.executeMany(
      prepared.map((p) => ({
        alertId: p.alertId,
        workOrderId: p.item.request.workOrderId,
        command: p.command,
        ids: p.ids,
      })),
    );
    const raised: {
      state: Extract<AlertState, { status: 'open' }>;
      recipients: readonly Recipient[];
      ids: Omit<AlertContextIds, 'actor'>;
    }[] = [];
    outcomes.forEach((outcome, i) => {
      const raising = prepared[i] as (typeof prepared)[number];
      if ('result' in outcome && outcome.result.events.length > 0 && outcome.result.state.status === 'open')
        raised.push({ state: outcome.result.state, recipients: raising.recipients, ids: raising.item.ids });
      else alone.push(raising.item);
    });
    await this.alerts.projectMany(
      raised.map((r) => r.state),
      true,
    );
    await this.queueRaisedDeliveries(raised);
    for (const { state, ids } of raised) await this.exhaustIfNobodyAtTheTop(state, ids);
    for (const { request, ids } of alone) await this.raise(request, ids);
  }

  /** The RaiseAlert command for a request, or undefined (logged) when the order is not known. */
  private async prepare(
    request: AlertRequest,
    ids: Omit<AlertContextIds, 'actor'>,
    facts: OrderFacts | undefined,
    lookups: Lookups,
  ): Promise<Omit<Raising, 'item'> | undefined> {
    const order = facts && snapshotOf(facts);
    if (!facts || !order) {
      this.logger.warn(
        `no work order ${request.workOrderId} for the ${request.kind} alert caused by ${request.causeEventId}`,
      );
      return undefined;
    }
    const round = request.round ?? (request.target ? slaRoundOf(facts, request.target, request.causePosition) : 0);
    const level = request.kind === 'warning' ? 0 : (request.level ?? 1);
    const alertId = alertIdFor({ workOrderId: request.workOrderId, target: request.target, level, round });
    const dueAt = request.dueAt ?? (request.target ? dueAtOf(facts, request.target) : undefined);
    const recipients = await this.recipientsFor(request, order.siteId, order.owner?.staffId, lookups);
    const command: RaiseAlert = {
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
      round,
      raisedAt: this.clock.now().toISOString(),
    };
    return { alertId, recipients, command, ids: { ...ids, actor: { kind: 'system', id: 'notification' } } };
  }

  /** A top-level alert nobody can be paged on (no channel on file anywhere) has run out before it started. */
  private async exhaustIfNobodyAtTheTop(
    state: Extract<AlertState, { status: 'open' }>,
    ids: Omit<AlertContextIds, 'actor'>,
  ): Promise<void> {
    if ((state.level ?? 1) >= TOP_LEVEL && deliveryKeysOf(state).length === 0)
      await this.exhaustChain(state.alertId, ids);
  }

  /**
   * The chain ran out at this alert: record it once and page the site's fallback contact once on each of their
   * channels. Who that is: the contact set for the site (`PUT /v1/on-call/contacts/sites/{siteId}/fallback`), else
   * the site's level-1 on-call person (the site supervisor on call) at this instant on their own channels (or the
   * site's), else the site's dispatcher queue on the site's channels.
   */
  async exhaustChain(alertId: string, ids: Omit<AlertContextIds, 'actor'>): Promise<void> {
    const current = await this.alerts.find(alertId);
    if (current.status !== 'open') return;
    const chosen = current.exhausted ? undefined : await this.fallbackFor(current.siteId);
    const outcome = chosen
      ? await this.alerts.withAlertLock(alertId, () =>
          this.alerts.execute(
            alertId,
            current.workOrderId,
            { type: 'ExhaustChain', fallback: chosen.fallback, at: this.clock.now() },
            { ...ids, actor: { kind: 'system', id: 'notification' } },
          ),
        )
      : { state: current, events: [] };
    const state = outcome.state;
    if (state.status !== 'open' || !state.exhausted) return;
    const { fallback } = state.exhausted;
    if (outcome.events.length > 0)
      this.logger.warn(
        `alert ${alertId}: nobody at the top of the chain could be paged; paging the fallback ${fallback.staffId} of site ${state.siteId}`,
      );
    // Asked again (a redelivery, the fallback's own dead letter), the pages of the fallback recorded are queued
    // again: idempotent per (alert, person, channel), and what a crash between the event and the queue left out.
    const destinations =
      outcome.events.length > 0 && chosen
        ? chosen.destinations
        : await this.destinationsOfFallback(fallback, state.siteId);
    await this.queueDeliveries(
      state,
      alertId,
      [{ staffId: fallback.staffId, destinations: destinations.filter((d) => fallback.channels.includes(d.channel)) }],
      false,
    );
  }

  private async destinationsOfFallback(fallback: ChainFallback, siteId: string): Promise<Destination[]> {
    const destinations =
      fallback.source === 'site-fallback'
        ? await this.contacts.fallbackOf(siteId)
        : await this.contacts.destinationsFor(fallback.staffId, siteId);
    return firstPerChannel(destinations ?? []);
  }

  private async fallbackFor(siteId: string): Promise<{ fallback: ChainFallback; destinations: Destination[] }> {
    const configured = await this.contacts.fallbackOf(siteId);
    if (configured && configured.length > 0) {
      return {
        fallback: { staffId: fallbackOf(siteId), source: 'site-fallback', channels: channelsOf(configured) },
        destinations: firstPerChannel(configured),
      };
    }
    const shift = whoIsOnCall(await this.schedules.scheduleOf(siteId), siteId, 1, this.clock.now());
    const staffId = shift ? shift.staffId : dispatcherOf(siteId);
    const destinations = firstPerChannel(await this.contacts.destinationsFor(staffId, siteId));
    return {
      fallback: { staffId, source: shift ? 'on-call-level-1' : 'dispatcher', channels: channelsOf(destinations) },
      destinations,
    };
  }

  private async destinationsOf(state: Extract<AlertState, { status: 'open' }>): Promise<Recipient[]> {
    return Promise.all(
      state.recipients.map(async (r) => ({
        staffId: r.staffId,
        role: r.role,
        destinations: (await this.contacts.destinationsFor(r.staffId, state.siteId)).filter((d) =>
          r.channels.includes(d.channel),
        ),
      })),
    );
  }

  private async recipientsFor(
    request: AlertRequest,
    siteId: string,
    ownerId: string | undefined,
    lookups: Lookups,
  ): Promise<Recipient[]> {
    const withDestinations = async (staffId: string, role: Recipient['role']): Promise<Recipient> => ({
      staffId,
      role,
      destinations: await lookups.destinationsFor(staffId, siteId),
    });
    if (request.kind === 'warning') {
      return [
        await (ownerId ? withDestinations(ownerId, 'owner') : withDestinations(dispatcherOf(siteId), 'dispatcher')),
      ];
    }
    const level = request.level ?? 1;
    const shift = whoIsOnCall(await lookups.scheduleOf(siteId), siteId, level, request.at);
    if (!shift) {
      this.logger.warn(
        `nobody is on call for site ${siteId} at level ${level}: the ${request.kind} alert goes to the dispatcher queue`,
      );
      return [await withDestinations(dispatcherOf(siteId), 'dispatcher')];
    }
    return [await withDestinations(shift.staffId, 'on-call')];
  }

  /**
   * One delivery per person and channel, or, while the site is in a storm, the alert listed in each person's
   * digest for the window (ADR 12). Raised alerts count towards the storm; a fallback page does not.
   */
  private async queueDeliveries(
    state: Extract<AlertState, { status: 'open' }>,
    alertId: string,
    recipients: readonly Pick<Recipient, 'staffId' | 'destinations'>[],
    counted: boolean,
  ): Promise<void> {
    const siteId = state.siteId;
    const memberKey = counted ? alertId : `${alertId}:fallback`;
    const batch = await this.alerts.withSiteStormLock(siteId, () =>
      this.digests.decide(
        memberKey,
        siteId,
        counted,
        this.config.ALERT_STORM_THRESHOLD,
        this.config.ALERT_STORM_WINDOW_SECONDS,
      ),
    );
    await this.deliveries.queueMany(await this.holdOrPage(state, recipients, batch));
  }

  /**
   * queueDeliveries for alerts just raised: the storm decided once per site for all of them (in the order they
   * came, as one by one), the held ones listed in their digests, and the rest queued in one statement.
   */
  private async queueRaisedDeliveries(
    raised: readonly { state: Extract<AlertState, { status: 'open' }>; recipients: readonly Recipient[] }[],
  ): Promise<void> {
    const sites = [...new Set(raised.map((r) => r.state.siteId))];
    const decided = new Map<string, StormBatch | undefined>();
    for (const siteId of sites) {
      const keys = raised.filter((r) => r.state.siteId === siteId).map((r) => r.state.alertId);
      const batches = await this.alerts.withSiteStormLock(siteId, () =>
        this.digests.decideMany(
          keys,
          siteId,
          this.config.ALERT_STORM_THRESHOLD,
          this.config.ALERT_STORM_WINDOW_SECONDS,
        ),
      );
      for (const [key, batch] of batches) decided.set(key, batch);
    }
    const queued: QueuedDelivery[] = [];
    for (const { state, recipients } of raised)
      queued.push(...(await this.holdOrPage(state, recipients, decided.get(state.alertId))));
    await this.deliveries.queueMany(queued);
  }

  /** Lists each person's channels in the storm's digest, or answers them as deliveries to queue. */
  private async holdOrPage(
    state: Extract<AlertState, { status: 'open' }>,
    recipients: readonly Pick<Recipient, 'staffId' | 'destinations'>[],
    batch: StormBatch | undefined,
  ): Promise<QueuedDelivery[]> {
    const { siteId, alertId } = state;
    const queued: QueuedDelivery[] = [];
    for (const recipient of recipients) {
      if (recipient.destinations.length === 0) {
        this.logger.warn(
          `alert ${alertId}: ${recipient.staffId} has no channel and site ${siteId} none either; nobody can be paged`,
        );
      }
      for (const destination of firstPerChannel(recipient.destinations)) {
        if (
          batch &&
          (await this.digests.hold(
            batch,
            siteId,
            this.config.ALERT_STORM_WINDOW_SECONDS,
            recipient.staffId,
            destination,
            alertId,
            state.workOrderId,
            randomUUID(),
          ))
        )
          continue;
        queued.push({ alertId, staffId: recipient.staffId, destination });
      }
    }
    return queued;
  }
}

/** A raise decided and ready to append, with the request it came from. */
interface Raising {
  readonly alertId: string;
  readonly recipients: readonly Recipient[];
  readonly command: RaiseAlert;
  readonly ids: AlertContextIds;
  readonly item: { request: AlertRequest; ids: Omit<AlertContextIds, 'actor'> };
}

/** Who is on call at a site and where a person is paged, each looked up once per raise or batch of raises. */
class Lookups {
  private readonly schedules = new Map<string, ReturnType<OnCallRepository['scheduleOf']>>();
  private readonly destinations = new Map<string, Promise<Destination[]>>();

  constructor(
    private readonly onCall: OnCallRepository,
    private readonly contacts: ContactsRepository,
  ) {}

  scheduleOf(siteId: string): ReturnType<OnCallRepository['scheduleOf']> {
    let found = this.schedules.get(siteId);
    if (!found) this.schedules.set(siteId, (found = this.onCall.scheduleOf(siteId)));
    return found;
  }

  destinationsFor(staffId: string, siteId: string): Promise<Destination[]> {
    const key = JSON.stringify([staffId, siteId]);
    let found = this.destinations.get(key);
    if (!found) this.destinations.set(key, (found = this.contacts.destinationsFor(staffId, siteId)));
    return found;
  }
}

const firstPerChannel = (destinations: readonly Destination[]): Destination[] => {
  const seen = new Set<AlertChannel>();
  return destinations.filter((d) => !seen.has(d.channel) && (seen.add(d.channel), true));
};

const channelsOf = (destinations: readonly Destination[]): AlertChannel[] =>
  firstPerChannel(destinations).map((d) => d.channel);
