import type { Status, WorkOrder } from '../../work-orders';
import { columnsOf, filterChoicesOf, mergeOrder } from './board-columns';

const order = (overrides: Partial<WorkOrder> & Pick<WorkOrder, 'workOrderId'>): WorkOrder => ({
  number: `S1-20261205-${overrides.workOrderId}`,
  siteId: 'S1',
  building: '3栋',
  unit: '1202',
  channel: 'phone',
  category: 'plumbing',
  description: '厨房水管爆裂',
  reporter: { name: '林女士', phone: '138****5678' },
  tier: 'urgent',
  triage: null,
  priorityLane: null,
  status: 'assigned',
  owner: { staffId: 's1-wang-wei', name: '王伟', since: '2026-12-05T01:00:00Z' },
  technician: null,
  dispatchQueueId: null,
  reportedAt: '2026-12-05T01:00:00Z',
  acknowledgedAt: null,
  startedAt: null,
  onHold: null,
  heldSeconds: 0,
  resolution: null,
  closure: null,
  cancelledReason: null,
  reopenCount: 0,
  contactCount: 1,
  contacts: [],
  sla: null,
  updatedAt: '2026-12-05T01:00:00Z',
  ...overrides,
});

const keysByColumn = (orders: readonly WorkOrder[], filters = {}) =>
  Object.fromEntries(columnsOf(orders, filters).map((column) => [column.key, column.orders.map((o) => o.workOrderId)]));

describe('mergeOrder: a change heard on the live stream', () => {
  const assigned = order({ workOrderId: 'a', status: 'assigned' });
  const other = order({ workOrderId: 'b', status: 'in-progress' });

  it('adds an order the board has not seen', () => {
    expect(mergeOrder([other], assigned)).toEqual([other, assigned]);
  });

  it('moves an order to the column of its new status', () => {
    const acknowledged = { ...assigned, status: 'acknowledged' as Status, updatedAt: '2026-12-05T01:05:00Z' };
    const merged = mergeOrder([assigned, other], acknowledged);
    expect(merged).toEqual([other, acknowledged]);
    expect(keysByColumn(merged)).toMatchObject({ assigned: [], acknowledged: ['a'], 'in-progress': ['b'] });
  });

  it.each(['closed', 'cancelled'] as const)('drops an order that is %s', (status) => {
    expect(mergeOrder([assigned, other], { ...assigned, status, updatedAt: '2026-12-05T02:00:00Z' })).toEqual([other]);
  });

  it('does not add a closed order it never showed', () => {
    const board = [other];
    expect(mergeOrder(board, { ...assigned, status: 'closed' })).toBe(board);
  });

  it('keeps the newer version when the change heard is older than the one shown', () => {
    const newer = { ...assigned, status: 'in-progress' as Status, updatedAt: '2026-12-05T01:10:00Z' };
    const board = [newer];
    expect(mergeOrder(board, { ...assigned, status: 'acknowledged', updatedAt: '2026-12-05T01:05:00Z' })).toBe(board);
  });

  it('takes a change of the same instant, the stream sending changes in commit order', () => {
    const sameInstant = { ...assigned, status: 'acknowledged' as Status };
    expect(mergeOrder([assigned], sameInstant)).toEqual([sameInstant]);
  });
});

describe('columnsOf', () => {
  it('puts triaged orders with the reported ones and sorts each column by its nearest deadline', () => {
    const sla = (responseDueAt: string) => ({
      responseDueAt,
      resolutionDueAt: '2026-12-06T00:00:00Z',
      responseBreached: false,
      resolutionBreached: false,
      escalationLevel: 0,
    });
    const columns = keysByColumn([
      order({ workOrderId: 'late', status: 'reported', sla: null }),
      order({ workOrderId: 'soon', status: 'triaged', sla: sla('2026-12-05T01:30:00Z') }),
      order({ workOrderId: 'sooner', status: 'reported', sla: sla('2026-12-05T01:10:00Z') }),
      order({ workOrderId: 'held', status: 'on-hold' }),
      order({ workOrderId: 'done', status: 'resolved' }),
    ]);
    expect(columns).toEqual({
      reported: ['sooner', 'soon', 'late'],
      'awaiting-dispatch': [],
      assigned: [],
      acknowledged: [],
      'in-progress': [],
      'on-hold': ['held'],
      resolved: ['done'],
    });
  });

  const orders = [
    order({ workOrderId: 'pipe', tier: 'urgent', category: 'plumbing', building: '3栋' }),
    order({ workOrderId: 'noise', tier: 'normal', category: 'noise', building: '5栋', status: 'acknowledged' }),
    order({ workOrderId: 'new', tier: null, category: null, building: null, owner: null, status: 'reported' }),
  ];

  it('lets every order through without filters', () => {
    expect(columnsOf(orders, {}).flatMap((c) => c.orders)).toHaveLength(3);
  });

  it.each([
    [{ tier: 'normal' as const }, ['noise']],
    [{ tier: null }, ['new']],
    [{ category: 'plumbing' }, ['pipe']],
    [{ building: '5栋' }, ['noise']],
    [{ owner: 's1-wang-wei' }, ['noise', 'pipe']],
    [{ owner: null }, ['new']],
    [{ tier: 'urgent' as const, building: '5栋' }, []],
  ])('narrows the columns by %j, their counts being what they hold', (filters, expected) => {
    const columns = columnsOf(orders, filters);
    expect(
      columns
        .flatMap((c) => c.orders)
        .map((o) => o.workOrderId)
        .sort(),
    ).toEqual(expected);
  });
});

describe('filterChoicesOf', () => {
  it('offers the categories, buildings and owners on the board, each once, in order', () => {
    expect(
      filterChoicesOf([
        order({ workOrderId: 'a', category: 'plumbing', building: '5栋' }),
        order({ workOrderId: 'b', category: 'lift', building: '3栋', owner: null }),
        order({
          workOrderId: 'c',
          category: null,
          building: '3栋',
          owner: { staffId: 's1-chen-jie', name: '陈杰', since: '2026-12-05T01:00:00Z' },
        }),
      ]),
    ).toEqual({
      categories: ['lift', 'plumbing'],
      buildings: ['3栋', '5栋'],
      owners: [
        { staffId: 's1-chen-jie', name: '陈杰' },
        { staffId: 's1-wang-wei', name: '王伟' },
      ],
    });
  });
});
