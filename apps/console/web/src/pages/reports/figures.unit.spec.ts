import { FIGURES, figureRows, formatChange, formatDuration, formatFigure, GROUP_FIGURES } from './figures';
import type { ServiceLevelFigures } from './report-shapes';

const figuresWith = (overrides: Partial<ServiceLevelFigures> = {}): ServiceLevelFigures => ({
  received: 0,
  closed: 0,
  cancelled: 0,
  closureRate: null,
  responseMetRate: null,
  responseVerdicts: 0,
  resolutionMetRate: null,
  resolutionVerdicts: 0,
  mtta: { medianSeconds: null, meanSeconds: null, counted: 0, excluded: 0 },
  mttr: { medianSeconds: null, meanSeconds: null, counted: 0, excluded: 0 },
  backlog: { open: 0, ageSeconds: { p50: null, p90: null, max: null } },
  reopenRate: null,
  firstTimeFixRate: null,
  satisfaction: { meanRating: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 }, rated: 0, responseRate: null },
  callbacks: { requested: 0, done: 0, overdue: 0 },
  escalations: { level1: 0, level2: 0, level3: 0 },
  alertAckSeconds: { median: null, acknowledged: 0, unacknowledged: 0 },
  duplicatesLinked: 0,
  followUpContacts: 0,
  ...overrides,
});

describe('a figure in words', () => {
  it('writes counts, rates with a decimal, ratings with two, and "—" where there was nothing to count', () => {
    expect(formatFigure('count', 1234, 'en-GB')).toBe('1,234');
    expect(formatFigure('rate', 0.4286, 'en-GB')).toBe('42.9%');
    expect(formatFigure('rate', 1, 'zh-CN')).toBe('100%');
    expect(formatFigure('rating', 4, 'zh-CN')).toBe('4.00');
    expect(formatFigure('rate', null, 'zh-CN')).toBe('—');
    expect(formatFigure('duration', null, 'en-GB')).toBe('—');
  });

  it('writes a duration in its two largest units, in the reader’s language', () => {
    expect(formatDuration(0, 'en-GB')).toBe('0s');
    expect(formatDuration(42, 'en-GB')).toBe('42s');
    expect(formatDuration(3900, 'en-GB')).toBe('1h 5m');
    expect(formatDuration(3 * 86_400 + 7200 + 59, 'en-GB')).toBe('3d 2h');
    expect(formatDuration(3900, 'zh-CN')).toBe('1小时5分钟');
  });

  it('signs the change, in percentage points for rates and "—" when either side had no data', () => {
    expect(formatChange('count', 8, 5, 'en-GB')).toBe('+3');
    expect(formatChange('count', 5, 8, 'en-GB')).toBe('−3');
    expect(formatChange('rate', 0.8333, 0.75, 'en-GB')).toBe('+8.3 pp');
    expect(formatChange('duration', 600, 3900, 'en-GB')).toBe('−55m');
    expect(formatChange('rate', 0.5, null, 'en-GB')).toBe('—');
    expect(formatChange('rating', 4, 4, 'en-GB')).toBe('0');
  });
});

describe('the figure rows', () => {
  it('put each figure this period beside the previous one', () => {
    const rows = figureRows(
      {
        current: figuresWith({
          received: 8,
          closureRate: 0.4286,
          mtta: { medianSeconds: 90, meanSeconds: 95, counted: 6, excluded: 1 },
        }),
        previous: figuresWith({ received: 2 }),
      },
      'en-GB',
    );
    expect(rows.find((r) => r.key === 'received')).toEqual({
      key: 'received',
      current: '8',
      previous: '2',
      change: '+6',
    });
    expect(rows.find((r) => r.key === 'closureRate')).toEqual({
      key: 'closureRate',
      current: '42.9%',
      previous: '—',
      change: '—',
    });
    expect(rows.find((r) => r.key === 'mttaMedian')?.current).toBe('1m 30s');
    expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['escalationsLevel3', 'followUpContacts']));
  });

  it('choose the group table’s figures from the same definitions', () => {
    expect(GROUP_FIGURES).toHaveLength(8);
    expect(GROUP_FIGURES.every((figure) => FIGURES.includes(figure))).toBe(true);
  });
});
