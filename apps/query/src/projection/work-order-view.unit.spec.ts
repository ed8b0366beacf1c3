import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { ceilingLeakReported, ceilingLeakSlaRestarted, ceilingLeakSlaTargetsSet } from '@closeloop/testing';
import { foldWorkOrderView } from './work-order-view';

// Ms Lin's ceiling leak (libs/testing), reported at S1, building B7, flat 0802; her neighbours get in touch about it too.
const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';

const reported = ceilingLeakReported(workOrderId, 'S1-20261123-0001');

const duplicate = (name: string, phone: string, contactNumber: number, linkedAt: string): DomainEvent => ({
  type: EventTypes.DuplicateReportLinked,
  data: {
    workOrderId,
    reporter: { name, phone },
    channel: 'wechat',
    description: 'Leak from the ceiling',
    similarity: 0.8,
    reason: 'same flat',
    contactNumber,
    linkedAt,
  },
});

const followUp = (
  contactNumber: number,
  contactedAt: string,
  caller?: { name?: string; phone?: string },
): DomainEvent => ({
  type: EventTypes.FollowUpContactRecorded,
  data: { workOrderId, channel: 'phone', note: 'Where is the plumber?', caller, contactNumber, contactedAt },
});

const fold = (events: readonly DomainEvent[]) =>
  foldWorkOrderView(events.map((event, i) => ({ event, occurredAt: `2026-11-23T01:0${i}:00.000Z` })));

describe('the work-order view: contacts, the people to keep informed', () => {
  it('starts with the reporter', () => {
    expect(fold([reported])?.contacts).toEqual([
      { name: 'Ms Lin', phone: '13812345678', channel: 'phone', at: '2026-11-23T01:00:00.000Z', relation: 'reporter' },
    ]);
  });

  it('adds each linked duplicate’s reporter and each follow-up’s caller, in the order they got in touch', () => {
    const view = fold([
      reported,
      duplicate('Mr Lin', '13900002222', 2, '2026-11-23T01:05:00.000Z'),
      followUp(3, '2026-11-23T02:00:00.000Z', { name: 'Mrs Chen', phone: '13700004444' }),
    ]);
    expect(view?.contacts.map((c) => [c.name, c.phone, c.relation, c.at])).toEqual([
      ['Ms Lin', '13812345678', 'reporter', '2026-11-23T01:00:00.000Z'],
      ['Mr Lin', '13900002222', 'duplicate-reporter', '2026-11-23T01:05:00.000Z'],
      ['Mrs Chen', '13700004444', 'follow-up', '2026-11-23T02:00:00.000Z'],
    ]);
    expect(view?.contacts[1]?.channel).toBe('wechat');
    expect(view?.contactCount).toBe(3);
  });

  it('lists a number once, however it is written, keeping how that person first got in touch', () => {
    const view = fold([
      reported,
      followUp(2, '2026-11-23T02:00:00.000Z', { name: 'Ms Lin', phone: '+86 138 1234 5678' }),
      duplicate('Mr Lin', '139-0000-2222', 3, '2026-11-23T03:00:00.000Z'),
      followUp(4, '2026-11-23T04:00:00.000Z', { phone: '13900002222' }),
    ]);
    expect(view?.contacts.map((c) => [c.phone, c.relation])).toEqual([
      ['13812345678', 'reporter'],
      ['139-0000-2222', 'duplicate-reporter'],
    ]);
    expect(view?.contactCount).toBe(4);
  });

  it('adds nobody for a follow-up that names no caller: there is no one more to keep informed', () => {
    const view = fold([reported, followUp(2, '2026-11-23T02:00:00.000Z')]);
    expect(view?.contacts.map((c) => c.relation)).toEqual(['reporter']);
    expect(view?.contactCount).toBe(2);
  });

  it('lists a caller who gave only a name once, by that name, apart from anyone with a number', () => {
    const view = fold([
      reported,
      followUp(2, '2026-11-23T02:00:00.000Z', { name: 'Mr Wu' }),
      followUp(3, '2026-11-23T03:00:00.000Z', { name: ' mr wu ' }),
      followUp(4, '2026-11-23T04:00:00.000Z', { name: 'Ms Lin' }),
    ]);
    expect(view?.contacts.slice(1)).toEqual([
      { name: 'Mr Wu', phone: null, channel: 'phone', at: '2026-11-23T02:00:00.000Z', relation: 'follow-up' },
      { name: 'Ms Lin', phone: null, channel: 'phone', at: '2026-11-23T04:00:00.000Z', relation: 'follow-up' },
    ]);
  });

  it('keeps an anonymous reporter, who is still the one who reported', () => {
    const anonymous: DomainEvent = { ...reported, data: { ...(reported.data as object), reporter: {} } } as DomainEvent;
    expect(fold([anonymous, followUp(2, '2026-11-23T02:00:00.000Z')])?.contacts).toEqual([
      { name: null, phone: null, channel: 'phone', at: '2026-11-23T01:00:00.000Z', relation: 'reporter' },
    ]);
  });

  it('keeps the contacts through a reopen: the same people wait for the second fix', () => {
    const reopened: DomainEvent = {
      type: EventTypes.WorkOrderReopened,
      data: {
        workOrderId,
        trigger: 'staff',
        reason: 'still leaking',
        round: 1,
        reopenedAt: '2026-11-24T01:00:00.000Z',
      },
    };
    expect(
      fold([reported, duplicate('Mr Lin', '13900002222', 2, '2026-11-23T01:05:00.000Z'), reopened])?.contacts,
    ).toHaveLength(2);
  });
});

describe('the work-order view: how far each SLA target has escalated', () => {
  const escalated = (target: 'response' | 'resolution', level: number): DomainEvent => ({
    type: EventTypes.SlaEscalated,
    data: { workOrderId, target, level, escalatedAt: '2026-11-23T06:00:00.000Z' },
  });
  const met = (target: 'response' | 'resolution'): DomainEvent => ({
    type: EventTypes.SlaTargetMet,
    data: { workOrderId, target, dueAt: '2026-11-23T05:00:00.000Z', metAt: '2026-11-23T07:00:00.000Z', onTime: false },
  });
  const restarted = ceilingLeakSlaRestarted(workOrderId);
  const levels = (events: readonly DomainEvent[]) => {
    const view = fold([reported, ceilingLeakSlaTargetsSet(workOrderId), ...events]);
    return {
      response: view?.responseEscalationLevel,
      resolution: view?.resolutionEscalationLevel,
      highest: view?.escalationLevel,
    };
  };

  it('starts with no target escalated', () => {
    expect(levels([])).toEqual({ response: 0, resolution: 0, highest: 0 });
  });

  it('keeps each target’s own level, the highest it reached', () => {
    expect(levels([escalated('response', 1), escalated('response', 2), escalated('resolution', 1)])).toEqual({
      response: 2,
      resolution: 1,
      highest: 2,
    });
    // A redelivered lower level, projected after a higher one, takes nothing back.
    expect(levels([escalated('resolution', 2), escalated('resolution', 1)])).toEqual({
      response: 0,
      resolution: 2,
      highest: 2,
    });
  });

  it('keeps the level a target reached once it is met late: that is where its round got to', () => {
    expect(levels([escalated('response', 3), met('response'), escalated('resolution', 1), met('resolution')])).toEqual({
      response: 3,
      resolution: 1,
      highest: 3,
    });
  });

  it('starts the resolution target’s level afresh when a reopen restarts its clock, and leaves the response target’s alone', () => {
    const firstRound = [
      escalated('response', 1),
      escalated('resolution', 1),
      escalated('resolution', 2),
      met('resolution'),
    ];
    expect(levels([...firstRound, restarted])).toEqual({ response: 1, resolution: 0, highest: 2 });
    expect(levels([...firstRound, restarted, escalated('resolution', 1)])).toEqual({
      response: 1,
      resolution: 1,
      highest: 2,
    });
  });
});
