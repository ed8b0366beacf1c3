import { parseSlaTimerKind, slaTimerKind } from './sla-clock.service';

describe('the kind an SLA timer is stored under', () => {
  const deadline = '2026-11-23T01:30:00.000Z';

  it('names a breach by its deadline, at which it fires', () => {
    expect(slaTimerKind({ target: 'response', kind: 'breach', dueAt: deadline, fireAt: deadline })).toBe(
      'sla:response:breach@2026-11-23T01:30:00.000Z',
    );
  });

  it('names a warning and an escalation by their fire time too, so a moved one is a new timer', () => {
    const warning = slaTimerKind({
      target: 'response',
      kind: 'warning',
      dueAt: deadline,
      fireAt: '2026-11-23T01:24:00.000Z',
    });
    const escalation = slaTimerKind({
      target: 'response',
      kind: 'escalation',
      level: 2,
      dueAt: deadline,
      fireAt: '2026-11-23T01:45:00.000Z',
    });
    expect([warning, escalation]).toEqual([
      'sla:response:warning@2026-11-23T01:30:00.000Z/2026-11-23T01:24:00.000Z',
      'sla:response:escalation:2@2026-11-23T01:30:00.000Z/2026-11-23T01:45:00.000Z',
    ]);
    expect(parseSlaTimerKind(escalation)).toEqual({
      target: 'response',
      kind: 'escalation',
      level: 2,
      dueAt: deadline,
    });
    expect(parseSlaTimerKind(warning)).toEqual({
      target: 'response',
      kind: 'warning',
      level: undefined,
      dueAt: deadline,
    });
  });

  it('still reads the kinds stored before fire times were named', () => {
    expect(parseSlaTimerKind('sla:resolution:escalation:3@2026-11-23T03:00:00.000Z')).toEqual({
      target: 'resolution',
      kind: 'escalation',
      level: 3,
      dueAt: '2026-11-23T03:00:00.000Z',
    });
  });

  it('is not an SLA timer for the loop kinds', () => {
    expect(parseSlaTimerKind('callback-due')).toBeUndefined();
  });
});
