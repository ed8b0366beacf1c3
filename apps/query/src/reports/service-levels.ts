import { Granularity, PeriodHeader, periodHeader, previousWindowOf, ReportWindow, splitWindow } from './report-window';

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

/** Spans in seconds (rounded to the nearest second): how many there were, their sum and their median. */
export interface SpanTally {
  readonly count: number;
  readonly sum: number;
  /** The middle value, or the mean of the two middle values; null when there is none. */
  readonly median: number | null;
}

/**
 * What a period's figures are computed from: counts, sums, medians and nearest-rank percentiles, counted over the
 * rows of one site (and one group) by `ReportOrdersRepository.serviceLevelTallies`, in SQL. Rates, means and their
 * rounding are left to `figuresOf`, so every figure is rounded in one place.
 */
export interface ServiceLevelTally {
  readonly received: number;
  readonly priorityLane: number;
  /** Received in the period and not cancelled by its end: the cohort of the closure rate, MTTA and MTTR. */
  readonly cohort: number;
  /** Of the cohort, the orders whose close stands at the period's end. */
  readonly closedLoop: number;
  /** Of the cohort, reported → first acknowledgement, for those acknowledged by the period's end. */
  readonly ackSpans: SpanTally;
  /** Of the cohort, reported → the resolution standing at the period's end. */
  readonly resolveSpans: SpanTally;
  readonly closed: number;
  readonly firstTimeFixed: number;
  /** How many of the counted closes were rated 1, 2, 3, 4 and 5 stars. */
  readonly stars: readonly number[];
  readonly rated: number;
  readonly ratingSum: number;
  readonly cancelled: number;
  /** Orders resolved in the period, and of those, the ones reopened after their first resolution in it. */
  readonly resolved: number;
  readonly reopened: number;
  /** The open orders at the period's end, and their ages in seconds (nearest-rank p50 and p90, and the oldest). */
  readonly backlog: {
    readonly open: number;
    readonly p50: number | null;
    readonly p90: number | null;
    readonly max: number | null;
  };
  readonly responseVerdicts: number;
  readonly responseMet: number;
  readonly resolutionVerdicts: number;
  readonly resolutionMet: number;
  readonly callbacks: number;
  readonly callbacksDone: number;
  /** Escalation steps at levels 1, 2 and 3. */
  readonly escalations: readonly number[];
  readonly alerts: number;
  /** Raised → acknowledged of the alerts acknowledged by the period's end. */
  readonly alertAckSpans: SpanTally;
  readonly duplicatesLinked: number;
  readonly followUpContacts: number;
}

const NO_SPANS: SpanTally = { count: 0, sum: 0, median: null };

/** The tally of a period in which nothing counts. */
export const EMPTY_TALLY: ServiceLevelTally = {
  received: 0,
  priorityLane: 0,
  cohort: 0,
  closedLoop: 0,
  ackSpans: NO_SPANS,
  resolveSpans: NO_SPANS,
  closed: 0,
  firstTimeFixed: 0,
  stars: [0, 0, 0, 0, 0],
  rated: 0,
  ratingSum: 0,
  cancelled: 0,
  resolved: 0,
  reopened: 0,
  backlog: { open: 0, p50: null, p90: null, max: null },
  responseVerdicts: 0,
  responseMet: 0,
  resolutionVerdicts: 0,
  resolutionMet: 0,
  callbacks: 0,
  callbacksDone: 0,
  escalations: [0, 0, 0],
  alerts: 0,
  alertAckSpans: NO_SPANS,
  duplicatesLinked: 0,
  followUpContacts: 0,
};

/** Rates keep four decimals: 0.9583 is 95.83 %. */
const rate = (part: number, whole: number): number | null =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/** A cohort's spans, and how many of the cohort had none (the step had not happened by the period's end). */
const duration = (spans: SpanTally, cohort: number): DurationFigure => ({
  medianSeconds: spans.median,
  meanSeconds: spans.count === 0 ? null : Math.round(spans.sum / spans.count),
  counted: spans.count,
  excluded: cohort - spans.count,
});

/** Every figure of one period, from its tally. */
export const figuresOf = (t: ServiceLevelTally): ServiceLevelFigures => {
  const stars = (n: number) => t.stars[n - 1] ?? 0;
  return {
    received: t.received,
    closed: t.closed,
    cancelled: t.cancelled,
    closureRate: rate(t.closedLoop, t.cohort),
    responseMetRate: rate(t.responseMet, t.responseVerdicts),
    responseVerdicts: t.responseVerdicts,
    resolutionMetRate: rate(t.resolutionMet, t.resolutionVerdicts),
    resolutionVerdicts: t.resolutionVerdicts,
    mtta: duration(t.ackSpans, t.cohort),
    mttr: duration(t.resolveSpans, t.cohort),
    backlog: { open: t.backlog.open, ageSeconds: { p50: t.backlog.p50, p90: t.backlog.p90, max: t.backlog.max } },
    reopenRate: rate(t.reopened, t.resolved),
    firstTimeFixRate: rate(t.firstTimeFixed, t.closed),
    satisfaction: {
      meanRating: t.rated === 0 ? null : Math.round((t.ratingSum / t.rated) * 100) / 100,
      distribution: { '1': stars(1), '2': stars(2), '3': stars(3), '4': stars(4), '5': stars(5) },
      rated: t.rated,
      responseRate: rate(t.rated, t.closed),
    },
    callbacks: { requested: t.callbacks, done: t.callbacksDone, overdue: t.callbacks - t.callbacksDone },
    escalations: { level1: t.escalations[0] ?? 0, level2: t.escalations[1] ?? 0, level3: t.escalations[2] ?? 0 },
    alertAckSeconds: {
      median: t.alertAckSpans.median,
      acknowledged: t.alertAckSpans.count,
      unacknowledged: t.alerts - t.alertAckSpans.count,
    },
    duplicatesLinked: t.duplicatesLinked,
    followUpContacts: t.followUpContacts,
    priorityLane: t.priorityLane,
  };
};

export const ATTRIBUTE_GROUPINGS = ['tier', 'category', 'building', 'team', 'technician', 'channel'] as const;
export const TIME_GROUPINGS = ['day', 'week', 'month'] as const;
export type GroupBy = (typeof ATTRIBUTE_GROUPINGS)[number] | Granularity;

export type AttributeGrouping = (typeof ATTRIBUTE_GROUPINGS)[number];

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

/**
 * The tallies of the windows a report asks for, in their order: the whole site's, and with an attribute grouping
 * each group's (by the order's current value; a group without a tally for a window had nothing counted in it).
 */
export interface WindowTallies {
  readonly total: readonly ServiceLevelTally[];
  readonly groups: ReadonlyMap<string | null, readonly (ServiceLevelTally | undefined)[]>;
}

const isTimeGrouping = (groupBy: GroupBy): groupBy is Granularity =>
  (TIME_GROUPINGS as readonly string[]).includes(groupBy);

/** The attribute a report splits the orders by, if it is grouped by one (not by time). */
export const attributeGroupingOf = (groupBy: GroupBy | null | undefined): AttributeGrouping | null =>
  groupBy == null || isTimeGrouping(groupBy) ? null : groupBy;

/**
 * The windows a report is counted over, in pairs of a period and the period of the same length just before it: the
 * whole period first, then, with a time grouping, each part of it.
 */
export const serviceLevelWindows = (window: ReportWindow, groupBy: GroupBy | null, timeZone: string): ReportWindow[] =>
  [window, ...(groupBy !== null && isTimeGrouping(groupBy) ? splitWindow(window, groupBy, timeZone) : [])].flatMap(
    (w) => [w, previousWindowOf(w, timeZone)],
  );

/** The figures of the pair of windows `pair` (0 for the first two) of a list of tallies. */
export const periodFigures = (tallies: readonly (ServiceLevelTally | undefined)[], pair: number): PeriodFigures => ({
  current: figuresOf(tallies[2 * pair] ?? EMPTY_TALLY),
  previous: figuresOf(tallies[2 * pair + 1] ?? EMPTY_TALLY),
});

/**
 * The service-level report: the whole period, and its groups, from the tallies of `serviceLevelWindows`. An
 * attribute grouping splits the orders (each order into the group of its current tier, building…); a time grouping
 * splits the period, each part compared with the part of the same length just before it.
 */
export const serviceLevelReport = (input: {
  readonly siteId: string;
  readonly timeZone: string;
  readonly window: ReportWindow;
  readonly groupBy?: GroupBy | undefined;
  readonly tallies: WindowTallies;
}): ServiceLevelReport => {
  const { timeZone, window, tallies } = input;
  const groupBy = input.groupBy ?? null;
  let groups: ServiceLevelGroup[] = [];
  if (groupBy !== null && isTimeGrouping(groupBy)) {
    groups = splitWindow(window, groupBy, timeZone).map((part, i) => ({
      key: part.from,
      from: part.from,
      to: part.to,
      ...periodFigures(tallies.total, i + 1),
    }));
  } else if (groupBy !== null) {
    groups = [...tallies.groups.entries()]
      .sort(([a], [b]) => (a ?? '\uffff').localeCompare(b ?? '\uffff'))
      .map(([key, groupTallies]) => ({ key, ...periodFigures(groupTallies, 0) }))
      .filter((g) => g.current.received + g.previous.received + g.current.backlog.open + g.current.closed > 0);
  }
  return {
    ...periodHeader(input, previousWindowOf(window, timeZone)),
    groupBy,
    total: periodFigures(tallies.total, 0),
    groups,
  };
};
