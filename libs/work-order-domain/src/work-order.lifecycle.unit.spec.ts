import {
  CloseloopError,
  EventType,
  EventTypes,
  IllegalTransitionError,
  parseDomainEvent,
  WorkOrderEvent,
} from '@closeloop/contracts';
import {
  acknowledgedHistory,
  assignedHistory,
  awaitingDispatchHistory,
  burstPipe,
  cancelledHistory,
  closedHistory,
  inProgressHistory,
  liNa,
  onHoldHistory,
  reported,
  resolvedHistory,
  triagedHistory,
  urgentWater,
  wangWei,
  workOrderId,
  zhaoLei,
} from './burst-pipe-story.spec';
import { allowedCommandsIn, CommandRejectedError, WorkOrderCommand } from './work-order.commands';
import { foldWorkOrder, workOrderDecider } from './work-order.decider';
import { WorkOrderStatus } from './work-order.state';

// The lifecycle as an exhaustive table: every status × every command. Each status is reached by a history of
// events, each command type has one valid sample; a pair the status table allows must decide (and land in the
// status written below), a pair it does not allow must be refused with an IllegalTransitionError that names the
// status and what it does allow. The Records are keyed on the decider's own unions, so a new status or command
// type that is not added here fails to compile.

type CommandType = WorkOrderCommand['type'];
type CommandOfType<T extends CommandType> = Extract<WorkOrderCommand, { type: T }>;

// ── Fixtures: the burst pipe at S1, Wang Wei (plumber) owns and fixes it, Zhao Lei runs the service desk ───

/** Every sample command happens here, after everything in every history (the order closed a day earlier). */
const now = new Date('2026-11-25T09:00:00+08:00');
const nowIso = '2026-11-25T01:00:00.000Z';
const sevenDays = 7 * 24 * 60 * 60;

/** A history that reaches each status. */
const histories: Record<WorkOrderStatus, readonly WorkOrderEvent[]> = {
  none: [],
  reported: [reported],
  triaged: triagedHistory,
  'awaiting-dispatch': awaitingDispatchHistory,
  assigned: assignedHistory,
  acknowledged: acknowledgedHistory,
  'in-progress': inProgressHistory,
  'on-hold': onHoldHistory,
  resolved: resolvedHistory,
  closed: closedHistory,
  cancelled: cancelledHistory,
};

/** One valid sample of each command type: Wang Wei is owner and technician wherever anyone is. */
const commands: { readonly [T in CommandType]: CommandOfType<T> } = {
  ReportWorkOrder: {
    type: 'ReportWorkOrder',
    workOrderId,
    number: 'S1-20261123-0001',
    report: burstPipe,
    triage: urgentWater,
    now,
  },
  AssignOwner: {
    type: 'AssignOwner',
    routing: {
      kind: 'team',
      teamId: 's1-plumbing',
      owner: wangWei,
      ruleId: 'roster:S1:s1-plumbing',
      reason: 'team s1-plumbing takes "plumbing"',
    },
    now,
  },
  Acknowledge: { type: 'Acknowledge', by: wangWei, now },
  StartWork: { type: 'StartWork', by: wangWei, now },
  PutOnHold: {
    type: 'PutOnHold',
    by: wangWei,
    reason: 'waiting-on-access',
    note: 'Nobody home; resident back at 18:00',
    now,
  },
  Resume: { type: 'Resume', by: wangWei, now },
  Resolve: {
    type: 'Resolve',
    by: wangWei,
    notes: 'Replaced the split pipe and the stop valve',
    photoRefs: ['photos/S1/e7c1f3a2-after.jpg'],
    now,
  },
  ReassignTechnician: {
    type: 'ReassignTechnician',
    by: zhaoLei,
    to: liNa,
    reason: 'Wang Wei is called to a lift entrapment',
    now,
  },
  HandOverOwnership: { type: 'HandOverOwnership', by: wangWei, to: liNa, reason: 'Wang Wei goes on annual leave', now },
  Cancel: { type: 'Cancel', by: zhaoLei, reason: 'duplicate', note: 'Same leak as S1-20261123-0000', now },
  Reopen: {
    type: 'Reopen',
    by: zhaoLei,
    reason: 'Resident called again: the joint is dripping',
    reopenWindowSeconds: sevenDays,
    now,
  },
  ConfirmResolution: { type: 'ConfirmResolution', rating: 4, comment: 'Fixed, but it took a while', now },
  RejectResolution: { type: 'RejectResolution', comment: 'Still dripping under the sink', now },
  RecordFollowUp: { type: 'RecordFollowUp', channel: 'wechat', note: 'Resident asks for news', now },
  AddResidentNote: {
    type: 'AddResidentNote',
    note: 'Home after 18:00; the cabinet is wet again',
    photoRefs: ['app/S1/ms-lin-1.jpg'],
    now,
  },
  RequestCallback: { type: 'RequestCallback', round: 0, dueAt: now, now },
  CloseWithoutConfirmation: { type: 'CloseWithoutConfirmation', round: 0, now },
  LinkDuplicateReport: {
    type: 'LinkDuplicateReport',
    report: {
      siteId: 'S1',
      building: '3',
      unit: '1202',
      channel: 'wechat',
      reporter: { name: 'Mr Lin' },
      description: 'Water pouring from the pipe under our sink',
    },
    similarity: 0.42,
    reason: 'same site S1, building 3, unit 1202 and category "plumbing"',
    now,
  },
};

// ── The expected lifecycle: for each allowed pair, the event types decided and the status after them ─────

interface Outcome {
  readonly emits: readonly EventType[];
  readonly next: WorkOrderStatus;
}
const E = EventTypes;
const followUp = (status: WorkOrderStatus): Outcome => ({ emits: [E.FollowUpContactRecorded], next: status });
const toCancelled: Outcome = { emits: [E.WorkOrderCancelled], next: 'cancelled' };
const reassigned: Outcome = { emits: [E.TechnicianReassigned], next: 'assigned' };
const handedOver = (status: WorkOrderStatus): Outcome => ({ emits: [E.OwnershipHandedOver], next: status });
const linked = (status: WorkOrderStatus): Outcome => ({ emits: [E.DuplicateReportLinked], next: status });
const noted = (status: WorkOrderStatus): Outcome => ({ emits: [E.ResidentNoteAdded], next: status });
const toAssigned: Outcome = { emits: [E.WorkOrderAssigned], next: 'assigned' };
const toAcknowledged: Outcome = { emits: [E.WorkOrderAcknowledged], next: 'acknowledged' };

const lifecycle: { readonly [S in WorkOrderStatus]: Partial<Record<CommandType, Outcome>> } = {
  none: { ReportWorkOrder: { emits: [E.WorkOrderReported, E.WorkOrderTriaged], next: 'triaged' } },
  reported: {},
  triaged: {
    AssignOwner: toAssigned,
    Acknowledge: toAcknowledged, // first responder becomes owner
    Cancel: toCancelled,
    RecordFollowUp: followUp('triaged'),
    AddResidentNote: noted('triaged'),
    LinkDuplicateReport: linked('triaged'),
  },
  'awaiting-dispatch': {
    AssignOwner: toAssigned,
    Acknowledge: toAcknowledged,
    Cancel: toCancelled,
    RecordFollowUp: followUp('awaiting-dispatch'),
    AddResidentNote: noted('awaiting-dispatch'),
    LinkDuplicateReport: linked('awaiting-dispatch'),
  },
  assigned: {
    AssignOwner: { emits: [], next: 'assigned' }, // already owned: a redelivery changes nothing
    Acknowledge: toAcknowledged,
    ReassignTechnician: reassigned,
    HandOverOwnership: handedOver('assigned'),
    Cancel: toCancelled,
    RecordFollowUp: followUp('assigned'),
    AddResidentNote: noted('assigned'),
    LinkDuplicateReport: linked('assigned'),
  },
  acknowledged: {
    StartWork: { emits: [E.WorkStarted], next: 'in-progress' },
    ReassignTechnician: reassigned,
    HandOverOwnership: handedOver('acknowledged'),
    Cancel: toCancelled,
    RecordFollowUp: followUp('acknowledged'),
    AddResidentNote: noted('acknowledged'),
    LinkDuplicateReport: linked('acknowledged'),
  },
  'in-progress': {
    PutOnHold: { emits: [E.WorkOrderPutOnHold], next: 'on-hold' },
    Resolve: { emits: [E.WorkOrderResolved], next: 'resolved' },
    ReassignTechnician: reassigned,
    HandOverOwnership: handedOver('in-progress'),
    Cancel: toCancelled,
    RecordFollowUp: followUp('in-progress'),
    AddResidentNote: noted('in-progress'),
    LinkDuplicateReport: linked('in-progress'),
  },
  'on-hold': {
    Resume: { emits: [E.WorkOrderResumed], next: 'in-progress' },
    ReassignTechnician: { emits: [E.WorkOrderResumed, E.TechnicianReassigned], next: 'assigned' }, // the hold is closed off first
    HandOverOwnership: handedOver('on-hold'),
    Cancel: toCancelled,
    RecordFollowUp: followUp('on-hold'),
    AddResidentNote: noted('on-hold'),
    LinkDuplicateReport: linked('on-hold'),
  },
  resolved: {
    ConfirmResolution: { emits: [E.WorkOrderClosed], next: 'closed' },
    RejectResolution: { emits: [E.ResolutionRejected, E.WorkOrderReopened], next: 'assigned' },
    Reopen: { emits: [E.WorkOrderReopened], next: 'assigned' },
    HandOverOwnership: handedOver('resolved'),
    RecordFollowUp: followUp('resolved'),
    AddResidentNote: noted('resolved'),
    RequestCallback: { emits: [E.CallbackRequested], next: 'resolved' },
    CloseWithoutConfirmation: { emits: [E.WorkOrderClosed], next: 'closed' },
  },
  closed: {
    Reopen: { emits: [E.WorkOrderReopened], next: 'assigned' }, // inside the window: closed a day before `now`
    RecordFollowUp: followUp('closed'),
  },
  cancelled: { RecordFollowUp: followUp('cancelled') },
};

const statuses = Object.keys(histories) as WorkOrderStatus[];
const commandTypes = Object.keys(commands) as CommandType[];

const catchError = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
};

// ── The fixtures themselves ───────────────────────────────────────────────────────────────────────────────

describe('lifecycle fixtures', () => {
  it('cover 11 statuses and 18 command types', () => {
    expect(statuses).toHaveLength(11);
    expect(commandTypes).toHaveLength(18);
  });

  it.each(statuses)('the %s history folds to its own status, and every event in it passes its contract', (status) => {
    expect(foldWorkOrder(histories[status]).status).toBe(status);
    for (const event of histories[status]) expect(parseDomainEvent(event.type, event.data)).toMatchObject({ ok: true });
  });
});

// ── The status table ──────────────────────────────────────────────────────────────────────────────────────

describe('the status table (allowedCommandsIn)', () => {
  it.each(statuses)('allows in %s exactly the commands the expected lifecycle lists', (status) => {
    expect([...allowedCommandsIn(foldWorkOrder(histories[status]))].sort()).toEqual(
      Object.keys(lifecycle[status]).sort(),
    );
  });

  it('allows nothing while an order is only reported, before its triage event', () => {
    expect(allowedCommandsIn(foldWorkOrder(histories.reported))).toEqual([]);
  });

  it('allows only a follow-up contact on a cancelled order', () => {
    expect(allowedCommandsIn(foldWorkOrder(histories.cancelled))).toEqual(['RecordFollowUp']);
  });

  it('allows only a staff reopening or a follow-up contact on a closed order', () => {
    expect([...allowedCommandsIn(foldWorkOrder(histories.closed))].sort()).toEqual(['RecordFollowUp', 'Reopen']);
  });

  it('allows only a report when there is no order yet', () => {
    expect(allowedCommandsIn(foldWorkOrder(histories.none))).toEqual(['ReportWorkOrder']);
  });

  it('allows every command type somewhere, and a follow-up contact in every status that has a resident', () => {
    const allowedAnywhere = new Set(statuses.flatMap((s) => allowedCommandsIn(foldWorkOrder(histories[s]))));
    expect([...allowedAnywhere].sort()).toEqual([...commandTypes].sort());
    const withFollowUp = statuses.filter((s) =>
      allowedCommandsIn(foldWorkOrder(histories[s])).includes('RecordFollowUp'),
    );
    expect(withFollowUp.sort()).toEqual(statuses.filter((s) => s !== 'none' && s !== 'reported').sort());
  });
});

// ── Every status × every command ──────────────────────────────────────────────────────────────────────────

const pairs = statuses.flatMap((status) =>
  commandTypes.map((type) => {
    const allowed = allowedCommandsIn(foldWorkOrder(histories[status])).includes(type);
    const outcome = lifecycle[status][type];
    const verdict = !allowed
      ? 'refused (IllegalTransitionError)'
      : outcome
        ? `→ ${outcome.next} [${outcome.emits.length} event(s)]`
        : 'allowed, but no expectation written';
    return { status, type, allowed, name: `${status} × ${type}: ${verdict}` };
  }),
);

/** An allowed pair decides without throwing, writes contract-valid events stamped `now`, and lands where the table says. */
const expectDecided = (status: WorkOrderStatus, type: CommandType) => {
  const outcome = lifecycle[status][type];
  expect(outcome).toBeDefined();
  const history = histories[status];
  let events: WorkOrderEvent[] = [];
  expect(() => {
    events = workOrderDecider.decide(commands[type], foldWorkOrder(history));
  }).not.toThrow();

  expect(events.map((e) => e.type)).toEqual(outcome?.emits);
  for (const event of events) {
    expect(parseDomainEvent(event.type, event.data)).toMatchObject({ ok: true });
    expect(event.data.workOrderId).toBe(workOrderId);
    // Each event carries exactly one instant of its own, and it is the command's (a callback also names when it fell due).
    const instants = Object.entries(event.data).filter(
      ([key]) => key.endsWith('At') && !(event.type === E.CallbackRequested && key === 'dueAt'),
    );
    expect(instants).toEqual([[expect.any(String), nowIso]]);
  }
  expect(foldWorkOrder([...history, ...events]).status).toBe(outcome?.next);
};

/** A pair the status table does not allow is an IllegalTransitionError naming the status and what it allows. */
const expectRefused = (status: WorkOrderStatus, type: CommandType) => {
  expect(lifecycle[status][type]).toBeUndefined();
  const state = foldWorkOrder(histories[status]);
  const thrown = catchError(() => workOrderDecider.decide(commands[type], state));
  expect(thrown).toBeInstanceOf(IllegalTransitionError);
  expect(thrown).toMatchObject({
    kind: 'illegal-transition',
    code: 'ILLEGAL_TRANSITION',
    message: `${type} is not allowed while the work order is ${status}`,
  });
  expect((thrown as IllegalTransitionError).details).toEqual({
    currentStatus: status,
    allowedCommands: allowedCommandsIn(state),
  });
};

describe('every status × every command', () => {
  it('lists 11 × 18 = 198 pairs', () => {
    expect(pairs).toHaveLength(198);
  });

  it.each(pairs)('$name', ({ status, type, allowed }) => (allowed ? expectDecided : expectRefused)(status, type));
});

// ── Allowed in the status, refused on the particulars ─────────────────────────────────────────────────────
// These are CommandRejectedErrors with stable codes, never IllegalTransitionErrors: the status table said yes.

const rejections: readonly {
  readonly name: string;
  readonly status: WorkOrderStatus;
  readonly command: WorkOrderCommand;
  readonly code: string;
}[] = [
  {
    name: 'assigned × Acknowledge by Li Na, not the assigned technician',
    status: 'assigned',
    command: { type: 'Acknowledge', by: liNa, now },
    code: 'NOT_THE_ASSIGNED_TECHNICIAN',
  },
  {
    name: 'in-progress × ReassignTechnician to Wang Wei, already the technician',
    status: 'in-progress',
    command: { ...commands.ReassignTechnician, to: wangWei },
    code: 'ALREADY_THE_TECHNICIAN',
  },
  {
    name: 'resolved × HandOverOwnership to Wang Wei, already the owner',
    status: 'resolved',
    command: { ...commands.HandOverOwnership, to: wangWei },
    code: 'ALREADY_THE_OWNER',
  },
  {
    name: 'closed × Reopen eight days after closing, outside a seven-day window',
    status: 'closed',
    command: { ...commands.Reopen, now: new Date('2026-12-02T10:00:00+08:00') },
    code: 'REOPEN_WINDOW_PASSED',
  },
  {
    name: 'in-progress × AddResidentNote with neither words nor a photo',
    status: 'in-progress',
    command: { type: 'AddResidentNote', note: '   ', photoRefs: [' '], now },
    code: 'EMPTY_RESIDENT_NOTE',
  },
];

describe('allowed commands refused on their particulars', () => {
  it.each(rejections)('$name → $code', ({ status, command, code }) => {
    const state = foldWorkOrder(histories[status]);
    expect(allowedCommandsIn(state)).toContain(command.type);
    const thrown = catchError(() => workOrderDecider.decide(command, state));
    expect(thrown).toBeInstanceOf(CommandRejectedError);
    expect(thrown).not.toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toBeInstanceOf(CloseloopError);
    expect(thrown).toMatchObject({ kind: 'illegal-transition', code });
  });
});
