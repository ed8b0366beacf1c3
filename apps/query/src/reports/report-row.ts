import type { ReportOrder } from './report-order';

/**
 * An order's report row as the figures read it: the attributes reports group by, and every instant a figure
 * counts as milliseconds since the epoch. The fold (`ReportOrder`) keeps the instants as the events wrote them;
 * a report reads tens of thousands of rows, and comparing numbers is what it does with them (ADR 23).
 * Lists are in timeline order, and each list of a step's particulars (a close's rating…) runs beside its instants.
 */
export interface ReportRow extends OrderAttributes, InMilliseconds<SharedInstants> {
  readonly technicianId: string | null;
  readonly closedAt: readonly number[];
  /** Each close's 1-5 stars, or null when the resident gave none. */
  readonly closeRatings: readonly (number | null)[];
  /** Whether each close came with a comment (the monthly report quotes it). */
  readonly closeCommented: readonly boolean[];
  readonly cancelledAt: number | null;
  /** The response verdict (there is one: reopen rounds restart the resolution clock only), and whether it met. */
  readonly responseVerdictAt: number | null;
  readonly responseMet: boolean | null;
  /** A resolution verdict per round, and whether each met. */
  readonly resolutionVerdictAt: readonly number[];
  readonly resolutionMet: readonly boolean[];
  readonly escalatedAt: readonly number[];
  readonly escalationLevels: readonly number[];
  readonly alertRaisedAt: readonly number[];
  readonly alertAcknowledgedAt: readonly (number | null)[];
  readonly callbackRequestedAt: readonly number[];
  readonly duplicateLinkedAt: readonly number[];
  readonly followUpAt: readonly number[];
  /** When the order ended as it stands now (closed and not reopened since, or cancelled); null while it is open. */
  readonly endedAt: number | null;
}

/** Which order it is and what reports group it by, as the fold has them. */
type OrderAttributes = Pick<
  ReportOrder,
  'workOrderId' | 'number' | 'building' | 'unit' | 'channel' | 'category' | 'tier' | 'teamId' | 'priorityLane'
>;

/** The instants the row and the fold both name. */
type SharedInstants = Pick<
  ReportOrder,
  'reportedAt' | 'acknowledgedAt' | 'resolvedAt' | 'reopenedAt' | 'rejectedAt' | 'lastStepAt'
>;

/** The fold's instants (ISO strings: one, one or none, or a list) as the row counts them, in ms since the epoch. */
type InMilliseconds<T> = {
  readonly [K in keyof T]: T[K] extends readonly string[]
    ? readonly number[]
    : T[K] extends string
      ? number
      : number | null;
};

const ms = (iso: string): number => Date.parse(iso);
const msOrNull = (iso: string | null | undefined): number | null => (iso == null ? null : Date.parse(iso));

/**
 * The index of the step that stands at an instant: the last of the steps before it, unless the order was reopened
 * after that step (and before the instant); -1 when none stands.
 */
export const standingIndex = (steps: readonly number[], reopenedAt: readonly number[], end: number): number => {
  let last = -1;
  for (let i = 0; i < steps.length; i += 1) if ((steps[i] as number) < end) last = i;
  if (last === -1) return -1;
  const lastAt = steps[last] as number;
  for (const reopened of reopenedAt) if (reopened < end && reopened > lastAt) return -1;
  return last;
};

/** The row of an order's fold. */
export const reportRowOf = (order: ReportOrder): ReportRow => {
  const closedAt = order.closes.map((c) => ms(c.at));
  const reopenedAt = order.reopenedAt.map(ms);
  const response = order.verdicts.find((v) => v.target === 'response');
  const resolutions = order.verdicts.filter((v) => v.target === 'resolution');
  const standingClose = closedAt[standingIndex(closedAt, reopenedAt, Number.POSITIVE_INFINITY)];
  return {
    workOrderId: order.workOrderId,
    number: order.number,
    building: order.building,
    unit: order.unit,
    channel: order.channel,
    category: order.category,
    tier: order.tier,
    priorityLane: order.priorityLane,
    teamId: order.teamId,
    technicianId: order.technician?.staffId ?? null,
    reportedAt: ms(order.reportedAt),
    acknowledgedAt: msOrNull(order.acknowledgedAt),
    resolvedAt: order.resolvedAt.map(ms),
    reopenedAt,
    rejectedAt: order.rejectedAt.map(ms),
    closedAt,
    closeRatings: order.closes.map((c) => c.rating),
    closeCommented: order.closes.map((c) => c.comment !== null),
    cancelledAt: msOrNull(order.cancelled?.at),
    responseVerdictAt: msOrNull(response?.at),
    responseMet: response?.met ?? null,
    resolutionVerdictAt: resolutions.map((v) => ms(v.at)),
    resolutionMet: resolutions.map((v) => v.met),
    escalatedAt: order.escalations.map((e) => ms(e.at)),
    escalationLevels: order.escalations.map((e) => e.level),
    alertRaisedAt: order.alerts.map((a) => ms(a.raisedAt)),
    alertAcknowledgedAt: order.alerts.map((a) => msOrNull(a.acknowledgedAt)),
    callbackRequestedAt: order.callbacksRequestedAt.map(ms),
    duplicateLinkedAt: order.duplicatesLinkedAt.map(ms),
    followUpAt: order.followUpsAt.map(ms),
    endedAt: msOrNull(order.cancelled?.at) ?? standingClose ?? null,
    lastStepAt: ms(order.lastStepAt),
  };
};

/** Closed (and not reopened since) or cancelled before an instant: no longer anyone's work. */
export const endedBefore = (row: ReportRow, end: number): boolean =>
  (row.cancelledAt !== null && row.cancelledAt < end) || standingIndex(row.closedAt, row.reopenedAt, end) !== -1;

/** Whether the resident answered a callback before an instant: confirmed (the order closed), rejected, or it was reopened. */
export const callbackAnsweredBefore = (
  row: Pick<ReportRow, 'closedAt' | 'reopenedAt' | 'rejectedAt'>,
  requestedAt: number,
  end: number,
): boolean => {
  const answers = (steps: readonly number[]) => steps.some((step) => step < end && step >= requestedAt);
  return answers(row.closedAt) || answers(row.reopenedAt) || answers(row.rejectedAt);
};
