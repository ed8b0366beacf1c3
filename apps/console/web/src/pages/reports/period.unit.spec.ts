import {
  addDays,
  datesOf,
  downloadName,
  localDateAt,
  monthAfter,
  periodFrom,
  rangeProblem,
  trendGroupingFor,
} from './period';

const SHANGHAI = 'Asia/Shanghai';

describe('the period of a report', () => {
  it('is the current month at the site by default, which may be a month ahead of UTC', () => {
    // 2026-11-30T17:00Z is already 1 December in Shanghai.
    expect(periodFrom(new URLSearchParams(), new Date('2026-11-30T17:00:00Z'), SHANGHAI)).toEqual({
      kind: 'month',
      month: '2026-12',
    });
    expect(localDateAt(new Date('2026-11-30T15:59:59Z'), SHANGHAI)).toBe('2026-11-30');
  });

  it.each([
    ['month=2026-02', { kind: 'month', month: '2026-02' }],
    ['from=2026-11-03&through=2026-11-09', { kind: 'range', from: '2026-11-03', through: '2026-11-09' }],
    ['month=2026-13', { kind: 'month', month: '2026-11' }],
    ['from=2026-11-09&through=2026-11-03', { kind: 'month', month: '2026-11' }],
  ])('reads ?%s from the address, or the current month when the service would refuse it', (search, period) => {
    expect(periodFrom(new URLSearchParams(search), new Date('2026-11-15T00:00:00Z'), SHANGHAI)).toEqual(period);
  });

  it('asks the service for [from, to): a month up to the next first, a range up to the day after its last', () => {
    expect(datesOf({ kind: 'month', month: '2026-12' })).toEqual({ from: '2026-12-01', to: '2027-01-01' });
    expect(datesOf({ kind: 'month', month: '2028-02' })).toEqual({ from: '2028-02-01', to: '2028-03-01' });
    expect(datesOf({ kind: 'range', from: '2026-11-03', through: '2026-11-09' })).toEqual({
      from: '2026-11-03',
      to: '2026-11-10',
    });
  });

  it('counts months and days across year ends and leap days', () => {
    expect(monthAfter('2026-12', 1)).toBe('2027-01');
    expect(monthAfter('2026-01', -1)).toBe('2025-12');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('refuses a range that is not dates, ends before it starts, or is longer than 400 days', () => {
    expect(rangeProblem('2026-11-01', '2026-11-01')).toBeUndefined();
    expect(rangeProblem('2026-11-01', 'tomorrow')).toBe('invalid');
    expect(rangeProblem('2026-11-02', '2026-11-01')).toBe('reversed');
    expect(rangeProblem('2026-01-01', '2027-02-04')).toBeUndefined(); // 400 days
    expect(rangeProblem('2026-01-01', '2027-02-05')).toBe('tooLong');
  });

  it('draws trends by day over a month, by week over a season, by month over a year', () => {
    expect(trendGroupingFor({ kind: 'month', month: '2026-11' })).toBe('day');
    expect(trendGroupingFor({ kind: 'range', from: '2026-07-01', through: '2026-11-30' })).toBe('week');
    expect(trendGroupingFor({ kind: 'range', from: '2026-01-01', through: '2026-12-31' })).toBe('month');
  });

  it('names a download after the report, the site and the period', () => {
    expect(downloadName('service-levels', 'S1', { kind: 'month', month: '2026-11' }, 'csv')).toBe(
      'service-levels-S1-2026-11.csv',
    );
    expect(downloadName('hot-spots', 'S 1', { kind: 'range', from: '2026-11-03', through: '2026-11-09' }, 'csv')).toBe(
      'hot-spots-S_1-2026-11-03-2026-11-10.csv',
    );
  });
});
