import { closedOrdersRepeated, OrderForRepeats } from './repeat-complaint';

const day = 24 * 3600 * 1000;
const t0 = new Date('2026-11-01T02:00:00Z').getTime();
const order = (over: Partial<OrderForRepeats> & Pick<OrderForRepeats, 'number'>): OrderForRepeats => ({
  building: '3',
  unit: '1202',
  category: 'plumbing',
  reportedAt: new Date(t0),
  closedAt: null,
  ...over,
});

describe('repeat complaints: same unit and category within 30 days of a closed order', () => {
  const closed = order({ number: 'S1-1', closedAt: new Date(t0 + 2 * day) });

  it('flags a report 10 days after the close, naming the closed order', () => {
    const again = order({ number: 'S1-2', reportedAt: new Date(t0 + 12 * day) });
    expect(closedOrdersRepeated(again, [closed, again])).toEqual(['S1-1']);
  });

  it('flags a report exactly 30 days after the close, and not one a minute later', () => {
    expect(closedOrdersRepeated(order({ number: 'a', reportedAt: new Date(t0 + 32 * day) }), [closed])).toEqual([
      'S1-1',
    ]);
    expect(
      closedOrdersRepeated(order({ number: 'b', reportedAt: new Date(t0 + 32 * day + 60_000) }), [closed]),
    ).toEqual([]);
  });

  it.each<[string, Partial<OrderForRepeats>]>([
    ['another category', { category: 'electrical' }],
    ['another unit', { unit: '1203' }],
    ['the same unit number in another building', { building: '4' }],
    ['no unit', { unit: null }],
    ['a report before the close', { reportedAt: new Date(t0 + day) }],
  ])('does not flag %s', (_name, over) => {
    expect(closedOrdersRepeated(order({ number: 'x', reportedAt: new Date(t0 + 5 * day), ...over }), [closed])).toEqual(
      [],
    );
  });

  it('does not count an order that is still open or was cancelled as repeated', () => {
    const open = order({ number: 'S1-0' });
    expect(closedOrdersRepeated(order({ number: 'y', reportedAt: new Date(t0 + day) }), [open])).toEqual([]);
  });

  it('lists every closed order repeated, oldest close first', () => {
    const second = order({ number: 'S1-3', reportedAt: new Date(t0 + 5 * day), closedAt: new Date(t0 + 6 * day) });
    const third = order({ number: 'S1-4', reportedAt: new Date(t0 + 20 * day) });
    expect(closedOrdersRepeated(third, [second, closed, third])).toEqual(['S1-1', 'S1-3']);
  });
});
