import { CallerOverShareError, OverloadedError } from '@closeloop/contracts';
import { Admission, LoadShedder, LoadSheddingOptions, Ticket } from './load-shedder';

const bounds: LoadSheddingOptions = {
  maxInFlight: 2,
  maxQueued: 2,
  maxQueueWaitMillis: 500,
  maxPoolWaiters: 5,
  maxEventLoopLagMillis: 200,
  callerShare: 1,
};

/** Whether the ticket's admission has settled yet, and how (microtasks flushed first). */
const settled = async (ticket: Ticket): Promise<Admission | 'pending'> => {
  let outcome: Admission | 'pending' = 'pending';
  void ticket.admission.then((a) => (outcome = a));
  await Promise.resolve();
  await Promise.resolve();
  return outcome;
};

describe('LoadShedder', () => {
  let now = 0;
  let poolWaiters = 0;
  let lag = 0;
  const shedder = (options: Partial<LoadSheddingOptions> = {}) =>
    new LoadShedder(
      { ...bounds, ...options },
      { poolWaiters: () => poolWaiters, eventLoopLag: () => lag, now: () => now, random: () => 0 },
    );

  beforeEach(() => {
    jest.useFakeTimers();
    now = 0;
    poolWaiters = 0;
    lag = 0;
  });
  afterEach(() => jest.useRealTimers());

  it('admits up to maxInFlight at once, queues up to maxQueued, refuses the next with 503 OVERLOADED and nothing left held', async () => {
    const s = shedder();
    const running = [s.enter(undefined), s.enter(undefined)];
    for (const t of running) expect(await settled(t)).toEqual({ kind: 'admitted' });
    const queued = [s.enter(undefined), s.enter(undefined)];
    for (const t of queued) expect(await settled(t)).toBe('pending');
    const refused = await settled(s.enter(undefined));
    expect(refused).toMatchObject({ kind: 'refused', reason: 'queue-full' });
    expect(refused !== 'pending' && refused.kind === 'refused' && refused.error).toBeInstanceOf(OverloadedError);
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 2, shed: { 'queue-full': 1 } });
  });

  it('hands a freed slot to the longest-waiting request, in order', async () => {
    const s = shedder();
    const [a, b] = [s.enter(undefined), s.enter(undefined)];
    const [c, d] = [s.enter(undefined), s.enter(undefined)];
    a.leave();
    expect(await settled(c)).toEqual({ kind: 'admitted' });
    expect(await settled(d)).toBe('pending');
    b.leave();
    expect(await settled(d)).toEqual({ kind: 'admitted' });
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 0 });
  });

  it('refuses a request that waited maxQueueWaitMillis without a slot, and its place is given up', async () => {
    const s = shedder();
    s.enter(undefined);
    s.enter(undefined);
    const waiting = s.enter(undefined);
    jest.advanceTimersByTime(499);
    expect(await settled(waiting)).toBe('pending');
    jest.advanceTimersByTime(1);
    expect(await settled(waiting)).toMatchObject({
      kind: 'refused',
      reason: 'queue-timeout',
      error: { code: 'OVERLOADED' },
    });
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 0, shed: { 'queue-timeout': 1 } });
  });

  it('drops a request whose caller left while it waited: it never runs, and its leaving frees nothing it did not hold', async () => {
    const s = shedder();
    const a = s.enter(undefined);
    s.enter(undefined);
    const gone = s.enter(undefined);
    const next = s.enter(undefined);
    gone.leave();
    expect(await settled(gone)).toEqual({ kind: 'abandoned' });
    gone.leave();
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 1 });
    a.leave();
    a.leave();
    expect(await settled(next)).toEqual({ kind: 'admitted' });
    expect(s.stats()).toMatchObject({ inFlight: 2, queued: 0 });
  });

  it('refuses at once while the database pool has more than maxPoolWaiters waiting, even with a slot free', async () => {
    const s = shedder();
    poolWaiters = 6;
    expect(await settled(s.enter(undefined))).toMatchObject({ kind: 'refused', reason: 'pool-waiters' });
    poolWaiters = 5;
    expect(await settled(s.enter(undefined))).toEqual({ kind: 'admitted' });
  });

  it('refuses at once while the event loop runs later than maxEventLoopLagMillis, advising at least that long', async () => {
    const s = shedder();
    lag = 350;
    // The lag, plus the shortest advice (50 ms) for an empty queue.
    expect(await settled(s.enter(undefined))).toMatchObject({
      kind: 'refused',
      reason: 'event-loop-lag',
      error: { code: 'OVERLOADED', details: { retryAfterMillis: 400 } },
    });
    lag = 200;
    expect(await settled(s.enter(undefined))).toEqual({ kind: 'admitted' });
    expect(s.stats().shed['event-loop-lag']).toBe(1);
  });

  it('refuses with 429 a caller over its share while another caller holds a request, and only while requests wait', async () => {
    // Share 0.5 of (2 in flight + 2 queued): a caller may hold 2.
    const s = shedder({ callerShare: 0.5 });
    const mine = [s.enter('key:a'), s.enter('key:a')];
    for (const t of mine) expect(await settled(t)).toEqual({ kind: 'admitted' });
    // Alone, the caller only meets the overall bounds.
    expect(await settled(s.enter('key:a'))).toBe('pending');
    expect(await settled(s.enter('key:b'))).toBe('pending');
    const over = await settled(s.enter('key:a'));
    expect(over).toMatchObject({ kind: 'refused', reason: 'caller-share' });
    expect(over !== 'pending' && over.kind === 'refused' && over.error).toBeInstanceOf(CallerOverShareError);
    // Requests without a caller id are held to the overall bounds only.
    expect(await settled(s.enter(undefined))).toMatchObject({ kind: 'refused', reason: 'queue-full' });
  });

  it('advises a retry after the backlog ahead drains at the measured service time, within bounds', async () => {
    const s = shedder({ maxQueued: 0 });
    const [a, b] = [s.enter(undefined), s.enter(undefined)];
    now = 1_000;
    a.leave();
    b.leave();
    // Two requests of 1,000 ms move the average from 50 ms by a tenth of the gap each: 145, then 230.5 ms.
    expect(s.stats().serviceMillis).toBe(231);
    s.enter(undefined);
    s.enter(undefined);
    const refused = await settled(s.enter(undefined));
    // One request's own turn through 2 slots at 230.5 ms each.
    expect(refused).toMatchObject({
      kind: 'refused',
      error: { details: { retryAfterMillis: 115, retryAfterSeconds: 1 } },
    });
  });

  it('refuses bounds that make no sense', () => {
    expect(() => shedder({ maxInFlight: 0 })).toThrow(/maxInFlight/);
    expect(() => shedder({ maxQueued: -1 })).toThrow(/maxQueued/);
    expect(() => shedder({ maxQueueWaitMillis: 0.5 })).toThrow(/maxQueueWaitMillis/);
    expect(() => shedder({ callerShare: 0 })).toThrow(/callerShare/);
    expect(() => shedder({ maxEventLoopLagMillis: 0 })).toThrow(/maxEventLoopLagMillis/);
  });
});
