import { DomainEvent, EventTypes, SlaTarget, slaEvents, workOrderEvents } from '@closeloop/contracts';

/** How many of the order's latest events an alert lists. */
export const RECENT_EVENTS_KEPT = 5;

export interface RecentEvent {
  readonly type: string;
  readonly at: string;
}

/** A restart of the resolution clock (a reopen): the round it began and where in the log it was recorded. */
export interface ResolutionRound {
  readonly round: number;
  readonly position: string;
}

/**
 * What notification knows of one work order, learnt from the events on workorders.events (ADR 19): enough to say
 * in an alert what the order is, who owns it and what happened lately, and when its SLA targets are due now. The
 * report's fields are null until the report has arrived.
 */
export interface OrderFacts {
  readonly workOrderId: string;
  readonly number: string | null;
  readonly siteId: string | null;
  readonly building: string | null;
  readonly unit: string | null;
  readonly category: string | null;
  readonly tier: string | null;
  readonly description: string | null;
  readonly reporterPhone: string | null;
  /** The channel the report came by, and the reporter's WeChat openid: how the resident is told of its steps. */
  readonly reportChannel: string | null;
  readonly reporterWechatOpenId: string | null;
  readonly owner: { readonly staffId: string; readonly name: string } | null;
  /** The order's lifecycle status, as the work-order decider names it. */
  readonly status: string | null;
  readonly recentEvents: readonly RecentEvent[];
  /** The SLA clocks: not started yet, running (met or breached targets keep their deadline), or stopped. */
  readonly sla: 'not-started' | 'running' | 'stopped';
  readonly responseDueAt: string | null;
  readonly resolutionDueAt: string | null;
  readonly resolutionRounds: readonly ResolutionRound[];
  /** Log position of the last event applied from the order's work-order stream, and from its SLA stream. */
  readonly workOrderPosition: string;
  readonly slaPosition: string;
}

export const noFactsYet = (workOrderId: string): OrderFacts => ({
  workOrderId,
  number: null,
  siteId: null,
  building: null,
  unit: null,
  category: null,
  tier: null,
  description: null,
  reporterPhone: null,
  reportChannel: null,
  reporterWechatOpenId: null,
  owner: null,
  status: null,
  recentEvents: [],
  sla: 'not-started',
  responseDueAt: null,
  resolutionDueAt: null,
  resolutionRounds: [],
  workOrderPosition: '0',
  slaPosition: '0',
});

/** One published event as the facts take it: the domain event, its log position and when it was recorded. */
export interface FactSource {
  readonly event: DomainEvent;
  readonly position: string;
  readonly recordedAt: string;
}

const shortType = (type: string): string => type.replace(/^closeloop\.[a-z]+\./, '').replace(/\.v\d+$/, '');

/**
 * The facts after one event. Each stream's events are applied in log order once: an event at or below the position
 * already applied from its stream is a redelivery (or a relay publishing a batch again) and changes nothing, so
 * applying the same events again, in any interleaving the topic allows, gives the same facts.
 */
export const evolveOrderFacts = (facts: OrderFacts, { event, position, recordedAt }: FactSource): OrderFacts => {
  const stream = streamOf(event);
  if (stream === 'other') return facts;
  const applied = stream === 'work-order' ? facts.workOrderPosition : facts.slaPosition;
  if (BigInt(position) <= BigInt(applied)) return facts;
  if (stream === 'sla') return { ...applySla(facts, event, position), slaPosition: position };
  const recentEvents = [...facts.recentEvents, { type: shortType(event.type), at: recordedAt }].slice(
    -RECENT_EVENTS_KEPT,
  );
  return { ...applyWorkOrder(facts, event), recentEvents, workOrderPosition: position };
};

/** Whether the event belongs to the order's work-order or SLA stream, the two the facts are kept from. */
export const isOrderFact = (event: DomainEvent): boolean => streamOf(event) !== 'other';

/** The deadline of a target as the order's SLA clocks have it now (after pauses and recomputations). */
export const dueAtOf = (facts: OrderFacts, target: SlaTarget): string | undefined =>
  facts.sla !== 'running'
    ? undefined
    : ((target === 'response' ? facts.responseDueAt : facts.resolutionDueAt) ?? undefined);

/** The round of the resolution clock an SLA event at this log position belongs to: reopens recorded up to it. */
export const resolutionRoundAt = (facts: OrderFacts, position: string | undefined): number =>
  facts.resolutionRounds
    .filter((r) => position === undefined || BigInt(r.position) <= BigInt(position))
    .reduce((round, r) => Math.max(round, r.round), 0);

/** Which of the order's streams an event comes from, as the contracts' registries of each stream say. */
const streamOf = (event: DomainEvent): 'work-order' | 'sla' | 'other' => {
  if (Object.hasOwn(workOrderEvents.dataSchemas, event.type)) return 'work-order';
  return Object.hasOwn(slaEvents.dataSchemas, event.type) ? 'sla' : 'other';
};

// ── The work-order stream: the statuses and owner the work-order decider folds (libs/work-order-domain) ─────────

const applyWorkOrder = (facts: OrderFacts, event: DomainEvent): OrderFacts => {
  if (event.type === EventTypes.WorkOrderReported) {
    if (facts.status !== null) return facts;
    const d = event.data;
    return {
      ...facts,
      number: d.number,
      siteId: d.siteId,
      building: d.building ?? null,
      unit: d.unit ?? null,
      category: d.category ?? null,
      description: d.description,
      reporterPhone: d.reporter.phone ?? null,
      reportChannel: d.channel,
      reporterWechatOpenId: d.reporter.wechatOpenId ?? null,
      status: 'reported',
    };
  }
  // Before its report nothing about the order can be told: the decider ignores such events too.
  if (facts.status === null) return facts;
  switch (event.type) {
    case EventTypes.WorkOrderTriaged:
      return facts.status === 'reported'
        ? { ...facts, status: 'triaged', tier: event.data.tier, category: event.data.category }
        : facts;
    case EventTypes.WorkOrderQueuedForDispatch:
      return { ...facts, status: 'awaiting-dispatch' };
    case EventTypes.WorkOrderAssigned:
      return { ...facts, status: 'assigned', owner: event.data.owner };
    case EventTypes.WorkOrderAcknowledged:
      return { ...facts, status: 'acknowledged', owner: event.data.becameOwner ? event.data.by : facts.owner };
    case EventTypes.WorkStarted:
    case EventTypes.WorkOrderResumed:
      return { ...facts, status: 'in-progress' };
    case EventTypes.WorkOrderPutOnHold:
      return { ...facts, status: 'on-hold' };
    case EventTypes.WorkOrderResolved:
      return { ...facts, status: 'resolved' };
    case EventTypes.TechnicianReassigned:
    case EventTypes.WorkOrderReopened:
      return { ...facts, status: 'assigned' };
    case EventTypes.OwnershipHandedOver:
      return { ...facts, owner: event.data.to };
    case EventTypes.WorkOrderCancelled:
      return { ...facts, status: 'cancelled' };
    case EventTypes.WorkOrderClosed:
      return { ...facts, status: 'closed' };
    default:
      return facts;
  }
};

// ── The SLA stream: the deadlines the SLA clock decider folds (libs/sla-domain), without its warning times ─────

const applySla = (facts: OrderFacts, event: DomainEvent, position: string): OrderFacts => {
  if (event.type === EventTypes.SlaTargetsSet) {
    return {
      ...facts,
      sla: 'running',
      responseDueAt: event.data.responseDueAt,
      resolutionDueAt: event.data.resolutionDueAt,
      resolutionRounds: [],
    };
  }
  if (facts.sla !== 'running') return facts;
  switch (event.type) {
    case EventTypes.SlaClockResumed:
      return { ...facts, resolutionDueAt: event.data.resolutionDueAt };
    case EventTypes.SlaDeadlinesRecomputed:
      return {
        ...facts,
        responseDueAt: event.data.responseDueAt ?? facts.responseDueAt,
        resolutionDueAt: event.data.resolutionDueAt ?? facts.resolutionDueAt,
      };
    case EventTypes.SlaClockRestarted:
      return {
        ...facts,
        resolutionDueAt: event.data.resolutionDueAt,
        resolutionRounds: [...facts.resolutionRounds, { round: event.data.round, position }],
      };
    case EventTypes.SlaClockStopped:
      return { ...facts, sla: 'stopped' };
    default:
      return facts;
  }
};
