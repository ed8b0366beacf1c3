import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { givenNameOf, residentOrderOf, ResidentOrderRow, stepsOf } from './resident-order';

// Ms Lin's burst pipe at S1 (building 3, flat 1202) as its timeline tells it: Wang Wei of the plumbing team fixes it,
// a neighbour calls about it, Ms Lin adds a note, rates the repair and the link lives on for 30 days.
const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const wangWei = { staffId: 's1-wang-wei', name: 'Wang Wei' };

/** One of the order's events: its type and what it says, the order's id added. */
const event = <T extends DomainEvent['type']>(
  type: T,
  data: Omit<Extract<DomainEvent, { type: T }>['data'], 'workOrderId'>,
): DomainEvent => {
  const withOrderId: Record<string, unknown> = { workOrderId, ...data };
  return { type, data: withOrderId } as DomainEvent;
};

const timeline: DomainEvent[] = [
  event(EventTypes.WorkOrderReported, {
    number: 'S1-20261123-0001',
    siteId: 'S1',
    building: '3',
    unit: '1202',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    description: 'Burst pipe under the kitchen sink',
    reportedAt: '2026-11-23T01:00:00.000Z',
  }),
  event(EventTypes.WorkOrderTriaged, {
    tier: 'urgent',
    category: 'plumbing',
    ruleId: 'urgent-water',
    reason: 'burst',
    triagedAt: '2026-11-23T01:00:00.000Z',
  }),
  event(EventTypes.WorkOrderAssigned, {
    owner: wangWei,
    teamId: 's1-plumbing',
    ruleId: 'roster:S1:s1-plumbing',
    reason: 'team s1-plumbing takes "plumbing"',
    assignedAt: '2026-11-23T01:00:05.000Z',
  }),
  event(EventTypes.FollowUpContactRecorded, {
    channel: 'phone',
    note: 'Mrs Chen downstairs: water through my ceiling',
    caller: { name: 'Mrs Chen', phone: '13700004444' },
    contactNumber: 2,
    contactedAt: '2026-11-23T01:02:00.000Z',
  }),
  event(EventTypes.WorkOrderAcknowledged, {
    by: wangWei,
    becameOwner: false,
    acknowledgedAt: '2026-11-23T01:04:00.000Z',
  }),
  event(EventTypes.WorkStarted, { by: wangWei, startedAt: '2026-11-23T01:15:00.000Z' }),
  event(EventTypes.WorkOrderPutOnHold, {
    by: wangWei,
    reason: 'waiting-on-parts',
    note: 'Supplier s1-parts-007 calls 13900001111',
    heldAt: '2026-11-23T01:30:00.000Z',
  }),
  event(EventTypes.ResidentNoteAdded, {
    note: 'Home after 18:00',
    photoRefs: ['app/ms-lin/sink.jpg'],
    addedAt: '2026-11-23T01:40:00.000Z',
  }),
  event(EventTypes.WorkOrderResumed, { by: wangWei, heldSeconds: 2550, resumedAt: '2026-11-23T02:12:30.000Z' }),
  event(EventTypes.WorkOrderResolved, {
    by: wangWei,
    notes: 'Replaced the split pipe and the stop valve',
    photoRefs: ['photos/after.jpg'],
    resolvedAt: '2026-11-23T03:00:00.000Z',
  }),
  event(EventTypes.WorkOrderClosed, {
    outcome: 'confirmed',
    rating: 4,
    comment: 'Quick',
    closedAt: '2026-11-24T02:00:00.000Z',
  }),
];

const entries = (events: readonly DomainEvent[]) =>
  events.map((event) => ({ event, occurredAt: '2026-11-23T01:00:00.000Z' }));

const row = (status: string, overrides: Partial<ResidentOrderRow> = {}): ResidentOrderRow => ({
  number: 'S1-20261123-0001',
  status,
  category: 'plumbing',
  resolutionDueAt: new Date('2026-11-23T03:00:00.000Z'),
  slaPausedSince: null,
  timeZone: 'Asia/Shanghai',
  ...overrides,
});

describe('the resident’s steps (stepsOf)', () => {
  it('tells each step with its time, the technician by given name and team, and nothing of other callers or staff', () => {
    const steps = stepsOf(timeline);
    expect(steps).toEqual([
      { step: 'received', at: '2026-11-23T01:00:00.000Z' },
      { step: 'assigned', at: '2026-11-23T01:00:05.000Z', technician: { givenName: 'Wei', team: 's1-plumbing' } },
      { step: 'acknowledged', at: '2026-11-23T01:04:00.000Z', technician: { givenName: 'Wei', team: 's1-plumbing' } },
      { step: 'started', at: '2026-11-23T01:15:00.000Z' },
      { step: 'on-hold', at: '2026-11-23T01:30:00.000Z', reason: 'waiting-on-parts' },
      { step: 'note', at: '2026-11-23T01:40:00.000Z', note: 'Home after 18:00', photoRefs: ['app/ms-lin/sink.jpg'] },
      { step: 'resumed', at: '2026-11-23T02:12:30.000Z' },
      { step: 'resolved', at: '2026-11-23T03:00:00.000Z', notes: 'Replaced the split pipe and the stop valve' },
      { step: 'closed', at: '2026-11-24T02:00:00.000Z', outcome: 'confirmed', rating: 4 },
    ]);
    const text = JSON.stringify(steps);
    for (const secret of ['s1-wang-wei', 'Wang', 'Mrs Chen', '13700004444', '13812345678', '13900001111', 'Ms Lin'])
      expect(text).not.toContain(secret);
  });

  it('names the new technician after a reassignment, in the same team, and who reopened an order', () => {
    const steps = stepsOf([
      ...timeline.slice(0, 3),
      event(EventTypes.TechnicianReassigned, {
        from: wangWei,
        to: { staffId: 's1-li-na', name: 'Li Na' },
        reason: 'lift entrapment',
        by: { staffId: 's1-zhao-lei', name: 'Zhao Lei' },
        reassignedAt: '2026-11-23T01:10:00.000Z',
      }),
      event(EventTypes.WorkOrderReopened, {
        trigger: 'resident-rejected',
        reason: 'dripping',
        round: 1,
        reopenedAt: '2026-11-24T02:00:00.000Z',
      }),
    ]);
    expect(steps.slice(-2)).toEqual([
      { step: 'assigned', at: '2026-11-23T01:10:00.000Z', technician: { givenName: 'Na', team: 's1-plumbing' } },
      { step: 'reopened', at: '2026-11-24T02:00:00.000Z', by: 'resident' },
    ]);
  });
});

describe('the resident’s view (residentOrderOf)', () => {
  const now = new Date('2026-11-23T02:00:00.000Z');

  it('gives an open order’s status, when it is due, and a note as the only action', () => {
    const order = residentOrderOf(row('in-progress'), entries(timeline.slice(0, 6)), now);
    expect(order).toMatchObject({
      number: 'S1-20261123-0001',
      status: 'in-progress',
      due: { at: '2026-11-23T03:00:00.000Z', paused: false },
      actions: { confirm: false, reject: false, note: true },
      linkExpiresAt: null,
      timeZone: 'Asia/Shanghai',
    });
  });

  it('says the due time is paused while the clock waits', () => {
    const order = residentOrderOf(row('on-hold', { slaPausedSince: new Date('2026-11-23T01:30:00.000Z') }), [], now);
    expect(order?.due).toEqual({ at: '2026-11-23T03:00:00.000Z', paused: true });
  });

  it('offers confirm, reject and a note on a resolved order, with no due time', () => {
    expect(residentOrderOf(row('resolved'), entries(timeline.slice(0, 10)), now)).toMatchObject({
      due: null,
      actions: { confirm: true, reject: true, note: true },
    });
  });

  it('offers nothing on a closed order, and opens it until 30 days after it closed', () => {
    const closed = row('closed');
    expect(residentOrderOf(closed, entries(timeline), new Date('2026-12-24T02:00:00.000Z'))).toMatchObject({
      actions: { confirm: false, reject: false, note: false },
      linkExpiresAt: '2026-12-24T02:00:00.000Z',
    });
    expect(residentOrderOf(closed, entries(timeline), new Date('2026-12-24T02:00:00.001Z'))).toBeUndefined();
  });

  // A note from triage until the order ends; confirming or rejecting only a resolved order.
  it.each([
    ['reported', false, false, false],
    ['triaged', false, false, true],
    ['awaiting-dispatch', false, false, true],
    ['assigned', false, false, true],
    ['acknowledged', false, false, true],
    ['in-progress', false, false, true],
    ['on-hold', false, false, true],
    ['resolved', true, true, true],
    ['closed', false, false, false],
    ['cancelled', false, false, false],
  ])('%s: confirm %s, reject %s, note %s', (status, confirm, reject, note) => {
    expect(residentOrderOf(row(status), [], now)?.actions).toEqual({ confirm, reject, note });
  });

  it('lets a cancelled order’s link expire 30 days after the cancellation', () => {
    const cancelled = event(EventTypes.WorkOrderCancelled, {
      reason: 'duplicate',
      by: { staffId: 's1-zhao-lei', name: 'Zhao Lei' },
      cancelledAt: '2026-11-23T05:00:00.000Z',
    });
    const events = entries([...timeline.slice(0, 3), cancelled]);
    expect(residentOrderOf(row('cancelled'), events, new Date('2026-12-01T00:00:00.000Z'))?.actions).toEqual({
      confirm: false,
      reject: false,
      note: false,
    });
    expect(residentOrderOf(row('cancelled'), events, new Date('2026-12-23T05:00:01.000Z'))).toBeUndefined();
  });
});

describe('givenNameOf (all a resident is told of who comes)', () => {
  it.each([
    ['Wang Wei', 'Wei'],
    ['  Li  Na ', 'Na'],
    ['王伟', '伟'],
    ['欧阳娜娜', '娜娜'],
    ['欧阳', '阳'],
    ['Wei', 'Wei'],
  ])('%s → %s', (name, given) => expect(givenNameOf(name)).toBe(given));
});
