import { expectPublishable } from '@closeloop/testing';
import { hotSpotReport } from './hot-spots';
import { hotSpotsInMemory } from './hot-spots-counted-in-memory.spec';
import { NOVEMBER } from './order-history-under-test.spec';
import { foldReportOrder, ReportOrder } from './report-order';
import { reportRowOf } from './report-row';
import { splitWindow, windowOf } from './report-window';
import { GroupBy } from './service-levels';
import { median, percentile, serviceLevelReportInMemory } from './service-levels-counted-in-memory.spec';

const ZONE = 'Asia/Shanghai';
const fold = (events: (typeof NOVEMBER)[number]['events']): ReportOrder =>
  foldReportOrder(events.map((event) => ({ event, occurredAt: '2026-12-01T00:00:00Z' }))) as ReportOrder;
const orders = NOVEMBER.map((h) => reportRowOf(fold(h.events)));
const november = windowOf('2026-11-01', '2026-12-01', ZONE);
const novemberReport = (groupBy?: GroupBy, rows = orders) =>
  serviceLevelReportInMemory({ siteId: 'S1', timeZone: ZONE, window: november, groupBy, orders: rows });
const HOUR = 3600;
const DAY = 24 * HOUR;

describe('the November fixture', () => {
  it('is made of events that meet their published contracts', () => {
    expectPublishable(NOVEMBER.flatMap((h) => h.events));
  });
});

describe('the service-level report', () => {
  const report = novemberReport();

  it('reads the period as local midnights and compares it with the 30 days before', () => {
    expect(new Date(november.start).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(new Date(november.end).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(report.previous).toEqual({ from: '2026-10-02', to: '2026-11-01' });
  });

  it('works out every figure of November as counted by hand', () => {
    expect(report.total.current).toEqual({
      received: 6, // A B C D F G (E came in October)
      closed: 2, // A B
      cancelled: 1, // D
      closureRate: 0.4, // of the five received and not cancelled, A and B closed
      responseMetRate: 0.75, // A B C met, F missed
      responseVerdicts: 4,
      resolutionMetRate: 0.75, // A, C's two rounds met; B missed
      resolutionVerdicts: 4,
      mtta: { medianSeconds: 900, meanSeconds: 975, counted: 4, excluded: 1 }, // 300 600 1200 1800; F never
      mttr: {
        medianSeconds: 47 * HOUR, // B
        meanSeconds: (1.5 * HOUR + 47 * HOUR + 74 * HOUR) / 3, // A, B, and C's standing (second) resolution
        counted: 3,
        excluded: 2, // F and G not resolved
      },
      backlog: {
        open: 4, // C (resolved, unconfirmed), E, F, G
        ageSeconds: { p50: 10 * DAY + 16 * HOUR, p90: 41 * DAY + 15 * HOUR, max: 41 * DAY + 15 * HOUR },
      },
      reopenRate: 0.3333, // of A B C resolved in November, C was reopened
      firstTimeFixRate: 1, // A and B closed without a reopen or a rejection
      satisfaction: {
        meanRating: 3.5,
        distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 },
        rated: 2,
        responseRate: 1,
      },
      callbacks: { requested: 2, done: 1, overdue: 1 }, // B's answered by its close; C's not by 1 December
      escalations: { level1: 1, level2: 1, level3: 0 },
      alertAckSeconds: { median: 600, acknowledged: 1, unacknowledged: 1 },
      duplicatesLinked: 1,
      followUpContacts: 1,
      priorityLane: 0,
    });
  });

  it('counts the received orders the priority lane raised, in the period and the one before', () => {
    // A (received in November) and E (in October) raised by the lane.
    const marked = orders.map((row) => ({ ...row, priorityLane: ['S1-0001', 'S1-0005'].includes(row.number) }));
    const figures = novemberReport(undefined, marked).total;
    expect([figures.current.priorityLane, figures.previous.priorityLane]).toEqual([1, 1]);
  });

  it('works out the previous period from the same rows', () => {
    const previous = report.total.previous;
    expect(previous).toMatchObject({
      received: 1,
      closed: 0,
      closureRate: 0,
      responseMetRate: null,
      mtta: { medianSeconds: 600, meanSeconds: 600, counted: 1, excluded: 0 },
      mttr: { medianSeconds: null, meanSeconds: null, counted: 0, excluded: 1 },
      backlog: {
        open: 1,
        ageSeconds: { p50: 11 * DAY + 15 * HOUR, p90: 11 * DAY + 15 * HOUR, max: 11 * DAY + 15 * HOUR },
      },
      satisfaction: { meanRating: null, rated: 0, responseRate: null },
      duplicatesLinked: 0,
    });
  });

  it('groups by an attribute of the order, each group against its own previous period', () => {
    const byTier = novemberReport('tier');
    expect(byTier.groups.map((g) => [g.key, g.current.received, g.previous.received, g.current.backlog.open])).toEqual([
      ['normal', 3, 0, 2], // B C F; C and F open
      ['planned', 0, 1, 1], // E
      ['urgent', 2, 0, 1], // A G; G open
      [null, 1, 0, 0], // D, cancelled before triage
    ]);
    const byTechnician = novemberReport('technician');
    expect(byTechnician.groups.find((g) => g.key === 'T-li')?.current.satisfaction.meanRating).toBe(2);
  });

  it('groups by week: ISO weeks cut at Mondays, each compared with the part of the same length before it', () => {
    const byWeek = novemberReport('week');
    expect(byWeek.groups.map((g) => [g.from, g.to, g.current.received])).toEqual([
      ['2026-11-01', '2026-11-02', 0],
      ['2026-11-02', '2026-11-09', 1],
      ['2026-11-09', '2026-11-16', 2],
      ['2026-11-16', '2026-11-23', 1],
      ['2026-11-23', '2026-11-30', 2],
      ['2026-11-30', '2026-12-01', 0],
    ]);
    expect(byWeek.groups[2]?.previous.received).toBe(1); // A, in the week before
  });
});

describe('the hot-spot report', () => {
  const period = { siteId: 'S1', timeZone: ZONE, window: november };
  const report = hotSpotReport({
    ...period,
    ...hotSpotsInMemory(orders, period),
    months: ['2026-10', '2026-11'],
    monthCounts: [
      { month: '2026-10', category: 'noise', received: 1 },
      { month: '2026-11', category: 'lift', received: 2 },
      { month: '2026-11', category: null, received: 1 },
    ],
  });

  it('counts received orders by category and building against the previous period', () => {
    expect(report.hotSpots).toEqual([
      { category: 'electrical', building: 'B5', received: 2, previous: 0, change: 2 },
      { category: 'leak', building: 'B3', received: 2, previous: 0, change: 2 },
      { category: 'lift', building: 'B3', received: 2, previous: 0, change: 2 },
      { category: 'noise', building: 'B3', received: 0, previous: 1, change: -1 },
    ]);
  });

  it('finds the repeat complaints: the same unit and category within 30 days of a close, cancelled reports too', () => {
    expect(report.repeats).toEqual([
      {
        building: 'B3',
        unit: '3-1201',
        category: 'lift',
        earlier: { number: 'S1-0001', closedAt: '2026-11-03T10:00:00.000Z' },
        later: { number: 'S1-0007', reportedAt: '2026-11-15T02:00:00.000Z' },
        daysAfterClose: 11,
      },
      {
        building: 'B3',
        unit: '3-0502',
        category: 'leak',
        earlier: { number: 'S1-0002', closedAt: '2026-11-12T12:00:00.000Z' },
        later: { number: 'S1-0004', reportedAt: '2026-11-25T04:00:00.000Z' }, // D: the resident called again
        daysAfterClose: 12,
      },
    ]);
  });

  it('lays the months out in order, uncategorised orders under (none)', () => {
    expect(report.seasonality).toEqual([
      { month: '2026-10', received: 1, byCategory: { noise: 1 } },
      { month: '2026-11', received: 3, byCategory: { lift: 2, '(none)': 1 } },
    ]);
  });
});

describe('periods and statistics', () => {
  it('splits a period into months, the last one partial', () => {
    const parts = splitWindow(windowOf('2026-10-15', '2026-12-10', ZONE), 'month', ZONE);
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      ['2026-10-15', '2026-11-01'],
      ['2026-11-01', '2026-12-01'],
      ['2026-12-01', '2026-12-10'],
    ]);
  });

  it.each([
    [[], null, null],
    [[5], 5, 5],
    [[4, 1, 3, 2], 2.5, 4],
    [[10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 55, 90],
  ])('median and nearest-rank p90 of %j', (values, expectedMedian, expectedP90) => {
    expect(median(values)).toBe(expectedMedian);
    expect(percentile(values, 90)).toBe(expectedP90);
  });
});
