import { localDateOf } from '@closeloop/contracts';
import { formatWorkOrderNumber } from './numbering';

describe('formatWorkOrderNumber (统一编号)', () => {
  it('joins site, compact local date and a four-digit daily sequence', () => {
    expect(formatWorkOrderNumber('S1', '2026-11-23', 1)).toBe('S1-20261123-0001');
    expect(formatWorkOrderNumber('S2', '2026-11-23', 305)).toBe('S2-20261123-0305');
  });

  it('grows a digit past 9999 instead of wrapping', () => {
    expect(formatWorkOrderNumber('S1', '2026-11-23', 9999)).toBe('S1-20261123-9999');
    expect(formatWorkOrderNumber('S1', '2026-11-23', 10000)).toBe('S1-20261123-10000');
  });
});

describe('numbering days follow the site clock (localDateOf)', () => {
  it('gives the calendar date of an instant in the site time zone', () => {
    expect(localDateOf(new Date('2026-11-23T09:00:00+08:00'), 'Asia/Shanghai')).toBe('2026-11-23');
  });

  it('starts a new numbering day at local midnight, not UTC midnight', () => {
    // 00:30 on 24 November in Shanghai is still 23 November in UTC.
    const justAfterLocalMidnight = new Date('2026-11-24T00:30:00+08:00');
    expect(localDateOf(justAfterLocalMidnight, 'Asia/Shanghai')).toBe('2026-11-24');
    expect(localDateOf(justAfterLocalMidnight, 'UTC')).toBe('2026-11-23');
  });

  it('keeps the previous day until local midnight', () => {
    expect(localDateOf(new Date('2026-11-23T23:59:59+08:00'), 'Asia/Shanghai')).toBe('2026-11-23');
  });

  it('feeds formatWorkOrderNumber with the date it expects', () => {
    expect(formatWorkOrderNumber('S1', localDateOf(new Date('2026-11-23T09:00:00+08:00'), 'Asia/Shanghai'), 7)).toBe(
      'S1-20261123-0007',
    );
  });
});
