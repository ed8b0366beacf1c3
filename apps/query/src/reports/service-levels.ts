import { callbackAnsweredBefore, endedBefore, ReportRow, standingIndex } from './report-row';
import {
  Granularity,
  PeriodHeader,
  periodHeader,
  previousWindowOf,
  ReportWindow,
  SiteOrders,
  splitWindow,
} from './report-window';

// Every figure's definition, in words, is in docs/reports.md; the comments here say only what the code must keep.

export interface DurationFigure {
  readonly medianSeconds: number | null;
  readonly meanSeconds: number | null;
  /** How many orders the median and mean are over. */
  readonly counted: number;
  /** Orders of the cohort left out because the step had not happened by the end of the period. */
  readonly excluded: number;
}

export interface ServiceLevelFigures {
  readonly received: number;
  readonly closed: number;
  readonly cancelled: number;
  readonly closureRate: number | null;
  readonly responseMetRate: number | null;
  readonly responseVerdicts: number;
  readonly resolutionMetRate: number | null;
  readonly resolutionVerdicts: number;
  readonly mtta: DurationFigure;
  readonly mttr: DurationFigure;
  readonly backlog: {
    readonly open: number;
    readonly ageSeconds: { readonly p50: number | null; readonly p90: number | null; readonly max: number | null };
  };
  readonly reopenRate: number | null;
  readonly firstTimeFixRate: number | null;
  readonly satisfaction: {
    readonly meanRating: number | null;
    readonly distribution: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;
    readonly rated: number;
    readonly responseRate: number | null;
  };
  readonly callbacks: { readonly requested: number; readonly done: number; readonly overdue: number };
  readonly escalations: { readonly level1: number; readonly level2: number; readonly level3: number };
  readonly alertAckSeconds: {
    readonly median: number | null;
    readonly acknowledged: number;
    readonly unacknowledged: number;
  };
  readonly duplicatesLinked: number;
  readonly followUpContacts: number;
  /** Received orders the priority lane raised a tier (ADR 28). */
  readonly priorityLane: number;
}

const within = (w: ReportWindow, instant: number | null): instant is number =>
  instant !== null && instant >= w.start && instant < w.end;
const countWithin = (w: ReportWindow, instants: readonly number[]): number =>
  instants.reduce((n, i) => (within(w, i) ? n + 1 : n), 0);

/** Rates keep four decimals: 0.9583 is 95.83 %. */
const rate = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

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

/** Spans in seconds of a cohort's orders, and how many of the cohort had no span (the step had not happened by then). */
const duration = (counted: readonly number[], excluded: number): DurationFigure => ({
  medianSeconds: median(counted),
  meanSeconds: counted.length === 0 ? null : Math.round(counted.reduce((a, b) => a + b, 0) / counted.length),
  counted: counted.length,
  excluded,
});

/** The index of the order's last close in the period (-1 if none): an order closed, reopened and closed again in it counts once. */
const lastCloseWithin = (o: ReportRow, w: ReportWindow): number => {
  for (let i = o.closedAt.length - 1; i >= 0; i -= 1) if (within(w, o.closedAt[i] ?? null)) return i;
  return -1;
};

/**
 * Whether an order can count in a period: reported before its end, and with a step in it or after it, or still
 * open (an order whose last step came before the period stands then as it stands now: open orders are backlog).
 */
const countsIn = (o: ReportRow, w: ReportWindow): boolean =>
  o.reportedAt < w.end && (o.lastStepAt >= w.start || o.endedAt === null);

/** What a period's figures are counted from, gathered in one pass over the orders. */
class PeriodTally {
  received = 0;
  /** Received in the period and not cancelled by its end: the cohort of the closure rate, MTTA and MTTR. */
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
    // The first resolution in the period, and whether the order was reopened after it by the period's end.
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

  figures(): ServiceLevelFigures {
    const stars = (n: number) => this.stars[n - 1] as number;
    const ages = this.backlogAges;
    return {
      received: this.received,
      closed: this.closed,
      cancelled: this.cancelled,
      closureRate: rate(this.closedLoop, this.cohort),
      responseMetRate: rate(this.responseMet, this.responseVerdicts),
      responseVerdicts: this.responseVerdicts,
      resolutionMetRate: rate(this.resolutionMet, this.resolutionVerdicts),
      resolutionVerdicts: this.resolutionVerdicts,
      mtta: duration(this.ackSpans, this.cohort - this.ackSpans.length),
      mttr: duration(this.resolveSpans, this.cohort - this.resolveSpans.length),
      backlog: {
        open: ages.length,
        ageSeconds: {
          p50: percentile(ages, 50),
          p90: percentile(ages, 90),
          max: ages.length ? ages.reduce((a, b) => Math.max(a, b)) : null,
        },
      },
      reopenRate: rate(this.reopened, this.resolved),
      firstTimeFixRate: rate(this.firstTimeFixed, this.closed),
      satisfaction: {
        meanRating: this.rated === 0 ? null : Math.round((this.ratingSum / this.rated) * 100) / 100,
        distribution: { '1': stars(1), '2': stars(2), '3': stars(3), '4': stars(4), '5': stars(5) },
        rated: this.rated,
        responseRate: rate(this.rated, this.closed),
      },
      callbacks: { requested: this.callbacks, done: this.callbacksDone, overdue: this.callbacks - this.callbacksDone },
      escalations: {
        level1: this.escalations[0] ?? 0,
        level2: this.escalations[1] ?? 0,
        level3: this.escalations[2] ?? 0,
      },
      alertAckSeconds: {
        median: median(this.alertAckSpans),
        acknowledged: this.alertAckSpans.length,
        unacknowledged: this.alerts - this.alertAckSpans.length,
      },
      duplicatesLinked: this.duplicatesLinked,
      followUpContacts: this.followUpContacts,
      priorityLane: this.priorityLane,
    };
  }
}

/**
 * Every figure of one period over the given orders (already those of one site, and of one group). One pass: a
 * twelve-month report by month asks this of the same 60,000 rows for 24 periods.
 */
export const serviceLevelFigures = (all: readonly ReportRow[], w: ReportWindow): ServiceLevelFigures => {
  const tally = new PeriodTally(w);
  for (const o of all) if (countsIn(o, w)) tally.add(o);
  return tally.figures();
};

export const ATTRIBUTE_GROUPINGS = ['tier', 'category', 'building', 'team', 'technician', 'channel'] as const;
export const TIME_GROUPINGS = ['day', 'week', 'month'] as const;
export type GroupBy = (typeof ATTRIBUTE_GROUPINGS)[number] | Granularity;

const attributeOf: Record<(typeof ATTRIBUTE_GROUPINGS)[number], (o: ReportRow) => string | null> = {
  tier: (o) => o.tier,
  category: (o) => o.category,
  building: (o) => o.building,
  team: (o) => o.teamId,
  technician: (o) => o.technicianId,
  channel: (o) => o.channel,
};

export interface PeriodFigures {
  readonly current: ServiceLevelFigures;
  readonly previous: ServiceLevelFigures;
}

export interface ServiceLevelGroup extends PeriodFigures {
  /** The group's value (a tier, a building, a staff id…), or the first local date of a day, week or month; null for orders without it. */
  readonly key: string | null;
  readonly from?: string;
  readonly to?: string;
}

export interface ServiceLevelReport extends PeriodHeader {
  readonly groupBy: GroupBy | null;
  readonly total: PeriodFigures;
  readonly groups: readonly ServiceLevelGroup[];
}

const periodFigures = (orders: readonly ReportRow[], w: ReportWindow, timeZone: string): PeriodFigures => ({
  current: serviceLevelFigures(orders, w),
  previous: serviceLevelFigures(orders, previousWindowOf(w, timeZone)),
});

const isTimeGrouping = (groupBy: GroupBy): groupBy is Granularity =>
  (TIME_GROUPINGS as readonly string[]).includes(groupBy);

/**
 * The service-level report: the whole period, and its groups. An attribute grouping splits the orders (each order
 * into the group of its current tier, building…); a time grouping splits the period, each part compared with the
 * part of the same length just before it.
 */
export const serviceLevelReport = (
  input: SiteOrders & { readonly groupBy?: GroupBy | undefined },
): ServiceLevelReport => {
  const { timeZone, window, orders } = input;
  const groupBy = input.groupBy ?? null;
  const previous = previousWindowOf(window, timeZone);
  let groups: ServiceLevelGroup[] = [];
  if (groupBy !== null && isTimeGrouping(groupBy)) {
    groups = splitWindow(window, groupBy, timeZone).map((part) => ({
      key: part.from,
      from: part.from,
      to: part.to,
      ...periodFigures(orders, part, timeZone),
    }));
  } else if (groupBy !== null) {
    const keyOf = attributeOf[groupBy];
    const byKey = new Map<string | null, ReportRow[]>();
    for (const order of orders) {
      const key = keyOf(order);
      const members = byKey.get(key);
      if (members) members.push(order);
      else byKey.set(key, [order]);
    }
    groups = [...byKey.entries()]
      .sort(([a], [b]) => (a ?? '\uffff').localeCompare(b ?? '\uffff'))
      .map(([key, members]) => ({ key, ...periodFigures(members, window, timeZone) }))
      .filter((g) => g.current.received + g.previous.received + g.current.backlog.open + g.current.closed > 0);
  }
  return {
    ...periodHeader(input, previous),
    groupBy,
    total: periodFigures(orders, window, timeZone),
    groups,
  };
};
