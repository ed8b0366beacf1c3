import type { SlaTimer } from '@closeloop/sla-domain';
import { parseSlaTimerKind, slaTimerKind } from './sla-clock.service';

describe('the kind an SLA timer is stored under', () => {
  const deadline = '2026-11-23T01:30:00.000Z';
  const breach: SlaTimer = { target: 'response', kind: 'breach', dueAt: deadline, fireAt: deadline };
  const warning: SlaTimer = {
    target: 'response',
    kind: 'warning',
    dueAt: deadline,
    fireAt: '2026-11-23T01:24:00.000Z',
  };
  const escalation: SlaTimer = {
    target: 'response',
    kind: 'escalation',
    level: 2,
    dueAt: deadline,
    fireAt: '2026-11-23T01:45:00.000Z',
  };

  it.each([
    ['a breach by its deadline, at which it fires', breach, 'sla:response:breach@2026-11-23T01:30:00.000Z'],
    [
      'a warning by its fire time too, so a moved one is a new timer',
      warning,
      'sla:response:warning@2026-11-23T01:30:00.000Z/2026-11-23T01:24:00.000Z',
    ],
    [
      'an escalation by its level and its fire time too, so a moved one is a new timer',
      escalation,
      'sla:response:escalation:2@2026-11-23T01:30:00.000Z/2026-11-23T01:45:00.000Z',
    ],
  ])('names %s', (_, timer, kind) => {
    expect(slaTimerKind(timer)).toBe(kind);
  });

  it.each([
    ['a warning', warning, { target: 'response', kind: 'warning', level: undefined, dueAt: deadline }],
    ['an escalation', escalation, { target: 'response', kind: 'escalation', level: 2, dueAt: deadline }],
  ])('reads the target, kind, level and deadline back from the name of %s', (_, timer, named) => {
    expect(parseSlaTimerKind(slaTimerKind(timer))).toEqual(named);
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
