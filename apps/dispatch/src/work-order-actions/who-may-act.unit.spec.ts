import { StaffRole } from '@closeloop/auth';
import { ForbiddenError } from '@closeloop/contracts';
import { Principal } from '@closeloop/http';
import { WorkOrderState } from '@closeloop/work-order-domain';
import { WorkOrderActionName } from './work-order-actions';
import { ensureMayAct } from './who-may-act';

// Wang Wei and Li Na are S1's plumbers; Zhao Lei runs S1's service desk.
const wangWei = { staffId: 's1-wang-wei', name: 'Wang Wei' };
const liNa = { staffId: 's1-li-na', name: 'Li Na' };

const as = (staff: { staffId: string; name: string }, roles: StaffRole[] = ['technician']): Principal => ({
  kind: 'staff',
  ...staff,
  roles,
  sites: ['S1'],
});

type OrderState = Exclude<WorkOrderState, { status: 'none' }>;
const order = (
  status: OrderState['status'],
  people: { owner?: typeof wangWei; technician?: typeof wangWei } = {},
): OrderState =>
  ({
    status,
    workOrderId: 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80',
    number: 'S1-20261123-0001',
    siteId: 'S1',
    reopenRounds: 0,
    contacts: 1,
    callbackRequested: false,
    ...people,
  }) as OrderState;

const refusal = (caller: Principal, action: WorkOrderActionName, state: OrderState): string | undefined => {
  try {
    ensureMayAct(caller, action, state);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ForbiddenError);
    return (error as ForbiddenError).code;
  }
};

describe('who may act on an order nobody owns yet', () => {
  it.each(['triaged', 'awaiting-dispatch'] as const)(
    'lets a technician of the site acknowledge a %s order, so they become its owner',
    (status) => {
      expect(refusal(as(wangWei), 'acknowledge', order(status))).toBeUndefined();
    },
  );

  it.each(['start', 'hold', 'resolve'] as const)('still refuses a technician who would %s it', (action) => {
    expect(refusal(as(wangWei), action, order('awaiting-dispatch'))).toBe('NOT_ASSIGNED_TO_YOU');
  });

  it('has no owner to hand it over', () => {
    expect(refusal(as(wangWei), 'handover', order('awaiting-dispatch'))).toBe('NOT_THE_OWNER');
  });

  it('refuses a technician the actions that run the queue', () => {
    expect(refusal(as(wangWei), 'cancel', order('awaiting-dispatch'))).toBe('ACTION_NOT_ALLOWED');
    expect(refusal(as(wangWei), 'reassign', order('triaged'))).toBe('ACTION_NOT_ALLOWED');
  });

  it('does not let a technician take an order that has an owner, or one no longer waiting', () => {
    expect(refusal(as(liNa), 'acknowledge', order('assigned', { owner: wangWei, technician: wangWei }))).toBe(
      'NOT_ASSIGNED_TO_YOU',
    );
    expect(refusal(as(liNa), 'acknowledge', order('cancelled'))).toBe('NOT_ASSIGNED_TO_YOU');
  });
});

describe('who may hand ownership over', () => {
  it('lets the owner hand it over', () => {
    expect(
      refusal(as(wangWei), 'handover', order('in-progress', { owner: wangWei, technician: liNa })),
    ).toBeUndefined();
  });

  it('refuses the technician on the order who is not its owner', () => {
    expect(refusal(as(liNa), 'handover', order('in-progress', { owner: wangWei, technician: liNa }))).toBe(
      'NOT_THE_OWNER',
    );
  });

  it.each(['dispatcher', 'supervisor', 'admin'] as const)('lets a %s hand over anyone’s order', (role) => {
    expect(
      refusal(
        as({ staffId: 's1-zhao-lei', name: 'Zhao Lei' }, [role]),
        'handover',
        order('in-progress', { owner: wangWei, technician: liNa }),
      ),
    ).toBeUndefined();
  });
});

describe('who may work an order', () => {
  it('lets its technician and its owner work it, and nobody else of the technicians', () => {
    const theirs = order('in-progress', { owner: wangWei, technician: liNa });
    expect(refusal(as(liNa), 'resolve', theirs)).toBeUndefined();
    expect(refusal(as(wangWei), 'hold', theirs)).toBeUndefined();
    expect(refusal(as({ staffId: 's1-chen-bo', name: 'Chen Bo' }), 'resolve', theirs)).toBe('NOT_ASSIGNED_TO_YOU');
  });
});
