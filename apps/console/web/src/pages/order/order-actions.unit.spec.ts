import { allowedCommandsIn, type WorkOrderState } from '@closeloop/work-order-domain';
import type { Status, WorkOrder } from '../../work-orders';
import { ACTIONS_BY_STATUS, actionsFor, bodyOf, streamVersionOf, type Actor, type OrderAction } from './order-actions';

const wang = { staffId: 's1-wang-wei', name: 'Wang Wei' };
const li = { staffId: 's1-li-na', name: 'Li Na' };
const order = (
  status: Status,
  owner: { staffId: string; name: string } | null = wang,
  technician: { staffId: string; name: string } | null = owner,
): Pick<WorkOrder, 'status' | 'owner' | 'technician'> => ({
  status,
  owner: owner && { ...owner, since: '2026-12-05T01:00:00Z' },
  technician: technician && { ...technician, teamId: 's1-plumbing' },
});
const technician = (staffId: string): Actor => ({ staffId, roles: ['technician'] });
const supervisor: Actor = { staffId: 'sup-li', roles: ['supervisor'] };

describe('the actions the console offers', () => {
  // The action each of dispatch's lifecycle commands is taken by (apps/dispatch/src/work-order-actions).
  const COMMAND_OF: Readonly<Record<OrderAction, string>> = {
    acknowledge: 'Acknowledge',
    start: 'StartWork',
    hold: 'PutOnHold',
    resume: 'Resume',
    resolve: 'Resolve',
    reassign: 'ReassignTechnician',
    handover: 'HandOverOwnership',
    cancel: 'Cancel',
    reopen: 'Reopen',
  };

  it.each(Object.keys(ACTIONS_BY_STATUS) as Status[])(
    'while %s are exactly those the lifecycle table allows',
    (status) => {
      const allowed = allowedCommandsIn({ status } as WorkOrderState);
      const offered = (Object.keys(COMMAND_OF) as OrderAction[]).filter((a) =>
        allowed.includes(COMMAND_OF[a] as never),
      );
      expect([...ACTIONS_BY_STATUS[status]].sort()).toEqual(offered.sort());
    },
  );

  it('lets the assigned technician acknowledge, then start, then hold or resolve', () => {
    expect(actionsFor(technician(wang.staffId), order('assigned'))).toEqual(['acknowledge', 'handover']);
    expect(actionsFor(technician(wang.staffId), order('acknowledged'))).toEqual(['start', 'handover']);
    expect(actionsFor(technician(wang.staffId), order('in-progress'))).toEqual(['hold', 'resolve', 'handover']);
    expect(actionsFor(technician(wang.staffId), order('on-hold'))).toEqual(['resume', 'handover']);
  });

  it('offers a technician of another order nothing on it', () => {
    for (const status of ['assigned', 'acknowledged', 'in-progress', 'on-hold', 'resolved'] as const)
      expect(actionsFor(technician(li.staffId), order(status))).toEqual([]);
  });

  it('lets any technician take an order nobody owns yet (first response), and nothing more', () => {
    expect(actionsFor(technician(li.staffId), order('triaged', null))).toEqual(['acknowledge']);
    expect(actionsFor(technician(li.staffId), order('awaiting-dispatch', null))).toEqual(['acknowledge']);
  });

  it('lets a technician who works but does not own the order do the work, not hand it over', () => {
    expect(actionsFor(technician(li.staffId), order('in-progress', wang, li))).toEqual(['hold', 'resolve']);
    expect(actionsFor(technician(wang.staffId), order('in-progress', wang, li))).toEqual([
      'hold',
      'resolve',
      'handover',
    ]);
  });

  it('lets a supervisor run the queue but not acknowledge for someone else', () => {
    expect(actionsFor(supervisor, order('assigned'))).toEqual(['reassign', 'handover', 'cancel']);
    expect(actionsFor(supervisor, order('awaiting-dispatch', null))).toEqual(['acknowledge', 'cancel']);
    expect(actionsFor(supervisor, order('in-progress'))).toEqual(['hold', 'resolve', 'reassign', 'handover', 'cancel']);
    expect(actionsFor(supervisor, order('resolved'))).toEqual(['reopen', 'handover']);
    expect(actionsFor(supervisor, order('closed'))).toEqual(['reopen']);
    expect(actionsFor(supervisor, order('cancelled'))).toEqual([]);
  });

  it('offers nothing to on-call staff, nor to nobody signed in', () => {
    expect(actionsFor({ staffId: 'oc-1', roles: ['on-call'] }, order('assigned'))).toEqual([]);
    expect(actionsFor(undefined, order('assigned'))).toEqual([]);
  });
});

describe('an action request', () => {
  it('carries what dispatch reads, trimmed, without empty optional fields', () => {
    expect(bodyOf('hold', { reason: 'waiting-on-parts', note: '  ' })).toEqual({ reason: 'waiting-on-parts' });
    expect(bodyOf('cancel', { reason: 'duplicate', note: ' same as 0012 ' })).toEqual({
      reason: 'duplicate',
      note: 'same as 0012',
    });
    expect(bodyOf('resolve', { notes: ' Replaced the valve ' })).toEqual({ notes: 'Replaced the valve' });
    expect(bodyOf('handover', { toStaffId: 's1-li-na', toName: 'Li Na', reason: 'Shift ends' })).toEqual({
      to: { staffId: 's1-li-na', name: 'Li Na' },
      reason: 'Shift ends',
    });
    expect(bodyOf('reopen', { reason: 'Still dripping' })).toEqual({ reason: 'Still dripping' });
    expect(bodyOf('start', {})).toEqual({});
  });

  it("is sent at the version of the order's own stream, not counting its clocks' and alerts' events", () => {
    const types = [
      'closeloop.workorder.reported.v1',
      'closeloop.workorder.triaged.v1',
      'closeloop.sla.targets-set.v1',
      'closeloop.workorder.assigned.v1',
      'closeloop.alert.raised.v1',
    ];
    expect(streamVersionOf(types.map((type) => ({ type })))).toBe(3);
  });
});
