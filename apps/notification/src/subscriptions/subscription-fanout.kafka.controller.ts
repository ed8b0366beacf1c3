import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { IntegratorKeyStore } from '@closeloop/auth';
import { EventTypes } from '@closeloop/contracts';
import { ANY_EVENT_TYPE, BatchedCloudEvent, ConsumerTransaction } from '@closeloop/messaging';
import { Clock, PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { OrderFactsRepository } from '../alerts/order-facts.repository';
import { subscriptionWants, WORK_ORDER_EVENT_TYPES } from './subscription-scope';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';

/**
 * Queues a webhook delivery for every subscription that wants a work-order event from workorders.events (docs/adr/0030).
 * The event's site: a report names it; for any later event of the order, notification's own facts know it, recorded
 * from the report, which came before on the same partition and was handled before this message was. The
 * integrator's current scope is asked each time, so narrowing a key's sites stops deliveries at once. Queuing is
 * idempotent (one delivery per subscription and event), so a redelivered message queues nothing twice.
 */
@Controller()
export class SubscriptionFanoutKafkaController {
  private readonly integrators: IntegratorKeyStore;

  constructor(
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly facts: OrderFactsRepository,
    @Inject(PG_POOL) pool: Pool,
    clock: Clock,
  ) {
    this.integrators = new IntegratorKeyStore(pool, () => clock.now());
  }

  // Chained after AlertTriggersKafkaController's handler of every type, so it runs in that handler's batches (ADR 45):
  // an order's facts are read through the batch's facts, which its earlier records may have changed (ADR 48).
  @EventPattern(ANY_EVENT_TYPE)
  async onEvent({ event, transaction }: BatchedCloudEvent): Promise<void> {
    if (!WORK_ORDER_EVENT_TYPES.includes(event.type) || !event.workorderid) return;
    const siteId = await this.siteOf(event.type, event.data, event.workorderid, transaction);
    if (!siteId) return;
    const candidates = await this.subscriptions.matching(siteId, event.type);
    if (candidates.length === 0) return;
    const scopes = new Map<string, readonly string[]>();
    const wanted: string[] = [];
    for (const subscription of candidates) {
      if (!scopes.has(subscription.integratorId)) {
        const scope = await this.integrators.findIntegrator(subscription.integratorId);
        scopes.set(subscription.integratorId, scope?.sites ?? []);
      }
      if (subscriptionWants(subscription, scopes.get(subscription.integratorId) ?? [], siteId, event.type))
        wanted.push(subscription.subscriptionId);
    }
    await this.subscriptions.queue(wanted, event);
  }

  private async siteOf(
    type: string,
    data: unknown,
    workOrderId: string,
    transaction: ConsumerTransaction | undefined,
  ): Promise<string | undefined> {
    if (type === EventTypes.WorkOrderReported) return (data as { siteId?: string }).siteId;
    const facts = transaction ? this.facts.inBatch(transaction) : this.facts;
    return (await facts.find(workOrderId))?.siteId ?? undefined;
  }
}
