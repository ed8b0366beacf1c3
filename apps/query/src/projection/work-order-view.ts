import { DomainEvent, EventTypes } from '@closeloop/contracts';

/** One row of q_work_orders: what a supervisor sees of an order now. */
export interface WorkOrderView {
  workOrderId: string;
  number: string;
  siteId: string;
  building: string | null;
  unit: string | null;
  channel: string;
  category: string | null;
  description: string;
  reporterName: string | null;
  reporterPhone: string | null;
  tier: string | null;
  triageRuleId: string | null;
  triageReason: string | null;
  status: 'reported' | 'triaged' | 'awaiting-dispatch' | 'assigned';
  ownerId: string | null;
  ownerName: string | null;
  teamId: string | null;
  dispatchQueueId: string | null;
  reportedAt: string;
  assignedAt: string | null;
  responseDueAt: string | null;
  resolutionDueAt: string | null;
  updatedAt: string;
}

export interface TimelineEntry {
  readonly event: DomainEvent;
  readonly occurredAt: string;
}

/**
 * The order as its timeline tells it, folded in store order. Events before the report (which cannot happen in
 * store order, but can on a topic replayed from the middle) are kept until the report arrives.
 */
export const foldWorkOrderView = (timeline: readonly TimelineEntry[]): WorkOrderView | undefined => {
  const reported = timeline.find((e) => e.event.type === EventTypes.WorkOrderReported);
  if (!reported || reported.event.type !== EventTypes.WorkOrderReported) return undefined;
  const r = reported.event.data;
  let view: WorkOrderView = {
    workOrderId: r.workOrderId,
    number: r.number,
    siteId: r.siteId,
    building: r.building ?? null,
    unit: r.unit ?? null,
    channel: r.channel,
    category: r.category ?? null,
    description: r.description,
    reporterName: r.reporter.name ?? null,
    reporterPhone: r.reporter.phone ?? null,
    tier: null,
    triageRuleId: null,
    triageReason: null,
    status: 'reported',
    ownerId: null,
    ownerName: null,
    teamId: null,
    dispatchQueueId: null,
    reportedAt: r.reportedAt,
    assignedAt: null,
    responseDueAt: null,
    resolutionDueAt: null,
    updatedAt: reported.occurredAt,
  };
  for (const { event, occurredAt } of timeline) {
    view = { ...apply(view, event), updatedAt: occurredAt > view.updatedAt ? occurredAt : view.updatedAt };
  }
  return view;
};

const apply = (view: WorkOrderView, event: DomainEvent): WorkOrderView => {
  switch (event.type) {
    case EventTypes.WorkOrderReported:
      return view;
    case EventTypes.WorkOrderTriaged: {
      const d = event.data;
      return { ...view, tier: d.tier, category: d.category, triageRuleId: d.ruleId, triageReason: d.reason, status: view.status === 'reported' ? 'triaged' : view.status };
    }
    case EventTypes.WorkOrderAssigned: {
      const d = event.data;
      return { ...view, ownerId: d.owner.staffId, ownerName: d.owner.name, teamId: d.teamId, assignedAt: d.assignedAt, dispatchQueueId: null, status: 'assigned' };
    }
    case EventTypes.WorkOrderQueuedForDispatch:
      return view.status === 'assigned' ? view : { ...view, dispatchQueueId: event.data.queueId, status: 'awaiting-dispatch' };
    case EventTypes.SlaTargetsSet:
      return { ...view, responseDueAt: event.data.responseDueAt, resolutionDueAt: event.data.resolutionDueAt };
    default: {
      const unhandled: never = event;
      throw new Error(`the work-order view has no case for ${JSON.stringify(unhandled)}`);
    }
  }
};
