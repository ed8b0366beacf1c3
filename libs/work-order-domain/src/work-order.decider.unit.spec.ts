import { EventTypes, IllegalTransitionError, parseDomainEvent, ReportDetails, WorkOrderEvent } from '@closeloop/contracts';
import { RoutingDecision } from './routing';
import { TriageDecision } from './triage';
import {
  allowedCommandsIn,
  AssignOwner,
  decide,
  evolve,
  foldWorkOrder,
  initialState,
  ReportWorkOrder,
  WorkOrderCommand,
  workOrderStream,
} from './work-order.decider';

// ── Given / when / then ───────────────────────────────────────────────────────────────────────────────────
// The decider is fed the state folded from the given events, exactly as a handler does after reading a stream.

const given = (events: readonly WorkOrderEvent[]) => ({
  when: (command: WorkOrderCommand) => ({
    then: (expected: readonly WorkOrderEvent[]) => {
      expect(decide(command, foldWorkOrder(events))).toEqual(expected);
    },
    thenThrows: (code: string): IllegalTransitionError => {
      let thrown: unknown;
      try {
        decide(command, foldWorkOrder(events));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(IllegalTransitionError);
      expect(thrown).toMatchObject({ code, kind: 'illegal-transition' });
      return thrown as IllegalTransitionError;
    },
  }),
});

// ── Fixtures: a burst pipe reported by phone at site S1 ───────────────────────────────────────────────────

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const reportedAt = new Date('2026-11-23T09:00:00+08:00');
const dispatchedAt = new Date('2026-11-23T09:00:05+08:00');
const laterAt = new Date('2026-11-23T09:20:00+08:00');

const burstPipe: ReportDetails = {
  siteId: 'S1',
  building: '3',
  unit: '1202',
  channel: 'phone',
  reporter: { name: 'Ms Lin', phone: '13812345678' },
  description: 'Burst pipe under the kitchen sink, water all over the floor',
};

const urgentWater: TriageDecision = {
  tier: 'urgent',
  category: 'plumbing',
  ruleId: 'urgent-water',
  reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
};

const reportCommand = (now = reportedAt): ReportWorkOrder => ({
  type: 'ReportWorkOrder',
  workOrderId,
  number: 'S1-20261123-0001',
  report: burstPipe,
  triage: urgentWater,
  now,
});

const wangWei = { staffId: 's1-wang-wei', name: 'Wang Wei' };
const liNa = { staffId: 's1-li-na', name: 'Li Na' };

const toPlumbingTeam = (owner = wangWei): RoutingDecision => ({
  kind: 'team',
  teamId: 's1-plumbing',
  owner,
  ruleId: 'roster:S1:s1-plumbing',
  reason: 'team s1-plumbing takes "plumbing"',
});

const toDispatcherQueue: RoutingDecision = {
  kind: 'dispatcher-queue',
  queueId: 'S1-dispatch',
  reason: 'no team on the S1 roster takes category "plumbing" in building 3',
};

const assignOwner = (routing: RoutingDecision, now = dispatchedAt): AssignOwner => ({ type: 'AssignOwner', routing, now });

const reported: WorkOrderEvent = {
  type: EventTypes.WorkOrderReported,
  data: {
    workOrderId,
    number: 'S1-20261123-0001',
    siteId: 'S1',
    building: '3',
    unit: '1202',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    category: undefined,
    description: 'Burst pipe under the kitchen sink, water all over the floor',
    reportedAt: '2026-11-23T01:00:00.000Z',
  },
};

const triaged: WorkOrderEvent = {
  type: EventTypes.WorkOrderTriaged,
  data: {
    workOrderId,
    tier: 'urgent',
    category: 'plumbing',
    ruleId: 'urgent-water',
    reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
    triagedAt: '2026-11-23T01:00:00.000Z',
  },
};

const queued: WorkOrderEvent = {
  type: EventTypes.WorkOrderQueuedForDispatch,
  data: {
    workOrderId,
    queueId: 'S1-dispatch',
    reason: 'no team on the S1 roster takes category "plumbing" in building 3',
    queuedAt: '2026-11-23T01:00:05.000Z',
  },
};

const assignedTo = (owner = wangWei, assignedAt = '2026-11-23T01:00:05.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkOrderAssigned,
  data: {
    workOrderId,
    owner,
    teamId: 's1-plumbing',
    ruleId: 'roster:S1:s1-plumbing',
    reason: 'team s1-plumbing takes "plumbing"',
    assignedAt,
  },
});

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

describe('work order decider', () => {
  describe('given no work order yet (none)', () => {
    it('records a report as WorkOrderReported then WorkOrderTriaged, both stamped with the command time', () => {
      given([]).when(reportCommand()).then([reported, triaged]);
    });

    it('keeps the category the resident gave on the report and the triage category on the triage event', () => {
      const events = decide({ ...reportCommand(), report: { ...burstPipe, category: 'plumbing' } }, initialState());
      expect(events[0]).toMatchObject({ type: EventTypes.WorkOrderReported, data: { category: 'plumbing' } });
      expect(events[1]).toMatchObject({ type: EventTypes.WorkOrderTriaged, data: { category: 'plumbing', tier: 'urgent' } });
    });

    it('produces events that satisfy the published event contracts', () => {
      for (const event of decide(reportCommand(), initialState())) {
        expect(parseDomainEvent(event.type, event.data)).toEqual({ ok: true, event: expect.objectContaining({ type: event.type }) });
      }
    });

    it('rejects AssignOwner because there is nothing to assign', () => {
      const error = given([]).when(assignOwner(toPlumbingTeam())).thenThrows('ILLEGAL_TRANSITION');
      expect(error.details).toEqual({ currentStatus: 'none', allowedCommands: ['ReportWorkOrder'] });
    });
  });

  describe('given a triaged work order', () => {
    const history = [reported, triaged];

    it('refuses a second report of the same work order, naming the status and what is allowed', () => {
      const error = given(history).when(reportCommand(laterAt)).thenThrows('ILLEGAL_TRANSITION');
      expect(error.details).toEqual({ currentStatus: 'triaged', allowedCommands: ['AssignOwner'] });
      expect(error.message).toBe('ReportWorkOrder is not allowed while the work order is triaged');
    });

    it('assigns the accountable owner when the roster names a team', () => {
      given(history).when(assignOwner(toPlumbingTeam())).then([assignedTo()]);
    });

    it('queues the order for the site dispatcher when no roster entry matches', () => {
      given(history).when(assignOwner(toDispatcherQueue)).then([queued]);
    });
  });

  describe('given a work order awaiting dispatch', () => {
    const history = [reported, triaged, queued];

    it('does nothing when routing again points at the dispatcher queue (redelivery is harmless)', () => {
      given(history).when(assignOwner(toDispatcherQueue, laterAt)).then([]);
    });

    it('assigns an owner once a team takes the order', () => {
      given(history).when(assignOwner(toPlumbingTeam(liNa), laterAt)).then([assignedTo(liNa, '2026-11-23T01:20:00.000Z')]);
    });

    it('refuses a second report, still allowing only AssignOwner', () => {
      const error = given(history).when(reportCommand(laterAt)).thenThrows('ILLEGAL_TRANSITION');
      expect(error.details).toEqual({ currentStatus: 'awaiting-dispatch', allowedCommands: ['AssignOwner'] });
    });
  });

  describe('given an assigned work order', () => {
    const history = [reported, triaged, assignedTo(wangWei)];

    it('keeps its owner when routing later names someone else (first-response responsibility)', () => {
      given(history).when(assignOwner(toPlumbingTeam(liNa), laterAt)).then([]);
    });

    it('keeps its owner when routing later points at the dispatcher queue', () => {
      given(history).when(assignOwner(toDispatcherQueue, laterAt)).then([]);
    });

    it('refuses a second report and allows no further command', () => {
      const error = given(history).when(reportCommand(laterAt)).thenThrows('ILLEGAL_TRANSITION');
      expect(error.details).toEqual({ currentStatus: 'assigned', allowedCommands: [] });
    });
  });

  describe('given only a WorkOrderReported event (reported, before triage)', () => {
    it('rejects AssignOwner until a tier is set', () => {
      const error = given([reported]).when(assignOwner(toPlumbingTeam())).thenThrows('ILLEGAL_TRANSITION');
      expect(error.details).toEqual({ currentStatus: 'reported', allowedCommands: [] });
    });
  });
});

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

describe('work order state (evolve / foldWorkOrder)', () => {
  const reportedPart = { workOrderId, number: 'S1-20261123-0001', siteId: 'S1', building: '3' };

  it('starts with no work order', () => {
    expect(initialState()).toEqual({ status: 'none' });
    expect(foldWorkOrder([])).toEqual({ status: 'none' });
  });

  it('is reported after WorkOrderReported, carrying the number, site and building', () => {
    expect(evolve(initialState(), reported)).toEqual({ status: 'reported', ...reportedPart, category: undefined });
  });

  it('is triaged with the tier and the triage category after WorkOrderTriaged', () => {
    expect(foldWorkOrder([reported, triaged])).toEqual({ status: 'triaged', ...reportedPart, tier: 'urgent', category: 'plumbing' });
  });

  it('awaits dispatch in the named queue after WorkOrderQueuedForDispatch', () => {
    expect(foldWorkOrder([reported, triaged, queued])).toEqual({
      status: 'awaiting-dispatch',
      ...reportedPart,
      tier: 'urgent',
      category: 'plumbing',
      queueId: 'S1-dispatch',
    });
  });

  it('is assigned to the owner after WorkOrderAssigned, whether it went through the queue or not', () => {
    const expected = { status: 'assigned', ...reportedPart, tier: 'urgent', category: 'plumbing', ownerId: 's1-li-na' };
    expect(foldWorkOrder([reported, triaged, assignedTo(liNa)])).toEqual(expected);
    expect(foldWorkOrder([reported, triaged, queued, assignedTo(liNa)])).toEqual(expected);
  });

  it('ignores a triage event that arrives before any report', () => {
    expect(evolve(initialState(), triaged)).toEqual({ status: 'none' });
  });

  it('ignores queue and assignment events for an order that is not yet triaged', () => {
    const reportedOnly = foldWorkOrder([reported]);
    expect(evolve(reportedOnly, queued)).toBe(reportedOnly);
    expect(evolve(reportedOnly, assignedTo())).toBe(reportedOnly);
  });

  it('ignores a second assignment once an owner is named', () => {
    const assigned = foldWorkOrder([reported, triaged, assignedTo(wangWei)]);
    expect(evolve(assigned, assignedTo(liNa))).toBe(assigned);
  });

  it('lists the commands each status accepts', () => {
    expect(allowedCommandsIn({ status: 'none' })).toEqual(['ReportWorkOrder']);
    expect(allowedCommandsIn(foldWorkOrder([reported, triaged]))).toEqual(['AssignOwner']);
    expect(allowedCommandsIn(foldWorkOrder([reported, triaged, queued]))).toEqual(['AssignOwner']);
    expect(allowedCommandsIn(foldWorkOrder([reported, triaged, assignedTo()]))).toEqual([]);
  });
});

describe('workOrderStream', () => {
  it('names one event-store stream per work order, prefixed "workorder-"', () => {
    expect(workOrderStream(workOrderId)).toBe('workorder-e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80');
  });
});
