import { callbackAnsweredBefore, endedBefore, ReportRow, standingIndex } from './report-row';
import { ReportWindow, SiteOrders } from './report-window';
import {
  attributeGroupingOf,
  AttributeGrouping,
  GroupBy,
  serviceLevelReport,
  ServiceLevelReport,
  ServiceLevelTally,
  serviceLevelWindows,
  SpanTally,
  WindowTallies,
} from './service-levels';

// The service-level tallies counted in memory, one order at a time, straight from docs/reports.md: the reading the
// SQL of ReportOrdersRepository.serviceLevelTallies is checked against (reports.int.spec.ts), and the one the
// hand-worked figures of service-levels.unit.spec.ts are stated over. Test code: the service counts in SQL.

const within = (w: ReportWindow, instant: number | null): instant is number =>
  instant !== null && instant >= w.start && instant < w.end;
const countWithin = (w: ReportWindow, instants: readonly number[]): number =>
  instants.reduce((n, i) => (within(w, i) ? n + 1 : n), 0);

/** The middle value, or the mean of the two middle values. */
export const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export const percentile = (values: readonly number[], p: number): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

const seconds = (from: number, to: number): number => Math.round((to - from) / 1000);
const spans = (values: readonly number[]): SpanTally => ({
  count: values.length,
  sum: values.reduce((a, b) => a + b, 0),
  median: median(values),
});

/** The index of the order's last close in the period (-1 if none): an order closed, reopened and closed again in it counts once. */
const lastCloseWithin = (o: ReportRow, w: ReportWindow): number => {
  for (let i = o.closedAt.length - 1; i >= 0; i -= 1) if (within(w, o.closedAt[i] ?? null)) return i;
  return -1;
};

/** Reported before the period's end, and with a step in it or after it, or still open. */
const countsIn = (o: ReportRow, w: ReportWindow): boolean =>
  o.reportedAt < w.end && (o.lastStepAt >= w.start || o.endedAt === null);

/** One period's tally, one order at a time. */
class PeriodTally {
  received = 0;
  cohort = 0;
  closedLoop = 0;
  readonly ackSpans: number[] = [];
  readonly resolveSpans: number[] = [];
  closed = 0;
  firstTimeFixed = 0;
  readonly stars = [0, 0, 0, 0, 0];
  rated = 0;
  ratingSum = 0;
  cancelled = 0;
  resolved = 0;
  reopened = 0;
  readonly backlogAges: number[] = [];
  responseVerdicts = 0;
  responseMet = 0;
  resolutionVerdicts = 0;
  resolutionMet = 0;
  callbacks = 0;
  callbacksDone = 0;
  readonly escalations = [0, 0, 0];
  alerts = 0;
  readonly alertAckSpans: number[] = [];
  duplicatesLinked = 0;
  followUpContacts = 0;
  priorityLane = 0;

  constructor(private readonly w: ReportWindow) {}

  add(o: ReportRow): void {
    const { w } = this;
    if (within(w, o.reportedAt)) this.addReceived(o);
    this.addClose(o);
    if (within(w, o.cancelledAt)) this.cancelled += 1;
    const firstResolved = o.resolvedAt.find((r) => within(w, r));
    if (firstResolved !== undefined) {
      this.resolved += 1;
      if (o.reopenedAt.some((r) => r < w.end && r > firstResolved)) this.reopened += 1;
    }
    if (!endedBefore(o, w.end)) this.backlogAges.push(Math.round((w.end - o.reportedAt) / 1000));
    if (within(w, o.responseVerdictAt)) {
      this.responseVerdicts += 1;
      if (o.responseMet === true) this.responseMet += 1;
    }
    o.resolutionVerdictAt.forEach((at, i) => {
      if (!within(w, at)) return;
      this.resolutionVerdicts += 1;
      if (o.resolutionMet[i] === true) this.resolutionMet += 1;
    });
    for (const requestedAt of o.callbackRequestedAt) {
      if (!within(w, requestedAt)) continue;
      this.callbacks += 1;
      if (callbackAnsweredBefore(o, requestedAt, w.end)) this.callbacksDone += 1;
    }
    o.escalatedAt.forEach((at, i) => {
      const level = o.escalationLevels[i] as number;
      if (within(w, at) && level >= 1 && level <= 3) this.escalations[level - 1] += 1;
    });
    o.alertRaisedAt.forEach((raisedAt, i) => {
      if (!within(w, raisedAt)) return;
      this.alerts += 1;
      const acknowledgedAt = o.alertAcknowledgedAt[i] ?? null;
      if (acknowledgedAt !== null && acknowledgedAt < w.end) this.alertAckSpans.push(seconds(raisedAt, acknowledgedAt));
    });
    this.duplicatesLinked += countWithin(w, o.duplicateLinkedAt);
    this.followUpContacts += countWithin(w, o.followUpAt);
  }

  private addReceived(o: ReportRow): void {
    const { w } = this;
    this.received += 1;
    if (o.priorityLane) this.priorityLane += 1;
    if (o.cancelledAt !== null && o.cancelledAt < w.end) return;
    this.cohort += 1;
    if (standingIndex(o.closedAt, o.reopenedAt, w.end) !== -1) this.closedLoop += 1;
    if (o.acknowledgedAt !== null && o.acknowledgedAt < w.end)
      this.ackSpans.push(seconds(o.reportedAt, o.acknowledgedAt));
    const resolution = standingIndex(o.resolvedAt, o.reopenedAt, w.end);
    if (resolution !== -1) this.resolveSpans.push(seconds(o.reportedAt, o.resolvedAt[resolution] as number));
  }

  private addClose(o: ReportRow): void {
    const close = lastCloseWithin(o, this.w);
    if (close === -1) return;
    const at = o.closedAt[close] as number;
    this.closed += 1;
    if (!o.reopenedAt.some((s) => s < at) && !o.rejectedAt.some((s) => s < at)) this.firstTimeFixed += 1;
    const rating = o.closeRatings[close] ?? null;
    if (rating === null) return;
    this.rated += 1;
    this.ratingSum += rating;
    if (rating >= 1 && rating <= 5) this.stars[rating - 1] += 1;
  }

  tally(): ServiceLevelTally {
    const ages = this.backlogAges;
    return {
      received: this.received,
      priorityLane: this.priorityLane,
      cohort: this.cohort,
      closedLoop: this.closedLoop,
      ackSpans: spans(this.ackSpans),
      resolveSpans: spans(this.resolveSpans),
      closed: this.closed,
      firstTimeFixed: this.firstTimeFixed,
      stars: this.stars,
      rated: this.rated,
      ratingSum: this.ratingSum,
      cancelled: this.cancelled,
      resolved: this.resolved,
      reopened: this.reopened,
      backlog: {
        open: ages.length,
        p50: percentile(ages, 50),
        p90: percentile(ages, 90),
        max: ages.length ? ages.reduce((a, b) => Math.max(a, b)) : null,
      },
      responseVerdicts: this.responseVerdicts,
      responseMet: this.responseMet,
      resolutionVerdicts: this.resolutionVerdicts,
      resolutionMet: this.resolutionMet,
      callbacks: this.callbacks,
      callbacksDone: this.callbacksDone,
      escalations: this.escalations,
      alerts: this.alerts,
      alertAckSpans: spans(this.alertAckSpans),
      duplicatesLinked: this.duplicatesLinked,
      followUpContacts: this.followUpContacts,
    };
  }
}

const tallyOver = (orders: readonly ReportRow[], w: ReportWindow): ServiceLevelTally => {
  const tally = new PeriodTally(w);
  for (const o of orders) if (countsIn(o, w)) tally.add(o);
  return tally.tally();
};

const attributeOf: Record<AttributeGrouping, (o: ReportRow) => string | null> = {
  tier: (o) => o.tier,
  category: (o) => o.category,
  building: (o) => o.building,
  team: (o) => o.teamId,
  technician: (o) => o.technicianId,
  channel: (o) => o.channel,
};

/** The tallies of the windows over the orders, as the repository gives them: the whole, and each group's. */
export const tallyInMemory = (
  orders: readonly ReportRow[],
  windows: readonly ReportWindow[],
  attribute: AttributeGrouping | null,
): WindowTallies => {
  const groups = new Map<string | null, ServiceLevelTally[]>();
  if (attribute !== null) {
    const byKey = new Map<string | null, ReportRow[]>();
    for (const order of orders) {
      const key = attributeOf[attribute](order);
      byKey.set(key, [...(byKey.get(key) ?? []), order]);
    }
    for (const [key, members] of byKey)
      groups.set(
        key,
        windows.map((w) => tallyOver(members, w)),
      );
  }
  return { total: windows.map((w) => tallyOver(orders, w)), groups };
};

/** The service-level report over the orders, counted in memory. */
export const serviceLevelReportInMemory = (
  input: SiteOrders<ReportRow> & { readonly groupBy?: GroupBy | undefined },
): ServiceLevelReport => {
  const groupBy = input.groupBy ?? null;
  const windows = serviceLevelWindows(input.window, groupBy, input.timeZone);
  return serviceLevelReport({ ...input, tallies: tallyInMemory(input.orders, windows, attributeGroupingOf(groupBy)) });
};
