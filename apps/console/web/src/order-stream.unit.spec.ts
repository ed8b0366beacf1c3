import { orderStreamEventOf, reconnectDelayMs } from './order-stream';

describe('orderStreamEventOf', () => {
  it('reads the first event of a fresh connection and of a resumed one', () => {
    expect(orderStreamEventOf({ event: 'ready', data: '{"site":"S1","resumed":false}' })).toEqual({
      type: 'ready',
      resumed: false,
    });
    expect(orderStreamEventOf({ event: 'ready', data: '{"site":"S1","resumed":true}' })).toEqual({
      type: 'ready',
      resumed: true,
    });
  });

  it('reads a reset', () => {
    expect(orderStreamEventOf({ event: 'reset', data: '{"site":"S1","reason":"changes-pruned"}' })).toEqual({
      type: 'reset',
    });
  });

  it('reads a changed order as the list item it carries', () => {
    const order = {
      workOrderId: '9fdf1a3e-ff78-5a90-a787-da5f852c1ab1',
      status: 'assigned',
      number: 'S1-20261205-0001',
    };
    expect(orderStreamEventOf({ event: 'work-order', data: JSON.stringify(order) })).toEqual({
      type: 'work-order',
      order,
    });
  });

  it.each([
    ['an unknown event', { event: 'presence', data: '{}' }],
    ['an order event without an order', { event: 'work-order', data: '{"status":"assigned"}' }],
    ['an order event whose data is not JSON', { event: 'work-order', data: 'not json' }],
  ])('skips %s', (_, message) => {
    expect(orderStreamEventOf(message)).toEqual({ type: 'unknown', name: message.event });
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 1 s to at most 30 s after each failure in a row', () => {
    const ceiling = () => 1;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((failures) => reconnectDelayMs(failures, ceiling))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('waits at least half of that, at random', () => {
    expect(reconnectDelayMs(0, () => 0)).toBe(500);
    expect(reconnectDelayMs(3, () => 0.5)).toBe(6000);
  });
});
