import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, SlaEvent, SlaTarget, toDomainEvents, WorkOrderEvent } from '@closeloop/contracts';
import { evolveSla, initialSlaState, slaStream } from '@closeloop/sla-domain';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { foldWorkOrder, workOrderStream } from '@closeloop/work-order-domain';

export interface OrderSnapshot {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly unit?: string | undefined;
  readonly category?: string | undefined;
  readonly tier?: string | undefined;
  readonly description: string;
  readonly reporterPhone?: string | undefined;
  readonly owner?: { readonly staffId: string; readonly name: string } | undefined;
  readonly status: string;
  readonly recentEvents: readonly { readonly type: string; readonly at: string }[];
}

const shortType = (type: string): string => type.replace(/^closeloop\.[a-z]+\./, '').replace(/\.v\d+$/, '');

/** What an alert says about its order, read from the order's own stream when the alert is raised or sent. */
@Injectable()
export class OrderSnapshots {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async of(workOrderId: string): Promise<OrderSnapshot | undefined> {
    const recorded = await this.store.readStream(workOrderStream(workOrderId));
    if (recorded.length === 0) return undefined;
    const history = toDomainEvents(recorded) as WorkOrderEvent[];
    const state = foldWorkOrder(history);
    const reported = history.find((e) => e.type === EventTypes.WorkOrderReported);
    if (state.status === 'none' || reported?.type !== EventTypes.WorkOrderReported) return undefined;
    return {
      workOrderId,
      number: state.number,
      siteId: state.siteId,
      building: state.building,
      unit: reported.data.unit,
      category: state.category,
      tier: state.tier,
      description: reported.data.description,
      reporterPhone: reported.data.reporter.phone,
      owner: state.owner,
      status: state.status,
      recentEvents: recorded.slice(-5).map((e) => ({ type: shortType(e.type), at: e.recordedAt.toISOString() })),
    };
  }
}

/** The deadline of an order's target as its SLA clocks have it now (after pauses and recomputations). */
export const slaDueAtOf = async (store: EventStore, workOrderId: string, target: SlaTarget): Promise<string | undefined> => {
  const state = (toDomainEvents(await store.readStream(slaStream(workOrderId))) as SlaEvent[]).reduce(evolveSla({ warningFraction: 0.8 }), initialSlaState());
  return state.status === 'running' ? state[target].dueAt : undefined;
};
