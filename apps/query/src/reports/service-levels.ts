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
}

const within = (w: ReportWindow, instant: number | null): boolean =>
  instant !== null && instant >= w.start && instant < w.end;
/** Had it happened by the end of the period? */
const byEnd = (w: ReportWindow, instant: number | null): instant is number => instant !== null && instant < w.end;
const countWithin = (w: ReportWindow, instants: readonly number[]): number =>
  instants.reduce((n, i) => (i >= w.start && i < w.end ? n + 1 : n), 0);

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

const duration = (spans: readonly (number | null)[]): DurationFigure => {
  const counted = spans.filter((s): s is number => s !== null);
  return {
    medianSeconds: median(counted),
    meanSeconds: counted.length === 0 ? null : Math.round(counted.reduce((a, b) => a + b, 0) / counted.length),
    counted: counted.length,
    excluded: spans.length - counted.length,
  };
};

/** The index of the order's last close in the period (-1 if none): an order closed, reopened and closed again in it counts once. */
const lastCloseWithin = (o: ReportRow, w: ReportWindow): number => {
  let last = -1;
  o.closedAt.forEach((at, i) => {
    if (at >= w.start && at < w.end) last = i;
  });
  return last;
};

/**
 * Whether an order can count in a period: reported before its end, and with a step in it or after it, or still
 * open (an order whose last step came before the period stands then as it stands now: open orders are backlog).
 */
const countsIn = (o: ReportRow, w: ReportWindow): boolean =>
  o.reportedAt < w.end && (o.lastStepAt >= w.start || o.endedAt === null);

/** Every figure of one period over the given orders (already those of one site, and of one group). */
export const serviceLevelFigures = (all: readonly ReportRow[], w: ReportWindow): ServiceLevelFigures => {
  const orders = all.filter((o) => countsIn(o, w));
  const received = orders.filter((o) => within(w, o.reportedAt));
  const cohort = received.filter((o) => !byEnd(w, o.cancelledAt));
  const closed = orders.flatMap((o) => {
    const close = lastCloseWithin(o, w);
    return close === -1 ? [] : [{ o, at: o.closedAt[close] as number, rating: o.closeRatings[close] ?? null }];
  });
  const resolvedInPeriod = orders.filter((o) => o.resolvedAt.some((r) => within(w, r)));
  const backlog = orders.filter((o) => o.reportedAt < w.end && !endedBefore(o, w.end));
  const response = orders.filter((o) => within(w, o.responseVerdictAt));
  const resolution = orders.flatMap((o) =>
    o.resolutionMet.filter((_, i) => within(w, o.resolutionVerdictAt[i] ?? null)),
  );
  const ratings = closed.flatMap(({ rating }) => (rating === null ? [] : [rating]));
  const callbacks = orders.flatMap((o) => o.callbackRequestedAt.filter((c) => within(w, c)).map((c) => ({ o, c })));
  const callbacksDone = callbacks.filter(({ o, c }) => callbackAnsweredBefore(o, c, w.end)).length;
  const escalations = orders.flatMap((o) => o.escalationLevels.filter((_, i) => within(w, o.escalatedAt[i] ?? null)));
  const alerts = orders.flatMap((o) =>
    o.alertRaisedAt.flatMap((raisedAt, i) =>
      within(w, raisedAt) ? [{ raisedAt, acknowledgedAt: o.alertAcknowledgedAt[i] ?? null }] : [],
    ),
  );
  const ackSpans = alerts.flatMap((a) => (byEnd(w, a.acknowledgedAt) ? [seconds(a.raisedAt, a.acknowledgedAt)] : []));
  const ages = backlog.map((o) => Math.round((w.end - o.reportedAt) / 1000));
  const stars = (n: number) => ratings.filter((r) => r === n).length;
  return {
    received: received.length,
    closed: closed.length,
    cancelled: orders.filter((o) => within(w, o.cancelledAt)).length,
    closureRate: rate(
      cohort.filter((o) => standingIndex(o.closedAt, o.reopenedAt, w.end) !== -1).length,
      cohort.length,
    ),
    responseMetRate: rate(response.filter((o) => o.responseMet === true).length, response.length),
    responseVerdicts: response.length,
    resolutionMetRate: rate(resolution.filter((met) => met).length, resolution.length),
    resolutionVerdicts: resolution.length,
    mtta: duration(cohort.map((o) => (byEnd(w, o.acknowledgedAt) ? seconds(o.reportedAt, o.acknowledgedAt) : null))),
    mttr: duration(
      cohort.map((o) => {
        const resolution = standingIndex(o.resolvedAt, o.reopenedAt, w.end);
        return resolution === -1 ? null : seconds(o.reportedAt, o.resolvedAt[resolution] as number);
      }),
    ),
    backlog: {
      open: backlog.length,
      ageSeconds: { p50: percentile(ages, 50), p90: percentile(ages, 90), max: ages.length ? Math.max(...ages) : null },
    },
    reopenRate: rate(
      resolvedInPeriod.filter((o) => {
        const first = o.resolvedAt.find((r) => within(w, r)) as number;
        return o.reopenedAt.some((r) => r < w.end && r > first);
      }).length,
      resolvedInPeriod.length,
    ),
    firstTimeFixRate: rate(
      closed.filter(({ o, at }) => !o.reopenedAt.some((s) => s < at) && !o.rejectedAt.some((s) => s < at)).length,
      closed.length,
    ),
    satisfaction: {
      meanRating:
        ratings.length === 0 ? null : Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100,
      distribution: { '1': stars(1), '2': stars(2), '3': stars(3), '4': stars(4), '5': stars(5) },
      rated: ratings.length,
      responseRate: rate(ratings.length, closed.length),
    },
    callbacks: { requested: callbacks.length, done: callbacksDone, overdue: callbacks.length - callbacksDone },
    escalations: {
      level1: escalations.filter((level) => level === 1).length,
      level2: escalations.filter((level) => level === 2).length,
      level3: escalations.filter((level) => level === 3).length,
    },
    alertAckSeconds: {
      median: median(ackSpans),
      acknowledged: ackSpans.length,
      unacknowledged: alerts.length - ackSpans.length,
    },
    duplicatesLinked: orders.reduce((n, o) => n + countWithin(w, o.duplicateLinkedAt), 0),
    followUpContacts: orders.reduce((n, o) => n + countWithin(w, o.followUpAt), 0),
  };
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
