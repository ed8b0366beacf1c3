import { alertWith } from '../on-call/alert-fixture';
import { bandAt, groupByBand, pagedByOrder, targetStartOf, type AtRiskItem } from './at-risk';

const DUE = Date.parse('2026-12-05T08:00:00Z');

const item = (elapsedPercent: number, band: AtRiskItem['band'], nextDueAt = new Date(DUE).toISOString()) =>
  ({ nextDueAt, elapsedPercent, band }) as AtRiskItem;

describe('targetStartOf', () => {
  it('works the start back from the share gone and the time left: 60 % gone with 40 s left began 100 s before the deadline', () => {
    expect(targetStartOf(item(60, '50-75'), DUE - 40_000)).toBe(DUE - 100_000);
  });

  it('puts the start at the deadline once it has passed, where the band is breached whatever the start', () => {
    expect(targetStartOf(item(120, 'breached'), DUE + 5_000)).toBe(DUE);
  });

  it('does not divide by the rounded-down remainder of a target all but gone', () => {
    expect(Number.isFinite(targetStartOf(item(99.9, '90+'), DUE - 10))).toBe(true);
    expect(targetStartOf(item(99.9, '90+'), DUE - 10)).toBeLessThan(DUE);
  });
});

describe('bandAt', () => {
  const answeredAt = DUE - 40_000; // 60 % of a 100 s target gone
  it.each([
    [answeredAt, '50-75'],
    [DUE - 25_000, '75-90'],
    [DUE - 10_000, '90+'],
    [DUE, 'breached'],
  ])('moves on with the clock: at %i the band is %s', (now, band) => {
    expect(bandAt(item(60, '50-75'), answeredAt, now)).toBe(band);
  });

  it('keeps a breach the service recorded', () => {
    expect(bandAt(item(60, 'breached'), answeredAt, answeredAt)).toBe('breached');
  });
});

describe('groupByBand', () => {
  it('puts every row in exactly one band, keeping the list order, so the counts are the rows', () => {
    const rows = [
      { id: 'a', bandNow: 'breached' as const },
      { id: 'b', bandNow: '90+' as const },
      { id: 'c', bandNow: 'breached' as const },
      { id: 'd', bandNow: 'under-50' as const },
    ];
    const groups = groupByBand(rows);
    expect(groups.breached.map((r) => r.id)).toEqual(['a', 'c']);
    expect(groups['90+'].map((r) => r.id)).toEqual(['b']);
    expect(groups['75-90']).toEqual([]);
    expect(groups['50-75']).toEqual([]);
    expect(groups['under-50'].map((r) => r.id)).toEqual(['d']);
    expect(Object.values(groups).flat()).toHaveLength(rows.length);
  });
});

describe('pagedByOrder', () => {
  const alert = alertWith;

  it('names each person once per order, at the highest level they were paged, lowest level first', () => {
    const paged = pagedByOrder([
      alert({ level: 2, recipients: [{ staffId: 'mgr-zhao', role: 'on-call', channels: ['sms'] }] }),
      alert({ level: 1, recipients: [{ staffId: 'sup-chen', role: 'on-call', channels: ['wecom'] }] }),
      alert({
        kind: 'urgent-order',
        level: null,
        recipients: [{ staffId: 'sup-chen', role: 'on-call', channels: [] }],
      }),
      alert({ workOrderId: 'wo-2', recipients: [{ staffId: 'dispatch:S1', role: 'dispatcher', channels: [] }] }),
    ]);
    expect(paged.get('wo-1')).toEqual([
      { staffId: 'sup-chen', role: 'on-call', level: 1, acknowledged: false },
      { staffId: 'mgr-zhao', role: 'on-call', level: 2, acknowledged: false },
    ]);
    expect(paged.get('wo-2')?.map((p) => p.staffId)).toEqual(['dispatch:S1']);
    expect(paged.get('wo-3')).toBeUndefined();
  });

  it('marks who acknowledged, whichever of the order’s alerts they acknowledged', () => {
    const paged = pagedByOrder([
      alert({
        status: 'acknowledged',
        acknowledgedBy: { staffId: 'sup-chen', name: '陈主管' },
        recipients: [{ staffId: 'sup-chen', role: 'on-call', channels: ['sms'] }],
      }),
      alert({ level: 2, recipients: [{ staffId: 'sup-chen', role: 'on-call', channels: ['sms'] }] }),
    ]);
    expect(paged.get('wo-1')).toEqual([{ staffId: 'sup-chen', role: 'on-call', level: 2, acknowledged: true }]);
  });
});
