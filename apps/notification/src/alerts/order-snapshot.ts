import { Injectable } from '@nestjs/common';
import { ReportedOrder, SlaTarget } from '@closeloop/contracts';
import { dueAtOf, OrderFacts, resolutionRoundAt } from './order-facts';
import { OrderFactsRepository } from './order-facts.repository';

export interface OrderSnapshot extends ReportedOrder {
  readonly workOrderId: string;
  readonly tier?: string | undefined;
  readonly owner?: { readonly staffId: string; readonly name: string } | undefined;
  readonly status: string;
  readonly recentEvents: readonly { readonly type: string; readonly at: string }[];
}

/**
 * What an alert says about its order, and the order's SLA deadlines, from notification's own facts about it
 * (notification_order_facts, kept from workorders.events; ADR 19): never from another service's streams.
 */
@Injectable()
export class OrderSnapshots {
  constructor(private readonly facts: OrderFactsRepository) {}

  async of(workOrderId: string): Promise<OrderSnapshot | undefined> {
    const facts = await this.facts.find(workOrderId);
    return facts && snapshotOf(facts);
  }

  /** Several orders' snapshots, read in one statement. */
  async ofMany(workOrderIds: readonly string[]): Promise<Map<string, OrderSnapshot>> {
    const snapshots = new Map<string, OrderSnapshot>();
    for (const [id, facts] of await this.facts.findMany(workOrderIds)) {
      const snapshot = snapshotOf(facts);
      if (snapshot) snapshots.set(id, snapshot);
    }
    return snapshots;
  }

  /** The deadline of an order's target as its SLA clocks have it now (after pauses and recomputations). */
  async slaDueAtOf(workOrderId: string, target: SlaTarget): Promise<string | undefined> {
    const facts = await this.facts.find(workOrderId);
    return facts && dueAtOf(facts, target);
  }

  async slaRoundAt(workOrderId: string, target: SlaTarget, causePosition: string | undefined): Promise<number> {
    const facts = await this.facts.find(workOrderId);
    return facts ? slaRoundOf(facts, target, causePosition) : 0;
  }
}

/** What an alert says about its order, from the facts; undefined while they lack what every alert names. */
export const snapshotOf = (facts: OrderFacts): OrderSnapshot | undefined => {
  if (facts.status === null || facts.number === null || facts.siteId === null || facts.description === null)
    return undefined;
  return {
    workOrderId: facts.workOrderId,
    number: facts.number,
    siteId: facts.siteId,
    building: facts.building ?? undefined,
    unit: facts.unit ?? undefined,
    category: facts.category ?? undefined,
    tier: facts.tier ?? undefined,
    description: facts.description,
    reporterPhone: facts.reporterPhone ?? undefined,
    owner: facts.owner ?? undefined,
    status: facts.status,
    recentEvents: facts.recentEvents,
  };
};

/**
 * The round of the target's clock when the cause was recorded (at this log position): restarts (reopens) up to
 * it, for resolution; a redelivered escalation of an earlier round keeps that round's identity.
 */
export const slaRoundOf = (facts: OrderFacts, target: SlaTarget, causePosition: string | undefined): number =>
  target === 'resolution' ? resolutionRoundAt(facts, causePosition) : 0;
