import { maskPhone } from '@closeloop/contracts';
import { CellCount, HotSpotCell, rankedCells, RepeatComplaint, repeatComplaintsOf, RepeatPair } from './hot-spots';
import { QuotedOrder, StaffRef } from './report-order';
import { callbackAnsweredBefore, ReportRow, standingIndex } from './report-row';
import { ReportWindow, SitePeriod } from './report-window';
import { PeriodFigures, ServiceLevelFigures } from './service-levels';

/** The desk's own notes on a month (what it improved, what it will change): every saved version is kept. */
export interface DeskNotes {
  readonly version: number;
  readonly text: string;
  readonly author: StaffRef;
  readonly savedAt: string;
}

/** An order that missed a target in the month, and what was done about it since (通报整改). */
export interface MissedTarget {
  readonly workOrderId: string;
  readonly number: string;
  readonly category: string | null;
  readonly building: string | null;
  readonly tier: string | null;
  readonly target: 'response' | 'resolution';
  readonly dueAt: string;
  readonly missedAt: string;
  readonly owner: string | null;
  readonly technician: string | null;
  /** The highest escalation level this target reached: 1 site supervisor on call, 2 service manager, 3 operations head. */
  readonly escalationLevel: number;
  readonly outcome: 'closed' | 'resolved' | 'cancelled' | 'open';
  readonly outcomeAt: string | null;
  readonly rating: number | null;
}

export interface ResidentComment {
  readonly number: string;
  readonly rating: number | null;
  /** Phone numbers in the text are masked: the report is published inside the company. */
  readonly comment: string;
  readonly closedAt: string;
}

export interface MonthlyReport {
  readonly siteId: string;
  readonly month: string;
  readonly timeZone: string;
  readonly from: string;
  readonly to: string;
  readonly previousMonth: string;
  readonly generatedAt: string;
  readonly headline: PeriodFigures;
  readonly hotIssues: { readonly hotSpots: readonly HotSpotCell[]; readonly repeats: readonly RepeatComplaint[] };
  readonly missedTargets: readonly MissedTarget[];
  readonly satisfaction: ServiceLevelFigures['satisfaction'] & { readonly comments: readonly ResidentComment[] };
  readonly callbacks: ServiceLevelFigures['callbacks'] & {
    readonly unanswered: readonly { readonly number: string; readonly requestedAt: string }[];
  };
  readonly deskNotes: DeskNotes | null;
  readonly definitions: Readonly<Record<string, string>>;
}

/** The hot spots the report lists: the busiest cells; the JSON of /v1/reports/hot-spots has them all. */
export const HOT_ISSUES_LISTED = 10;

/** What every headline figure means, printed with the report; docs/reports.md has the full definitions. */
export const DEFINITIONS: Readonly<Record<string, string>> = {
  received: 'orders reported in the month (local dates of the site).',
  closed: 'orders whose last close fell in the month.',
  closureRate:
    'of the orders received in the month and not cancelled, the share closed (and not reopened) by its end (闭环率).',
  responseMetRate:
    'of the response targets that met or missed in the month, the share met; paused time is left out as the SLA clock leaves it out.',
  resolutionMetRate: 'the same for resolution targets; each reopen round is a target of its own.',
  mtta: 'reported to first acknowledgement, median and mean, over the month’s orders acknowledged by its end; never-acknowledged orders are excluded and counted (PagerDuty’s MTTA).',
  mttr: 'reported to the resolution that stands at the month’s end, over the month’s orders resolved by then.',
  backlog: 'orders reported before the month’s end and neither closed nor cancelled at it; ages at the month’s end.',
  reopenRate: 'of the orders resolved in the month, the share reopened after that resolution.',
  firstTimeFixRate: 'of the orders closed in the month, the share closed without a rejection or a reopen.',
  satisfaction:
    'the residents’ 1–5 star ratings given when orders closed in the month; response rate = rated / closed.',
  callbacks:
    'callbacks (回访) requested in the month; done = the resident confirmed, rejected or the order was reopened after it.',
  missedTargets:
    'every target missed in the month, with its order’s owner, the escalation level reached and the outcome at generation.',
  repeats: 'a report of the same unit and category within 30 days of another order’s close.',
};

/** Phone numbers residents type into comments (eleven-digit mobiles and landlines) are masked like phone fields. */
export const maskPhonesIn = (text: string): string => text.replace(/\+?\d[\d -]{6,}\d/g, (phone) => maskPhone(phone));

/** The instants (ms) of the steps that say where an order stands and whether its callbacks were answered. */
type StandingSteps = Pick<ReportRow, 'closedAt' | 'resolvedAt' | 'reopenedAt' | 'rejectedAt'>;

/**
 * Parses only those instants: a month's report quotes a couple of thousand orders, and parsing every instant of
 * each (its whole report row) was most of the time the report spent in Node.
 */
const standingStepsOf = (o: QuotedOrder): StandingSteps => {
  const ms = (instants: readonly string[]) => instants.map((at) => Date.parse(at));
  return {
    closedAt: ms(o.closes.map((c) => c.at)),
    resolvedAt: ms(o.resolvedAt),
    reopenedAt: ms(o.reopenedAt),
    rejectedAt: ms(o.rejectedAt),
  };
};

/** Where the order stands now: the report is read after the month, and says what was done since. */
const outcomeOf = (o: QuotedOrder, row: StandingSteps): Pick<MissedTarget, 'outcome' | 'outcomeAt' | 'rating'> => {
  const now = Number.POSITIVE_INFINITY;
  if (o.cancelled) return { outcome: 'cancelled', outcomeAt: o.cancelled.at, rating: null };
  const close = o.closes[standingIndex(row.closedAt, row.reopenedAt, now)];
  if (close) return { outcome: 'closed', outcomeAt: close.at, rating: close.rating };
  const resolvedAt = o.resolvedAt[standingIndex(row.resolvedAt, row.reopenedAt, now)];
  return resolvedAt
    ? { outcome: 'resolved', outcomeAt: resolvedAt, rating: null }
    : { outcome: 'open', outcomeAt: null, rating: null };
};

const within = (w: ReportWindow, instant: number): boolean => instant >= w.start && instant < w.end;

/** Lines in the order of their instants (earliest first, ties as given), each instant parsed once. */
const byInstant = <T>(lines: readonly T[], instantOf: (line: T) => string): T[] =>
  lines
    .map((line) => ({ line, at: Date.parse(instantOf(line)) }))
    .sort((a, b) => a.at - b.at)
    .map(({ line }) => line);

export const monthlyReport = (
  input: SitePeriod & {
    readonly month: string;
    readonly previousWindow: ReportWindow;
    /** The month's figures against the previous month's. */
    readonly headline: PeriodFigures;
    /** The month's hot spots (against the 30 days before it) and repeat complaints. */
    readonly cells: readonly CellCount[];
    readonly repeats: readonly RepeatPair[];
    /**
     * The facts of the orders the lines name (a target missed in the month, a comment, a callback unanswered),
     * or more: each line is picked from them by its own rule.
     */
    readonly listed: readonly QuotedOrder[];
    readonly deskNotes: DeskNotes | null;
    readonly generatedAt: Date;
  },
): MonthlyReport => {
  const { siteId, month, timeZone, window, previousWindow, headline } = input;
  const { current } = headline;
  const listed = input.listed.map((o) => ({ o, row: standingStepsOf(o) }));
  const missedTargets = byInstant(
    listed.flatMap(({ o, row }) =>
      o.verdicts
        .filter((v) => !v.met && within(window, Date.parse(v.at)))
        .map((v) => ({
          workOrderId: o.workOrderId,
          number: o.number,
          category: o.category,
          building: o.building,
          tier: o.tier,
          target: v.target,
          dueAt: v.dueAt,
          missedAt: v.at,
          owner: o.owner?.name ?? null,
          technician: o.technician?.name ?? null,
          escalationLevel: Math.max(0, ...o.escalations.filter((e) => e.target === v.target).map((e) => e.level)),
          ...outcomeOf(o, row),
        })),
    ),
    (m) => m.missedAt,
  );
  const comments = byInstant(
    listed.flatMap(({ o }) =>
      o.closes
        .filter((c) => within(window, Date.parse(c.at)) && c.comment !== null)
        .map((c) => ({
          number: o.number,
          rating: c.rating,
          comment: maskPhonesIn(c.comment as string),
          closedAt: c.at,
        })),
    ),
    (c) => c.closedAt,
  );
  const unanswered = byInstant(
    listed.flatMap(({ o, row }) =>
      o.callbacksRequestedAt
        .filter((requestedAt) => within(window, Date.parse(requestedAt)))
        .filter((requestedAt) => !callbackAnsweredBefore(row, Date.parse(requestedAt), window.end))
        .map((requestedAt) => ({ number: o.number, requestedAt })),
    ),
    (c) => c.requestedAt,
  );
  return {
    siteId,
    month,
    timeZone,
    from: window.from,
    to: window.to,
    previousMonth: previousWindow.from.slice(0, 7),
    generatedAt: input.generatedAt.toISOString(),
    headline,
    hotIssues: {
      hotSpots: rankedCells(input.cells).slice(0, HOT_ISSUES_LISTED),
      repeats: repeatComplaintsOf(input.repeats),
    },
    missedTargets,
    satisfaction: { ...current.satisfaction, comments },
    callbacks: { ...current.callbacks, unanswered },
    deskNotes: input.deskNotes,
    definitions: DEFINITIONS,
  };
};
