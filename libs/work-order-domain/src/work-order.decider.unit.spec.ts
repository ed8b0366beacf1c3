import { EventTypes, IllegalTransitionError, WorkOrderEvent } from '@closeloop/contracts';
import { deciderSpec, expectPublishable } from '@closeloop/testing';
import { RoutingDecision } from './routing';
import {
  Acknowledge,
  allowedCommandsIn,
  AssignOwner,
  Cancel,
  CommandRejectedError,
  ConfirmResolution,
  HandOverOwnership,
  PutOnHold,
  ReassignTechnician,
  RecordFollowUp,
  RejectResolution,
  Reopen,
  ReportWorkOrder,
  Resolve,
  Resume,
  StartWork,
  WorkOrderCommand,
} from './work-order.commands';
import {
  burstPipe,
  urgentWater,
  workOrderId,
  number,
  wangWei,
  liNa,
  zhaoLei,
  resolutionNotes,
  photoRefs,
  reported,
  triaged,
  queued,
  assignedTo,
  acknowledged,
  workStarted,
  putOnHold,
  resumed,
  resolved,
  reassigned,
  handedOver,
  cancelled,
  resolutionRejected,
  reopened,
  closedConfirmed,
  followUpRecorded,
  triagedHistory,
  awaitingDispatchHistory,
  assignedHistory,
  acknowledgedHistory,
  inProgressHistory,
  onHoldHistory,
  resolvedHistory,
  closedHistory,
  cancelledHistory,
} from './burst-pipe-story.spec';
import { foldWorkOrder, workOrderDecider } from './work-order.decider';
import { Staff, WorkOrderState, WorkOrderStatus, workOrderStream } from './work-order.state';

const { given } = deciderSpec(workOrderDecider);

// ── Fixtures: a burst pipe reported by phone at site S1, building 3, flat 1202 ────────────────────────────
// People from config/roster.json: Wang Wei and Li Na are S1's plumbers, Zhao Lei runs S1's service desk.
// Times are Beijing time (+08:00); events carry them as UTC instants.

const reportedAt = new Date('2026-11-23T09:00:00+08:00'); // 01:00:00Z
const dispatchedAt = new Date('2026-11-23T09:00:05+08:00'); // 01:00:05Z
const acknowledgedAt = new Date('2026-11-23T09:04:00+08:00'); // 01:04:00Z
const startedAt = new Date('2026-11-23T09:15:00+08:00'); // 01:15:00Z
const heldAt = new Date('2026-11-23T09:30:00+08:00'); // 01:30:00Z
const residentCallsAt = new Date('2026-11-23T09:40:00+08:00'); // 01:40:00Z
const resumedAt = new Date('2026-11-23T10:12:30+08:00'); // 02:12:30Z, 42 min 30 s = 2550 s after heldAt
const resolvedAt = new Date('2026-11-23T10:48:00+08:00'); // 02:48:00Z
const callbackAt = new Date('2026-11-24T10:00:00+08:00'); // 2026-11-24T02:00:00Z, the 回访
const laterAt = new Date('2026-11-24T15:30:00+08:00'); // 2026-11-24T07:30:00Z
const sevenDays = 7 * 24 * 60 * 60;

const toPlumbingTeam = (owner: Staff = wangWei): RoutingDecision => ({
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

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────

const reportCommand = (now = reportedAt): ReportWorkOrder => ({
  type: 'ReportWorkOrder',
  workOrderId,
  number,
  report: burstPipe,
  triage: urgentWater,
  now,
});
const assignOwner = (routing: RoutingDecision, now = dispatchedAt): AssignOwner => ({
  type: 'AssignOwner',
  routing,
  now,
});
const acknowledge = (by: Staff, now = acknowledgedAt): Acknowledge => ({ type: 'Acknowledge', by, now });
const startWork = (by = wangWei, now = startedAt): StartWork => ({ type: 'StartWork', by, now });
const holdForParts = (now = heldAt): PutOnHold => ({
  type: 'PutOnHold',
  by: wangWei,
  reason: 'waiting-on-parts',
  note: 'Stop valve ordered from the supplier',
  now,
});
const resume = (now = resumedAt): Resume => ({ type: 'Resume', by: wangWei, now });
const resolve = (now = resolvedAt): Resolve => ({
  type: 'Resolve',
  by: wangWei,
  notes: resolutionNotes,
  photoRefs,
  now,
});
const reassign = (to: Staff, now = laterAt): ReassignTechnician => ({
  type: 'ReassignTechnician',
  by: zhaoLei,
  to,
  reason: 'Wang Wei is called to a lift entrapment in building 5',
  now,
});
const handOver = (to: Staff, now = laterAt): HandOverOwnership => ({
  type: 'HandOverOwnership',
  by: wangWei,
  to,
  reason: 'Wang Wei goes on annual leave tomorrow',
  now,
});
const cancel = (now = laterAt): Cancel => ({
  type: 'Cancel',
  by: zhaoLei,
  reason: 'duplicate',
  note: 'Same leak as S1-20261123-0000, reported by the neighbour',
  now,
});
const confirm = (rating: number, comment?: string, now = callbackAt): ConfirmResolution => ({
  type: 'ConfirmResolution',
  rating,
  comment,
  now,
});
const reject = (comment?: string, now = callbackAt): RejectResolution => ({ type: 'RejectResolution', comment, now });
const reopen = (now: Date): Reopen => ({
  type: 'Reopen',
  by: zhaoLei,
  reason: 'Resident called again: the joint is dripping',
  reopenWindowSeconds: sevenDays,
  now,
});
const followUp = (now = residentCallsAt): RecordFollowUp => ({
  type: 'RecordFollowUp',
  channel: 'phone',
  note: 'Resident asks when the plumber is coming back',
  now,
});

const staffReopenReason = 'Resident called again: the joint is dripping';

/** The burst pipe's identity and place, as every state of the order carries them; triaged, also its category and tier. */
const burstPipeOrder = { workOrderId, number, siteId: 'S1', building: '3' } as const;
const triagedBurstPipe = { ...burstPipeOrder, category: 'plumbing', tier: 'urgent' } as const;

// Refusals name what the status allows; the status table itself is checked status by status, command by command, in
// work-order.lifecycle.unit.spec.ts, so these specs take its lists from allowedCommandsIn rather than copy them.

/** The command is refused as a transition the starting state does not allow. */
const refusedAsIllegal = (history: readonly WorkOrderEvent[], command: WorkOrderCommand) =>
  given(history).when(command).thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION' });

/** Refused as illegal, and the error names the starting status and what that status allows. */
const refusedNamingWhatIsAllowed = (
  history: readonly WorkOrderEvent[],
  command: WorkOrderCommand,
  currentStatus: WorkOrderStatus,
) => {
  const error = refusedAsIllegal(history, command);
  expect(error.details).toEqual({ currentStatus, allowedCommands: allowedCommandsIn(foldWorkOrder(history)) });
  return error;
};

/** First-response responsibility: whoever acknowledges an order nobody owns becomes its owner and technician. */
const expectAcknowledgerBecomesOwner = (history: readonly WorkOrderEvent[]) => {
  const state = given(history)
    .when(acknowledge(liNa))
    .then([acknowledged(liNa, true)]);
  expect(state).toMatchObject({ status: 'acknowledged', owner: liNa, technician: liNa });
};

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

describe('work order decider', () => {
  describe('the whole closed loop, command by command', () => {
    it('goes from report to a confirmed closure with exactly these events, and ends closed', () => {
      const script: WorkOrderCommand[] = [
        reportCommand(),
        assignOwner(toPlumbingTeam()),
        acknowledge(wangWei),
        startWork(),
        holdForParts(),
        followUp(),
        resume(),
        resolve(),
        confirm(5, 'Quick and tidy, thank you'),
      ];
      const timeline = script.reduce<WorkOrderEvent[]>(
        (events, command) => [...events, ...workOrderDecider.decide(command, foldWorkOrder(events))],
        [],
      );
      expect(timeline).toEqual([
        reported,
        triaged,
        assignedTo(wangWei),
        acknowledged(wangWei, false),
        workStarted(),
        putOnHold,
        followUpRecorded(2),
        resumed(2550),
        resolved,
        closedConfirmed(5, 'Quick and tidy, thank you'),
      ]);
      expectPublishable(timeline);
      expect(foldWorkOrder(timeline)).toEqual({
        status: 'closed',
        ...triagedBurstPipe,
        owner: wangWei,
        technician: wangWei,
        reopenRounds: 0,
        contacts: 2,
        callbackRequested: false,
        closedAt: '2026-11-24T02:00:00.000Z',
      });
    });
  });

  describe('given no work order yet (none)', () => {
    it('records a report as WorkOrderReported then WorkOrderTriaged, both stamped with the command time', () => {
      const state = given([]).when(reportCommand()).then([reported, triaged]);
      expect(state.status).toBe('triaged');
    });

    it('keeps the category the resident gave on the report and the triage category on the triage event', () => {
      const events = workOrderDecider.decide(
        { ...reportCommand(), report: { ...burstPipe, category: 'plumbing' } },
        workOrderDecider.initialState(),
      );
      expect(events[0]).toMatchObject({ type: EventTypes.WorkOrderReported, data: { category: 'plumbing' } });
      expect(events[1]).toMatchObject({
        type: EventTypes.WorkOrderTriaged,
        data: { category: 'plumbing', tier: 'urgent' },
      });
    });

    it('rejects anything but a report, because there is no order to act on', () => {
      const error = refusedAsIllegal([], assignOwner(toPlumbingTeam()));
      expect(error.details).toEqual({ currentStatus: 'none', allowedCommands: ['ReportWorkOrder'] });
      refusedAsIllegal([], followUp());
    });
  });

  describe('given only a WorkOrderReported event (reported, before triage)', () => {
    it('accepts no command at all until the triage event is in', () => {
      const error = refusedAsIllegal([reported], assignOwner(toPlumbingTeam()));
      expect(error.details).toEqual({ currentStatus: 'reported', allowedCommands: [] });
      refusedAsIllegal([reported], acknowledge(wangWei));
      refusedAsIllegal([reported], followUp());
    });
  });

  describe('given a triaged work order', () => {
    it('assigns the accountable owner, who is also the first technician, when the roster names a team', () => {
      const state = given(triagedHistory)
        .when(assignOwner(toPlumbingTeam()))
        .then([assignedTo(wangWei)]);
      expect(state).toMatchObject({ status: 'assigned', owner: wangWei, technician: wangWei });
    });

    it('queues the order for the site dispatcher when no roster entry matches', () => {
      const state = given(triagedHistory).when(assignOwner(toDispatcherQueue)).then([queued]);
      expect(state.status).toBe('awaiting-dispatch');
      expect(state).not.toHaveProperty('owner', expect.anything());
    });

    it('makes whoever acknowledges first the owner and the technician (first-response responsibility)', () => {
      expectAcknowledgerBecomesOwner(triagedHistory);
    });

    it('records who called when they said, so a neighbour with their number joins the order’s contacts', () => {
      const neighbour = { name: 'Mr Chen', phone: '13900003333' };
      given(triagedHistory)
        .when({ ...followUp(), channel: 'wechat', caller: neighbour })
        .then([
          {
            type: EventTypes.FollowUpContactRecorded,
            data: {
              workOrderId,
              channel: 'wechat',
              note: followUp().note,
              caller: neighbour,
              contactNumber: 2,
              contactedAt: '2026-11-23T01:40:00.000Z',
            },
          },
        ]);
    });

    it('records no caller when they gave neither name nor number', () => {
      const [recorded] = workOrderDecider.decide({ ...followUp(), caller: {} }, foldWorkOrder(triagedHistory));
      expect(recorded?.data).not.toHaveProperty('caller', expect.anything());
    });

    it('refuses a second report and work before anyone has acknowledged, naming what is allowed', () => {
      const error = refusedNamingWhatIsAllowed(triagedHistory, reportCommand(laterAt), 'triaged');
      expect(error.message).toBe('ReportWorkOrder is not allowed while the work order is triaged');
      refusedAsIllegal(triagedHistory, startWork());
    });
  });

  describe('given a work order awaiting dispatch', () => {
    it('does nothing when routing again points at the dispatcher queue (redelivery is harmless)', () => {
      given(awaitingDispatchHistory).when(assignOwner(toDispatcherQueue, laterAt)).then([]);
    });

    it('assigns an owner once a team takes the order', () => {
      const state = given(awaitingDispatchHistory)
        .when(assignOwner(toPlumbingTeam(liNa), laterAt))
        .then([assignedTo(liNa, '2026-11-24T07:30:00.000Z')]);
      expect(state).toMatchObject({ status: 'assigned', owner: liNa, technician: liNa });
    });

    it('makes the acknowledger owner and technician when someone picks the order from the queue', () => {
      expectAcknowledgerBecomesOwner(awaitingDispatchHistory);
    });

    it('numbers follow-up contacts 2 then 3 while the order waits in the queue', () => {
      given(awaitingDispatchHistory)
        .when(followUp())
        .then([followUpRecorded(2)]);
      const state = given([...awaitingDispatchHistory, followUpRecorded(2)])
        .when(followUp(laterAt))
        .then([followUpRecorded(3, '2026-11-24T07:30:00.000Z')]);
      expect(state).toMatchObject({ status: 'awaiting-dispatch', contacts: 3 });
    });

    it('refuses work that needs a technician', () => {
      refusedNamingWhatIsAllowed(awaitingDispatchHistory, startWork(), 'awaiting-dispatch');
    });
  });

  describe('given an assigned work order', () => {
    it('keeps its owner when routing later names someone else (first-response responsibility)', () => {
      given(assignedHistory)
        .when(assignOwner(toPlumbingTeam(liNa), laterAt))
        .then([]);
    });

    it('keeps its owner when routing later points at the dispatcher queue', () => {
      given(assignedHistory).when(assignOwner(toDispatcherQueue, laterAt)).then([]);
    });

    it('is acknowledged by the assigned technician, who does not become owner again', () => {
      const state = given(assignedHistory)
        .when(acknowledge(wangWei))
        .then([acknowledged(wangWei, false)]);
      expect(state).toMatchObject({ status: 'acknowledged', owner: wangWei, technician: wangWei });
    });

    it('after a reassignment, takes the acknowledgement from the new technician and refuses it from the owner', () => {
      const history = [...assignedHistory, reassigned(wangWei, liNa)];
      const state = given(history)
        .when(acknowledge(liNa, laterAt))
        .then([acknowledged(liNa, false, '2026-11-24T07:30:00.000Z')]);
      expect(state).toMatchObject({ status: 'acknowledged', owner: wangWei, technician: liNa });
      given(history)
        .when(acknowledge(wangWei, laterAt))
        .thenThrows(CommandRejectedError, { code: 'NOT_THE_ASSIGNED_TECHNICIAN' });
    });

    it.each([
      {
        name: 'refuses an acknowledgement from anyone but the assigned technician',
        command: acknowledge(liNa),
        code: 'NOT_THE_ASSIGNED_TECHNICIAN',
      },
      {
        name: 'refuses to reassign the order to its current technician',
        command: reassign(wangWei),
        code: 'ALREADY_THE_TECHNICIAN',
      },
    ])('$name', ({ command, code }) => {
      const error = given(assignedHistory).when(command).thenThrows(CommandRejectedError, { code });
      expect(error.message).toContain('Wang Wei');
    });

    it('refuses to hand ownership over to the current owner', () => {
      given(assignedHistory).when(handOver(wangWei)).thenThrows(CommandRejectedError, { code: 'ALREADY_THE_OWNER' });
    });

    it('refuses to start work before the acknowledgement', () => {
      refusedNamingWhatIsAllowed(assignedHistory, startWork(), 'assigned');
    });
  });

  describe('given an acknowledged work order', () => {
    it('starts work', () => {
      const state = given(acknowledgedHistory).when(startWork()).then([workStarted()]);
      expect(state.status).toBe('in-progress');
    });

    it('refuses a second acknowledgement and a hold before work has started', () => {
      refusedNamingWhatIsAllowed(acknowledgedHistory, acknowledge(wangWei), 'acknowledged');
      refusedAsIllegal(acknowledgedHistory, holdForParts());
    });
  });

  describe('given a work order in progress', () => {
    it('goes on hold with the reason and note, remembering when', () => {
      const state = given(inProgressHistory).when(holdForParts()).then([putOnHold]);
      expect(state).toMatchObject({ status: 'on-hold', heldSince: '2026-11-23T01:30:00.000Z' });
    });

    it('is resolved with the notes and photo references', () => {
      const state = given(inProgressHistory).when(resolve()).then([resolved]);
      expect(state.status).toBe('resolved');
    });

    it('refuses to resume work that is not on hold, and a resident confirmation before resolution', () => {
      refusedAsIllegal(inProgressHistory, resume());
      refusedAsIllegal(inProgressHistory, confirm(5));
    });
  });

  describe('given a work order on hold', () => {
    it('resumes, counting the seconds held from the hold to now', () => {
      const state = given(onHoldHistory)
        .when(resume())
        .then([resumed(2550)]);
      expect(state.status).toBe('in-progress');
      expect(state).not.toHaveProperty('heldSince');
    });

    it('counts the hold from when it began even when ownership changed hands in between', () => {
      const history = [...onHoldHistory, handedOver(wangWei, liNa, '2026-11-23T01:45:00.000Z')];
      expect(foldWorkOrder(history)).toMatchObject({
        status: 'on-hold',
        heldSince: '2026-11-23T01:30:00.000Z',
        owner: liNa,
      });
      given(history)
        .when(resume(new Date('2026-11-23T11:30:00+08:00')))
        .then([resumed(7200, '2026-11-23T03:30:00.000Z')]);
    });

    it('closes off the hold, then goes back to assigned when the technician is reassigned, keeping the owner', () => {
      // Held from 23 Nov 01:30Z to the reassignment at 24 Nov 07:30Z: 30 hours, on record though nobody resumed.
      const endOfHold: WorkOrderEvent = {
        type: EventTypes.WorkOrderResumed,
        data: { workOrderId, by: zhaoLei, heldSeconds: 30 * 3600, resumedAt: '2026-11-24T07:30:00.000Z' },
      };
      const state = given(onHoldHistory)
        .when(reassign(liNa))
        .then([endOfHold, reassigned(wangWei, liNa)]);
      expect(state).toMatchObject({ status: 'assigned', owner: wangWei, technician: liNa });
    });

    it('refuses to resolve without resuming first', () => {
      refusedNamingWhatIsAllowed(onHoldHistory, resolve(), 'on-hold');
    });
  });

  describe('given a resolved work order (awaiting the callback, 回访)', () => {
    it('closes as confirmed with the resident rating and comment', () => {
      const state = given(resolvedHistory)
        .when(confirm(5, 'Quick and tidy, thank you'))
        .then([closedConfirmed(5, 'Quick and tidy, thank you')]);
      expect(state).toMatchObject({ status: 'closed', closedAt: '2026-11-24T02:00:00.000Z' });
    });

    it('closes as confirmed with a rating alone', () => {
      given(resolvedHistory)
        .when(confirm(3))
        .then([closedConfirmed(3)]);
    });

    it('reopens for round 1 when the resident says it is not fixed, back to the same owner and technician', () => {
      const comment = 'Still dripping from the joint under the sink';
      const state = given(resolvedHistory)
        .when(reject(comment))
        .then([resolutionRejected(comment), reopened('resident-rejected', comment, 1, '2026-11-24T02:00:00.000Z')]);
      expect(state).toMatchObject({ status: 'assigned', owner: wangWei, technician: wangWei, reopenRounds: 1 });
    });

    it('gives the reopening a reason when the resident rejects without a comment', () => {
      given(resolvedHistory)
        .when(reject())
        .then([
          resolutionRejected(undefined),
          reopened('resident-rejected', 'the resident says it is not fixed', 1, '2026-11-24T02:00:00.000Z'),
        ]);
    });

    it('is reopened by staff before the callback', () => {
      const state = given(resolvedHistory)
        .when(reopen(laterAt))
        .then([reopened('staff', staffReopenReason, 1, '2026-11-24T07:30:00.000Z')]);
      expect(state).toMatchObject({ status: 'assigned', reopenRounds: 1 });
    });

    it('refuses to cancel or to work on a resolved order', () => {
      refusedNamingWhatIsAllowed(resolvedHistory, cancel(), 'resolved');
      refusedAsIllegal(resolvedHistory, reassign(liNa));
    });
  });

  describe('given a closed work order', () => {
    const insideWindow = new Date('2026-11-27T14:00:00+08:00'); // 3 days 4 h after closing

    it('is reopened by staff inside the reopen window, for round 1', () => {
      const state = given(closedHistory)
        .when(reopen(insideWindow))
        .then([reopened('staff', staffReopenReason, 1, '2026-11-27T06:00:00.000Z')]);
      expect(state).toMatchObject({ status: 'assigned', owner: wangWei, technician: wangWei, reopenRounds: 1 });
      expect(state).not.toHaveProperty('closedAt');
    });

    it('counts the rounds: a second reopening after a resident rejection is round 2', () => {
      const history = [
        ...resolvedHistory,
        resolutionRejected('Still dripping'),
        reopened('resident-rejected', 'Still dripping', 1, '2026-11-24T02:00:00.000Z'),
        acknowledged(wangWei, false, '2026-11-24T03:00:00.000Z'),
        workStarted(wangWei, '2026-11-24T03:30:00.000Z'),
        { ...resolved, data: { ...resolved.data, resolvedAt: '2026-11-24T04:00:00.000Z' } } as WorkOrderEvent,
        closedConfirmed(4, undefined, '2026-11-25T02:00:00.000Z'),
      ];
      given(history)
        .when(reopen(insideWindow))
        .then([reopened('staff', staffReopenReason, 2, '2026-11-27T06:00:00.000Z')]);
    });

    it('can still be reopened at the very end of the window', () => {
      given(closedHistory)
        .when(reopen(new Date('2026-12-01T10:00:00+08:00')))
        .then([reopened('staff', staffReopenReason, 1, '2026-12-01T02:00:00.000Z')]);
    });

    it('refuses to reopen once the window has passed: report it anew', () => {
      const error = given(closedHistory)
        .when(reopen(new Date('2026-12-01T10:00:01+08:00')))
        .thenThrows(CommandRejectedError, { code: 'REOPEN_WINDOW_PASSED' });
      expect(error.message).toContain('2026-11-24T02:00:00.000Z');
    });

    it('allows only a reopening or a follow-up', () => {
      const error = refusedAsIllegal(closedHistory, confirm(5, undefined, laterAt));
      expect(error.details).toEqual({ currentStatus: 'closed', allowedCommands: ['Reopen', 'RecordFollowUp'] });
      refusedAsIllegal(closedHistory, cancel());
    });
  });

  describe('given a cancelled work order', () => {
    it('allows nothing but a follow-up: no reopening, no acknowledgement', () => {
      const error = refusedAsIllegal(cancelledHistory, reopen(laterAt));
      expect(error.details).toEqual({ currentStatus: 'cancelled', allowedCommands: ['RecordFollowUp'] });
      refusedAsIllegal(cancelledHistory, acknowledge(wangWei, laterAt));
    });
  });

  // ── Commands that several states take alike: one table each, a row per starting state ──────────────────

  describe('given any state a cancellation is allowed in', () => {
    it.each([
      ['triaged', triagedHistory],
      ['awaiting dispatch', awaitingDispatchHistory],
      ['assigned', assignedHistory],
      ['acknowledged', acknowledgedHistory],
      ['on hold', onHoldHistory],
    ])('cancels a %s order with the reason and note', (_status, history) => {
      const state = given(history).when(cancel()).then([cancelled()]);
      expect(state.status).toBe('cancelled');
    });
  });

  describe('given any state with a technician at work', () => {
    it.each([
      ['assigned', assignedHistory],
      ['acknowledged', acknowledgedHistory],
      ['in progress', inProgressHistory],
    ])('reassigns the technician of a %s order, which is then assigned, keeping the owner', (_status, history) => {
      const state = given(history)
        .when(reassign(liNa))
        .then([reassigned(wangWei, liNa)]);
      expect(state).toMatchObject({ status: 'assigned', owner: wangWei, technician: liNa });
    });
  });

  describe('given any state with an owner', () => {
    it.each([
      ['assigned', assignedHistory],
      ['in-progress', inProgressHistory],
      ['resolved', resolvedHistory],
    ] as const)('hands ownership of a %s order over, keeping the technician and the status', (status, history) => {
      const state = given(history)
        .when(handOver(liNa))
        .then([handedOver(wangWei, liNa)]);
      expect(state).toMatchObject({ status, owner: liNa, technician: wangWei });
    });
  });

  describe('given any state a follow-up contact is allowed in', () => {
    it.each([
      ['triaged', triagedHistory, {}],
      ['in-progress', inProgressHistory, {}],
      ['on-hold', onHoldHistory, { heldSince: '2026-11-23T01:30:00.000Z' }],
    ] as const)('numbers the first follow-up to a %s order 2, the report being 1', (status, history, kept) => {
      const state = given(history)
        .when(followUp())
        .then([followUpRecorded(2)]);
      expect(state).toMatchObject({ status, contacts: 2, ...kept });
    });

    it.each([
      ['closed', closedHistory, { closedAt: '2026-11-24T02:00:00.000Z' }],
      ['cancelled', cancelledHistory, {}],
    ] as const)('records follow-up contacts 2 then 3 and stays %s', (status, history, kept) => {
      const second = followUpRecorded(2, '2026-11-24T07:30:00.000Z');
      given(history).when(followUp(laterAt)).then([second]);
      const state = given([...history, second])
        .when(followUp(callbackAt))
        .then([followUpRecorded(3, '2026-11-24T02:00:00.000Z')]);
      expect(state).toMatchObject({ status, contacts: 3, ...kept });
    });
  });

  describe('given any state before closure: the resident adds a note from their status link', () => {
    const addNote = (note: string | undefined, photoRefs: string[]): WorkOrderCommand => ({
      type: 'AddResidentNote',
      note,
      photoRefs,
      now: new Date('2026-11-23T10:15:00+08:00'),
    });

    it.each([
      ['in-progress', inProgressHistory, {}],
      ['on-hold', onHoldHistory, { heldSince: '2026-11-23T01:30:00.000Z' }],
      ['resolved', resolvedHistory, {}],
    ] as const)('records the note on a %s order, trimmed, and changes nothing else', (status, history, kept) => {
      const before = foldWorkOrder(history);
      const state = given(history)
        .when(addNote('  Home after 18:00  ', [' app/ms-lin/cabinet.jpg ', '  ']))
        .then([
          {
            type: EventTypes.ResidentNoteAdded,
            data: {
              workOrderId,
              note: 'Home after 18:00',
              photoRefs: ['app/ms-lin/cabinet.jpg'],
              addedAt: '2026-11-23T02:15:00.000Z',
            },
          },
        ]);
      expect(state).toEqual(before);
      expect(state).toMatchObject({ status, ...kept });
    });

    it('takes a photo reference without words', () => {
      given(inProgressHistory)
        .when(addNote(undefined, ['app/ms-lin/ceiling.jpg']))
        .then([
          {
            type: EventTypes.ResidentNoteAdded,
            data: {
              workOrderId,
              note: undefined,
              photoRefs: ['app/ms-lin/ceiling.jpg'],
              addedAt: '2026-11-23T02:15:00.000Z',
            },
          },
        ]);
    });

    it('refuses a note with neither words nor a photo', () => {
      given(inProgressHistory)
        .when(addNote('   ', []))
        .thenThrows(CommandRejectedError, { code: 'EMPTY_RESIDENT_NOTE' });
    });

    it.each([
      ['closed', closedHistory],
      ['cancelled', cancelledHistory],
    ] as const)('refuses a note once the order is %s', (_status, history) => {
      given(history)
        .when(addNote('Still dripping', []))
        .thenThrows(IllegalTransitionError, { code: 'ILLEGAL_TRANSITION' });
    });
  });

  describe('given a state with no owner where a handover is allowed', () => {
    // No decided history leads here (every status that allows a handover has an owner); the state is built by
    // hand to pin the guard down.
    it('refuses the handover: there is no owner to hand over yet', () => {
      const ownerless: WorkOrderState = {
        status: 'assigned',
        ...triagedBurstPipe,
        reopenRounds: 0,
        contacts: 1,
        callbackRequested: false,
      };
      let thrown: unknown;
      try {
        workOrderDecider.decide(handOver(liNa), ownerless);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CommandRejectedError);
      expect(thrown).toMatchObject({ code: 'NO_OWNER_YET', kind: 'illegal-transition' });
    });
  });
});

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

describe('work order state (evolve / foldWorkOrder)', () => {
  const facts = {
    ...burstPipeOrder,
    reopenRounds: 0,
    contacts: 1,
    callbackRequested: false,
  };
  const triagedFacts = { ...facts, ...triagedBurstPipe };
  /** Wang Wei is owner and technician, as the story's routing decided. */
  const triagedFactsWithWangWei = { ...triagedFacts, owner: wangWei, technician: wangWei };

  it('starts with no work order', () => {
    expect(workOrderDecider.initialState()).toEqual({ status: 'none' });
    expect(foldWorkOrder([])).toEqual({ status: 'none' });
  });

  it('is reported after WorkOrderReported: round 0, the report is contact 1', () => {
    expect(workOrderDecider.evolve(workOrderDecider.initialState(), reported)).toEqual({
      status: 'reported',
      ...facts,
      category: undefined,
    });
  });

  it('is triaged with the tier and the triage category after WorkOrderTriaged', () => {
    expect(foldWorkOrder(triagedHistory)).toEqual({ status: 'triaged', ...triagedFacts });
  });

  it('awaits dispatch after WorkOrderQueuedForDispatch, with nobody named', () => {
    expect(foldWorkOrder(awaitingDispatchHistory)).toEqual({ status: 'awaiting-dispatch', ...triagedFacts });
  });

  it('makes the assigned owner the first technician too, whether the order went through the queue or not', () => {
    const expected = { status: 'assigned', ...triagedFacts, owner: liNa, technician: liNa };
    expect(foldWorkOrder([...triagedHistory, assignedTo(liNa)])).toEqual(expected);
    expect(foldWorkOrder([...awaitingDispatchHistory, assignedTo(liNa)])).toEqual(expected);
  });

  it('leaves owner and technician alone on an acknowledgement by the technician', () => {
    expect(foldWorkOrder(acknowledgedHistory)).toEqual({
      status: 'acknowledged',
      ...triagedFactsWithWangWei,
    });
  });

  it('remembers when a hold began and forgets it on resumption', () => {
    expect(foldWorkOrder(onHoldHistory)).toEqual({
      status: 'on-hold',
      ...triagedFactsWithWangWei,
      heldSince: '2026-11-23T01:30:00.000Z',
    });
    expect(foldWorkOrder([...onHoldHistory, resumed(2550)])).toEqual({
      status: 'in-progress',
      ...triagedFactsWithWangWei,
    });
  });

  it('stays resolved on a resident rejection until the reopening event moves it', () => {
    const resolvedState = foldWorkOrder(resolvedHistory);
    expect(workOrderDecider.evolve(resolvedState, resolutionRejected('Still dripping'))).toBe(resolvedState);
    expect(
      foldWorkOrder([
        ...resolvedHistory,
        resolutionRejected('Still dripping'),
        reopened('resident-rejected', 'Still dripping', 1, '2026-11-24T02:00:00.000Z'),
      ]),
    ).toEqual({
      status: 'assigned',
      ...triagedFactsWithWangWei,
      reopenRounds: 1,
    });
  });

  it('is closed with the closing time after WorkOrderClosed', () => {
    expect(foldWorkOrder(closedHistory)).toEqual({
      status: 'closed',
      ...triagedFactsWithWangWei,
      closedAt: '2026-11-24T02:00:00.000Z',
    });
  });

  it('ignores a triage event that arrives before any report', () => {
    expect(workOrderDecider.evolve(workOrderDecider.initialState(), triaged)).toEqual({ status: 'none' });
  });

  it('ignores a redelivered report or triage event once the order is past them', () => {
    const assigned = foldWorkOrder(assignedHistory);
    expect(workOrderDecider.evolve(assigned, reported)).toBe(assigned);
    expect(workOrderDecider.evolve(assigned, triaged)).toBe(assigned);
  });

  it('lists the commands each status accepts', () => {
    expect(allowedCommandsIn({ status: 'none' })).toEqual(['ReportWorkOrder']);
    expect(allowedCommandsIn(foldWorkOrder([reported]))).toEqual([]);
    expect(allowedCommandsIn(foldWorkOrder(closedHistory))).toEqual(['Reopen', 'RecordFollowUp']);
    expect(allowedCommandsIn(foldWorkOrder(cancelledHistory))).toEqual(['RecordFollowUp']);
  });
});

describe('workOrderStream', () => {
  it('names one event-store stream per work order, prefixed "workorder-"', () => {
    expect(workOrderStream(workOrderId)).toBe('workorder-e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80');
  });
});

describe('resident feedback that slipped past the edge', () => {
  it.each([0, 6, 4.5])('refuses a rating of %s stars', (rating) => {
    given(resolvedHistory).when(confirm(rating)).thenThrows(CommandRejectedError, { code: 'RATING_OUT_OF_RANGE' });
  });

  it('treats a blank rejection comment as none, so the events still meet their contract', () => {
    const [rejected, reopened] = workOrderDecider.decide(reject('   '), foldWorkOrder(resolvedHistory));
    expect(rejected?.data).not.toHaveProperty('comment', '   ');
    expect(reopened?.data).toMatchObject({ reason: 'the resident says it is not fixed' });
    expectPublishable([rejected!, reopened!]);
  });
});

describe('the callback (回访) timers on a resolved order', () => {
  const requestCallback = (round: number): WorkOrderCommand => ({
    type: 'RequestCallback',
    round,
    dueAt: callbackAt,
    now: callbackAt,
  });
  const closeUnconfirmed = (round: number): WorkOrderCommand => ({
    type: 'CloseWithoutConfirmation',
    round,
    now: callbackAt,
  });

  it('raises one callback task for the round, and no second one', () => {
    const [callback] = workOrderDecider.decide(requestCallback(0), foldWorkOrder(resolvedHistory));
    expect(callback).toEqual({
      type: EventTypes.CallbackRequested,
      data: { workOrderId, round: 0, dueAt: callbackAt.toISOString(), requestedAt: callbackAt.toISOString() },
    });
    expect(workOrderDecider.decide(requestCallback(0), foldWorkOrder([...resolvedHistory, callback!]))).toEqual([]);
  });

  it('closes without confirmation, distinguishable from a confirmed closure', () => {
    const [closed] = workOrderDecider.decide(closeUnconfirmed(0), foldWorkOrder(resolvedHistory));
    expect(closed).toEqual({
      type: EventTypes.WorkOrderClosed,
      data: { workOrderId, outcome: 'closed-without-confirmation', closedAt: callbackAt.toISOString() },
    });
  });

  it('ignores a timer set before a reopen: its round is over', () => {
    const reopenedAndResolvedAgain = [
      ...resolvedHistory,
      ...workOrderDecider.decide(reject('Still dripping'), foldWorkOrder(resolvedHistory)),
    ];
    const state = foldWorkOrder(reopenedAndResolvedAgain);
    expect(state).toMatchObject({ status: 'assigned', reopenRounds: 1 });
    const resolvedAgain = [...reopenedAndResolvedAgain, ...workOrderDecider.decide(acknowledge(wangWei), state)];
    const worked = [
      ...resolvedAgain,
      ...workOrderDecider.decide({ type: 'StartWork', by: wangWei, now: callbackAt }, foldWorkOrder(resolvedAgain)),
    ];
    const done = [
      ...worked,
      ...workOrderDecider.decide(
        { type: 'Resolve', by: wangWei, notes: 'Replaced the joint', photoRefs: [], now: callbackAt },
        foldWorkOrder(worked),
      ),
    ];
    expect(workOrderDecider.decide(closeUnconfirmed(0), foldWorkOrder(done))).toEqual([]);
    expect(workOrderDecider.decide(closeUnconfirmed(1), foldWorkOrder(done))).toHaveLength(1);
  });
});
