// The reports' JSON, generated from docs/openapi.yaml (ServiceLevelReport, HotSpotReport, MonthlyReport) like the
// console's other shapes (see work-orders.ts), so the document and the console cannot drift apart; every figure is
// defined in docs/reports.md.
import type { components, paths } from '../../generated/openapi';
import { pathsV1ReportsServiceLevelsGetParametersQueryGroupByValues } from '../../generated/openapi';

type Schemas = components['schemas'];

export type ServiceLevelFigures = Schemas['ServiceLevelFigures'];
export type PeriodFigures = Schemas['PeriodFigures'];

export const RATINGS = ['1', '2', '3', '4', '5'] as const;
export type Rating = (typeof RATINGS)[number];

export type Grouping = NonNullable<
  NonNullable<paths['/v1/reports/service-levels']['get']['parameters']['query']>['groupBy']
>;
export const GROUPINGS: readonly Grouping[] = pathsV1ReportsServiceLevelsGetParametersQueryGroupByValues;

/** The document types groupBy as any string; it echoes the query's groupBy, one of GROUPINGS. */
export type ServiceLevelReport = Omit<Schemas['ServiceLevelReport'], 'groupBy'> & { readonly groupBy: Grouping | null };
export type ServiceLevelGroup = ServiceLevelReport['groups'][number];

export type HotSpotReport = Schemas['HotSpotReport'];
export type HotSpotCell = HotSpotReport['hotSpots'][number];
export type RepeatComplaint = HotSpotReport['repeats'][number];
export type SeasonMonth = HotSpotReport['seasonality'][number];

/** An order a repeat names; the id is there only when the report gives it (today it gives the number). */
export interface RepeatOrder {
  readonly number: string;
  readonly workOrderId?: string;
}

export type MonthlyReport = Schemas['MonthlyReport'];
export type MissedTarget = MonthlyReport['missedTargets'][number];
