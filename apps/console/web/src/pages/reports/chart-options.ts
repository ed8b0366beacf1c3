// Each chart as data first: the ECharts option that draws it and a table of the same figures, which screen readers
// read in place of the canvas. Pure, so both are tested without a browser.
import type { BarSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import { RATINGS, type HotSpotCell, type Rating, type SeasonMonth, type ServiceLevelGroup } from './report-shapes';

export type ReportChartOption = ComposeOption<
  BarSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption
>;

export interface ChartTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

export interface ReportChart {
  readonly option: ReportChartOption;
  readonly table: ChartTable;
}

/** A palette whose neighbours differ in lightness too, so the bars stay apart for colour-blind readers. */
export const CHART_COLOURS = ['#0958d9', '#d46b08', '#389e0d', '#722ed1', '#c41d7f', '#08979c', '#7c6f00', '#595959'];

const base = (categories: readonly string[], horizontal = false): ReportChartOption => {
  const categoryAxis = { type: 'category' as const, data: [...categories], axisLabel: { hideOverlap: true } };
  const valueAxis = { type: 'value' as const, minInterval: 1 };
  return {
    color: CHART_COLOURS,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
  };
};

const chartOf = (
  categories: readonly string[],
  firstColumn: string,
  series: readonly { readonly name: string; readonly values: readonly number[]; readonly stack?: string }[],
  horizontal = false,
): ReportChart => ({
  option: {
    ...base(categories, horizontal),
    series: series.map(({ name, values, stack }) => ({ type: 'bar', name, data: [...values], stack })),
  },
  table: {
    columns: [firstColumn, ...series.map((s) => s.name)],
    rows: categories.map((category, i) => [category, ...series.map((s) => s.values[i] ?? 0)]),
  },
});

/** Orders received and closed in each part of the period (a day, a week or a month, or any other grouping). */
export const receivedClosedChart = (
  groups: readonly ServiceLevelGroup[],
  words: { readonly part: string; readonly received: string; readonly closed: string },
  labelOf: (group: ServiceLevelGroup) => string,
): ReportChart =>
  chartOf(groups.map(labelOf), words.part, [
    { name: words.received, values: groups.map((g) => g.current.received) },
    { name: words.closed, values: groups.map((g) => g.current.closed) },
  ]);

/** How many closes were rated one to five stars. */
export const satisfactionChart = (
  distribution: Readonly<Record<Rating, number>>,
  words: { readonly rating: string; readonly count: string },
  starsLabel: (rating: Rating) => string,
): ReportChart =>
  chartOf(RATINGS.map(starsLabel), words.rating, [{ name: words.count, values: RATINGS.map((r) => distribution[r]) }]);

/** The busiest category × building cells, this period beside the one before. */
export const hotSpotsChart = (
  cells: readonly HotSpotCell[],
  words: { readonly cell: string; readonly received: string; readonly previous: string },
  labelOf: (cell: HotSpotCell) => string,
): ReportChart =>
  chartOf(
    cells.map(labelOf),
    words.cell,
    [
      { name: words.received, values: cells.map((c) => c.received) },
      { name: words.previous, values: cells.map((c) => c.previous) },
    ],
    true,
  );

/** How the seasonality report names the orders without a category. */
export const UNCATEGORISED = '(none)';

/** Orders received in each of twelve months, stacked by category, busiest category at the bottom. */
export const seasonalityChart = (
  months: readonly SeasonMonth[],
  monthColumn: string,
  categoryLabel: (category: string) => string,
): ReportChart => {
  const totals = new Map<string, number>();
  for (const month of months)
    for (const [category, count] of Object.entries(month.byCategory))
      totals.set(category, (totals.get(category) ?? 0) + count);
  const categories = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
  return chartOf(
    months.map((m) => m.month),
    monthColumn,
    categories.map((category) => ({
      name: categoryLabel(category),
      values: months.map((m) => m.byCategory[category] ?? 0),
      stack: 'received',
    })),
  );
};
