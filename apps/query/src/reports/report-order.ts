import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { placeOf, reportOn, TimelineEntry } from '../projection/work-order-view';

/**
 * What the reports need to know of one order, folded from its timeline: the attributes reports group by, and the
 * instant of every step a figure counts. Instants, not verdicts as of today: a report over any past window asks
 * "had it happened by then?" of the same row (docs/reports.md). Kept as the events wrote it (query_report_facts)
 * for the lines a report quotes; the figures are computed from its numbers (`ReportRow`, report-row.ts).
 */
export interface ReportOrder {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly building: string | null;
  readonly unit: string | null;
  readonly channel: string;
  readonly category: string | null;
  readonly tier: string | null;
  /** The priority lane raised the order's tier at triage (ADR 28). */
  readonly priorityLane: boolean;
  readonly teamId: string | null;
  readonly technician: StaffRef | null;
  readonly owner: StaffRef | null;
  readonly reportedAt: string;
  /** The first acknowledgement: MTTA counts to it (PagerDuty's rule). */
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: readonly string[];
  readonly reopenedAt: readonly string[];
  readonly rejectedAt: readonly string[];
  /** Every close: staff may reopen a closed order within the reopen window, and it closes again. */
  readonly closes: readonly OrderClose[];
  readonly cancelled: { readonly at: string; readonly reason: string } | null;
  /** Each target's verdict as the SLA clock gave it (paused time already left out of its deadline), one per round. */
  readonly verdicts: readonly TargetVerdict[];
  readonly escalations: readonly { readonly target: string; readonly level: number; readonly at: string }[];
  readonly alerts: readonly AlertSpan[];
  readonly callbacksRequestedAt: readonly string[];
  readonly duplicatesLinkedAt: readonly string[];
  readonly followUpsAt: readonly string[];
  /** The latest instant any of the above happened at; a report skips orders whose last step is before its window. */
  readonly lastStepAt: string;
}

/**
 * The fields of an order's facts the monthly report reads to quote it (monthly-report.ts): who, what, its verdicts,
 * escalations and closes, and the steps that say where it stands now. The report reads only these of each quoted
 * order: the rest (alerts, follow-ups, its place…) was a third of the 2.6 MB a month's ~2,000 quoted orders came to.
 */
export const QUOTED_FIELDS = [
  'workOrderId',
  'number',
  'category',
  'building',
  'tier',
  'owner',
  'technician',
  'cancelled',
  'verdicts',
  'escalations',
  'closes',
  'resolvedAt',
  'reopenedAt',
  'rejectedAt',
  'callbacksRequestedAt',
] as const satisfies readonly (keyof ReportOrder)[];

export type QuotedOrder = Pick<ReportOrder, (typeof QUOTED_FIELDS)[number]>;

export interface StaffRef {
  readonly staffId: string;
  readonly name: string;
}

export interface OrderClose {
  readonly at: string;
  readonly outcome: string;
  /** The resident's 1-5 stars from the callback, when they gave them. */
  readonly rating: number | null;
  readonly comment: string | null;
}

export interface TargetVerdict {
  readonly target: 'response' | 'resolution';
  readonly round: number;
  readonly met: boolean;
  readonly dueAt: string;
  /** When the verdict fell: the met instant, or the breach. */
  readonly at: string;
}

export interface AlertSpan {
  readonly alertId: string;
  readonly kind: string;
  readonly level: number | null;
  readonly raisedAt: string;
  readonly acknowledgedAt: string | null;
}

type Draft = { -readonly [K in keyof ReportOrder]: ReportOrder[K] extends readonly (infer T)[] ? T[] : ReportOrder[K] };

const latest = (a: string, b: string): string => (Date.parse(b) > Date.parse(a) ? b : a);

/** Records a target's verdict once per round: the first verdict stands (a late "met" after a breach is still a miss). */
const recordVerdict = (draft: Draft, round: number, verdict: Omit<TargetVerdict, 'round'>): void => {
  const target = verdict.target === 'response' ? 0 : round;
  if (draft.verdicts.some((v) => v.target === verdict.target && v.round === target)) return;
  draft.verdicts.push({ ...verdict, round: target });
};

/** Steps a report counts by their instant alone: the list each goes to, and the field of the event that holds it. */
const COUNTED_STEPS: Readonly<Record<string, readonly [keyof Draft & ListOfInstants, string]>> = {
  [EventTypes.WorkOrderResolved]: ['resolvedAt', 'resolvedAt'],
  [EventTypes.ResolutionRejected]: ['rejectedAt', 'rejectedAt'],
  [EventTypes.WorkOrderReopened]: ['reopenedAt', 'reopenedAt'],
  [EventTypes.CallbackRequested]: ['callbacksRequestedAt', 'requestedAt'],
  [EventTypes.DuplicateReportLinked]: ['duplicatesLinkedAt', 'linkedAt'],
  [EventTypes.FollowUpContactRecorded]: ['followUpsAt', 'contactedAt'],
};
type ListOfInstants =
  'resolvedAt' | 'rejectedAt' | 'reopenedAt' | 'callbacksRequestedAt' | 'duplicatesLinkedAt' | 'followUpsAt';

const apply = (draft: Draft, event: DomainEvent, round: { value: number }): string | undefined => {
  const counted = COUNTED_STEPS[event.type];
  if (counted) {
    const [list, field] = counted;
    const instant = (event.data as Readonly<Record<string, string>>)[field] as string;
    draft[list].push(instant);
    return instant;
  }
  switch (event.type) {
    case EventTypes.WorkOrderTriaged:
      draft.tier = event.data.tier;
      draft.category = event.data.category;
      draft.priorityLane = event.data.priorityLane !== undefined;
      return event.data.triagedAt;
    case EventTypes.WorkOrderAssigned:
      // As on the order's row: the assigned owner is also the hands-on technician until someone is reassigned.
      draft.owner = event.data.owner;
      draft.technician = event.data.owner;
      draft.teamId = event.data.teamId;
      return event.data.assignedAt;
    case EventTypes.WorkOrderAcknowledged:
      if (event.data.becameOwner) draft.owner = draft.technician = event.data.by;
      draft.acknowledgedAt ??= event.data.acknowledgedAt;
      return event.data.acknowledgedAt;
    case EventTypes.TechnicianReassigned:
      draft.technician = event.data.to;
      return event.data.reassignedAt;
    case EventTypes.OwnershipHandedOver:
      draft.owner = event.data.to;
      return event.data.handedOverAt;
    case EventTypes.WorkOrderClosed:
      draft.closes.push({
        at: event.data.closedAt,
        outcome: event.data.outcome,
        rating: event.data.rating ?? null,
        comment: event.data.comment ?? null,
      });
      return event.data.closedAt;
    case EventTypes.WorkOrderCancelled:
      draft.cancelled = { at: event.data.cancelledAt, reason: event.data.reason };
      return event.data.cancelledAt;
    case EventTypes.SlaClockRestarted:
      round.value = event.data.round;
      return event.data.restartedAt;
    case EventTypes.SlaTargetMet: {
      const { target, onTime, dueAt, metAt } = event.data;
      recordVerdict(draft, round.value, { target, met: onTime, dueAt, at: metAt });
      return metAt;
    }
    case EventTypes.SlaBreached: {
      const { target, dueAt, breachedAt } = event.data;
      recordVerdict(draft, round.value, { target, met: false, dueAt, at: breachedAt });
      return breachedAt;
    }
    case EventTypes.SlaEscalated:
      draft.escalations.push({ target: event.data.target, level: event.data.level, at: event.data.escalatedAt });
      return event.data.escalatedAt;
    case EventTypes.AlertRaised: {
      const { alertId, kind, level, raisedAt } = event.data;
      draft.alerts.push({ alertId, kind, level: level ?? null, raisedAt, acknowledgedAt: null });
      return raisedAt;
    }
    case EventTypes.AlertAcknowledged: {
      const index = draft.alerts.findIndex((a) => a.alertId === event.data.alertId);
      const alert = draft.alerts[index];
      if (alert && alert.acknowledgedAt === null) {
        draft.alerts[index] = { ...alert, acknowledgedAt: event.data.acknowledgedAt };
      }
      return event.data.acknowledgedAt;
    }
    default:
      return undefined;
  }
};

/** The order's report row, or undefined until its report is on the timeline. */
export const foldReportOrder = (timeline: readonly TimelineEntry[]): ReportOrder | undefined => {
  const reported = reportOn(timeline);
  if (!reported) return undefined;
  const r = reported.event.data;
  const draft: Draft = {
    ...placeOf(r),
    tier: null,
    priorityLane: false,
    teamId: null,
    technician: null,
    owner: null,
    reportedAt: r.reportedAt,
    acknowledgedAt: null,
    resolvedAt: [],
    reopenedAt: [],
    rejectedAt: [],
    closes: [],
    cancelled: null,
    verdicts: [],
    escalations: [],
    alerts: [],
    callbacksRequestedAt: [],
    duplicatesLinkedAt: [],
    followUpsAt: [],
    lastStepAt: r.reportedAt,
  };
  const round = { value: 0 };
  for (const { event } of timeline) {
    if (event === reported.event) continue;
    const at = apply(draft, event, round);
    if (at !== undefined) draft.lastStepAt = latest(draft.lastStepAt, at);
  }
  return draft;
};
