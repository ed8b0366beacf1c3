import { targetStatus } from './sla-status';

const due = new Date('2026-11-23T01:30:00Z');
const now = new Date('2026-11-23T01:20:00Z');
const running = { dueAt: due, metAt: null, breached: false, escalationLevel: 0, pausedSince: null, stopped: false };

describe('a target as a supervisor reads it', () => {
  it('counts down to a running deadline and past it', () => {
    expect(targetStatus('response', running, now)).toEqual({
      target: 'response',
      dueAt: due.toISOString(),
      state: 'running',
      escalationLevel: 0,
      remainingSeconds: 600,
    });
    expect(targetStatus('response', { ...running, breached: true }, new Date('2026-11-23T01:35:00Z'))).toMatchObject({
      state: 'breached',
      remainingSeconds: -300,
    });
  });

  it('shows a met target with whether it was on time, and no countdown', () => {
    expect(targetStatus('response', { ...running, metAt: new Date('2026-11-23T01:10:00Z') }, now)).toEqual({
      target: 'response',
      dueAt: due.toISOString(),
      state: 'met',
      escalationLevel: 0,
      metAt: '2026-11-23T01:10:00.000Z',
      onTime: true,
    });
  });

  it('shows a paused resolution clock and a stopped one', () => {
    expect(
      targetStatus('resolution', { ...running, pausedSince: new Date('2026-11-23T01:00:00Z') }, now),
    ).toMatchObject({ state: 'paused' });
    expect(targetStatus('resolution', { ...running, stopped: true }, now)).toEqual({
      target: 'resolution',
      dueAt: due.toISOString(),
      state: 'stopped',
      escalationLevel: 0,
    });
  });

  it('freezes the time left while paused at what it was when the pause began, however long the resident takes', () => {
    const paused = { ...running, pausedSince: new Date('2026-11-23T01:10:00Z') };
    expect(targetStatus('resolution', paused, now)).toEqual({
      target: 'resolution',
      dueAt: due.toISOString(),
      state: 'paused',
      escalationLevel: 0,
      remainingSeconds: 1200,
    });
    expect(targetStatus('resolution', paused, new Date('2026-11-24T09:00:00Z'))).toMatchObject({
      state: 'paused',
      remainingSeconds: 1200,
    });
  });

  it('shows the level the target’s escalation reached, still once it is met late', () => {
    const breached = { ...running, breached: true, escalationLevel: 2 };
    expect(targetStatus('response', breached, new Date('2026-11-23T02:00:00Z'))).toMatchObject({
      state: 'breached',
      escalationLevel: 2,
    });
    expect(targetStatus('response', { ...breached, metAt: new Date('2026-11-23T02:10:00Z') }, now)).toMatchObject({
      state: 'met',
      onTime: false,
      escalationLevel: 2,
    });
  });

  it('has nothing to show before the clock started', () => {
    expect(targetStatus('response', { ...running, dueAt: null }, now)).toBeUndefined();
  });
});
