import {
  hotSpotsChart,
  receivedClosedChart,
  satisfactionChart,
  seasonalityChart,
  UNCATEGORISED,
} from './chart-options';
import type { ServiceLevelFigures, ServiceLevelGroup } from './report-shapes';

const group = (key: string, received: number, closed: number): ServiceLevelGroup => ({
  key,
  // The charts read no other figure.
  current: { received, closed } as ServiceLevelFigures,
  previous: { received: 0, closed: 0 } as ServiceLevelFigures,
});

describe('the report charts', () => {
  it('draw received beside closed per part, with the same figures as a table', () => {
    const chart = receivedClosedChart(
      [group('2026-11-01', 5, 3), group('2026-11-02', 2, 4)],
      { part: 'Day', received: 'Received', closed: 'Closed' },
      (g) => g.key!.slice(5),
    );
    expect(chart.option.series).toEqual([
      { type: 'bar', name: 'Received', data: [5, 2], stack: undefined },
      { type: 'bar', name: 'Closed', data: [3, 4], stack: undefined },
    ]);
    expect(chart.option.xAxis).toMatchObject({ type: 'category', data: ['11-01', '11-02'] });
    expect(chart.table).toEqual({
      columns: ['Day', 'Received', 'Closed'],
      rows: [
        ['11-01', 5, 3],
        ['11-02', 2, 4],
      ],
    });
  });

  it('count the ratings from one star to five', () => {
    const chart = satisfactionChart(
      { 1: 0, 2: 1, 3: 1, 4: 2, 5: 7 },
      { rating: 'Rating', count: 'Closes' },
      (r) => `${r}★`,
    );
    expect(chart.table.rows).toEqual([
      ['1★', 0],
      ['2★', 1],
      ['3★', 1],
      ['4★', 2],
      ['5★', 7],
    ]);
  });

  it('lay the hot spots on their side, busiest on top, against the previous period', () => {
    const chart = hotSpotsChart(
      [
        { category: 'plumbing', building: 'B3', received: 4, previous: 1, change: 3 },
        { category: null, building: 'B7', received: 1, previous: 2, change: -1 },
      ],
      { cell: 'Where', received: 'This period', previous: 'Previous' },
      (c) => `${c.category ?? '—'} · ${c.building ?? '—'}`,
    );
    expect(chart.option.yAxis).toMatchObject({ type: 'category', inverse: true, data: ['plumbing · B3', '— · B7'] });
    expect(chart.table.rows).toEqual([
      ['plumbing · B3', 4, 1],
      ['— · B7', 1, 2],
    ]);
  });

  it('stack twelve months by category, busiest category first, the uncategorised named', () => {
    const chart = seasonalityChart(
      [
        { month: '2026-10', received: 3, byCategory: { plumbing: 1, '(none)': 2 } },
        { month: '2026-11', received: 4, byCategory: { plumbing: 3, lift: 1 } },
      ],
      'Month',
      (category) => (category === UNCATEGORISED ? 'Uncategorised' : category),
    );
    expect(chart.table).toEqual({
      columns: ['Month', 'plumbing', 'Uncategorised', 'lift'],
      rows: [
        ['2026-10', 1, 2, 0],
        ['2026-11', 3, 0, 1],
      ],
    });
    expect(chart.option.series).toEqual(expect.arrayContaining([expect.objectContaining({ stack: 'received' })]));
  });
});
