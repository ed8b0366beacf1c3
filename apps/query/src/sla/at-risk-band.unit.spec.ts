import { atRisk, RunningTarget } from './at-risk-band';

// A 4-hour target started at 08:00 UTC, due at 12:00.
const target: RunningTarget = {
  target: 'resolution',
  startedAt: new Date('2026-11-23T08:00:00Z'),
  dueAt: new Date('2026-11-23T12:00:00Z'),
  pausedSeconds: 0,
  breached: false,
  escalationLevel: 0,
};
const at = (time: string) => new Date(`2026-11-23T${time}Z`);

describe('how far through its running target an order is', () => {
  it.each([
    ['09:00:00', 25, 'under-50'],
    ['09:59:59', 49.9, 'under-50'],
    ['10:00:00', 50, '50-75'],
    ['10:59:59', 74.9, '50-75'],
    ['11:00:00', 75, '75-90'],
    ['11:36:00', 90, '90+'],
    ['11:59:59', 99.9, '90+'],
    ['12:00:00', 100, 'breached'],
    ['13:00:00', 125, 'breached'],
  ])('at %s: %d %% elapsed, band %s', (time, elapsedPercent, band) => {
    expect(atRisk(target, at(time))).toEqual({ target: 'resolution', elapsedPercent, band, escalationLevel: 0 });
  });

  it('counts a breach the SLA timer recorded as breached, whatever the clock says', () => {
    expect(atRisk({ ...target, breached: true }, at('09:00:00')).band).toBe('breached');
  });

  it('leaves pauses out: a 2-hour pause moved the deadline to 14:00 and counts as neither elapsed nor target time', () => {
    const paused = { ...target, dueAt: at('14:00:00'), pausedSeconds: 7200 };
    expect(atRisk(paused, at('12:00:00'))).toMatchObject({ elapsedPercent: 50, band: '50-75' });
  });

  it('carries the escalation level the target reached', () => {
    expect(atRisk({ ...target, escalationLevel: 2 }, at('12:30:00'))).toEqual({
      target: 'resolution',
      elapsedPercent: 112.5,
      band: 'breached',
      escalationLevel: 2,
    });
  });

  it('takes a target with no time at all as fully elapsed', () => {
    expect(atRisk({ ...target, dueAt: target.startedAt }, at('08:00:00'))).toMatchObject({
      elapsedPercent: 100,
      band: 'breached',
    });
  });
});
