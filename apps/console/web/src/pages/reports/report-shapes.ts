// The reports' JSON as docs/openapi.yaml describes it (ServiceLevelReport, HotSpotReport, MonthlyReport); every
// figure is defined in docs/reports.md.

/** A share with four decimals, null when there was nothing to divide by. */
export type Rate = number | null;

export interface DurationFigure {
  readonly medianSeconds: number | null;
  readonly meanSeconds: number | null;
  readonly counted: number;
  readonly excluded: number;
}

export const RATINGS = ['1', '2', '3', '4', '5'] as const;
export type Rating = (typeof RATINGS)[number];

export interface ServiceLevelFigures {
  readonly received: number;
  readonly closed: number;
  readonly cancelled: number;
  readonly closureRate: Rate;
  readonly responseMetRate: Rate;
  readonly responseVerdicts: number;
  readonly resolutionMetRate: Rate;
  readonly resolutionVerdicts: number;
  readonly mtta: DurationFigure;
  readonly mttr: DurationFigure;
  readonly backlog: {
    readonly open: number;
    readonly ageSeconds: { readonly p50: number | null; readonly p90: number | null; readonly max: number | null };
  };
  readonly reopenRate: Rate;
  readonly firstTimeFixRate: Rate;
  readonly satisfaction: {
    readonly meanRating: number | null;
    readonly distribution: Readonly<Record<Rating, number>>;
    readonly rated: number;
    readonly responseRate: Rate;
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

export interface PeriodFigures {
  readonly current: ServiceLevelFigures;
  readonly previous: ServiceLevelFigures;
}

export const ATTRIBUTE_GROUPINGS = ['tier', 'category', 'building', 'team', 'technician', 'channel'] as const;
export const TIME_GROUPINGS = ['day', 'week', 'month'] as const;
export type Grouping = (typeof ATTRIBUTE_GROUPINGS)[number] | (typeof TIME_GROUPINGS)[number];
export const GROUPINGS: readonly Grouping[] = [...ATTRIBUTE_GROUPINGS, ...TIME_GROUPINGS];

export interface ServiceLevelGroup extends PeriodFigures {
  /** The group's value (null: orders without one), or the first local date of a day, week or month. */
  readonly key: string | null;
  readonly from?: string;
  readonly to?: string;
}

export interface ServiceLevelReport {
  readonly siteId: string;
  readonly timeZone: string;
  readonly from: string;
  readonly to: string;
  readonly previous: { readonly from: string; readonly to: string };
  readonly groupBy: Grouping | null;
  readonly total: PeriodFigures;
  readonly groups: readonly ServiceLevelGroup[];
}

export interface HotSpotCell {
  readonly category: string | null;
  readonly building: string | null;
  readonly received: number;
  readonly previous: number;
  readonly change: number;
}

/** An order a repeat names; the id is there only when the report gives it (today it gives the number). */
export interface RepeatOrder {
  readonly number: string;
  readonly workOrderId?: string;
}

export interface RepeatComplaint {
  readonly building: string | null;
  readonly unit: string;
  readonly category: string;
  readonly earlier: RepeatOrder & { readonly closedAt: string };
  readonly later: RepeatOrder & { readonly reportedAt: string };
  readonly daysAfterClose: number;
}

export interface SeasonMonth {
  readonly month: string;
  readonly received: number;
  readonly byCategory: Readonly<Record<string, number>>;
}

export interface HotSpotReport {
  readonly siteId: string;
  readonly from: string;
  readonly to: string;
  readonly previous: { readonly from: string; readonly to: string };
  readonly hotSpots: readonly HotSpotCell[];
  readonly repeats: readonly RepeatComplaint[];
  readonly seasonality: readonly SeasonMonth[];
}

export interface MissedTarget {
  readonly workOrderId: string;
  readonly number: string;
  readonly category: string | null;
  readonly building: string | null;
  readonly target: 'response' | 'resolution';
  readonly missedAt: string;
  readonly owner: string | null;
  readonly technician: string | null;
  readonly escalationLevel: number;
  readonly outcome: 'closed' | 'resolved' | 'cancelled' | 'open';
  readonly rating: number | null;
}

export interface MonthlyReport {
  readonly siteId: string;
  readonly month: string;
  readonly previousMonth: string;
  readonly generatedAt: string;
  readonly missedTargets: readonly MissedTarget[];
}
