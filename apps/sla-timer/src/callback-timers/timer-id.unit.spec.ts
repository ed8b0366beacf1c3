import { timerIdOf } from './timer-store';

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';

describe('timerIdOf', () => {
  it('is an RFC 9562 version-5 UUID of the order, kind and round, the same on every call', () => {
    expect(timerIdOf(workOrderId, 'callback-due', 0)).toBe('073587d1-88d9-5f91-9f27-f0146280c9a2');
    expect(timerIdOf(workOrderId, 'callback-due', 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives one id per order, kind and round', () => {
    const ids = [
      timerIdOf(workOrderId, 'callback-due', 0),
      timerIdOf(workOrderId, 'callback-due', 1),
      timerIdOf(workOrderId, 'close-unconfirmed', 0),
    ];
    expect(new Set(ids).size).toBe(3);
  });
});
