import { EventLoopLag } from './event-loop-lag';

describe('EventLoopLag', () => {
  afterEach(() => jest.useRealTimers());

  it('reads 0 while the sampling timer fires on time, and the delay of a late firing after a stall', () => {
    jest.useFakeTimers();
    const lag = new EventLoopLag(() => Date.now()).start();
    jest.advanceTimersByTime(500);
    expect(lag.current()).toBe(0);
    // The loop was busy for 300 ms: the next firing comes that much late.
    jest.setSystemTime(Date.now() + 300);
    jest.advanceTimersByTime(50);
    expect(lag.current()).toBe(300);
    jest.advanceTimersByTime(50);
    expect(lag.current()).toBe(0);
    lag.stop();
  });
});
