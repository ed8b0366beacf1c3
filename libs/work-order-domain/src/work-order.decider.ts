import {
  EventTypes,
  IllegalTransitionError,
  ReportDetails,
  Tier,
  WorkOrderEvent,
} from '@closeloop/contracts';
import { RoutingDecision } from './routing';
import { TriageDecision } from './triage';

// ── State ─────────────────────────────────────────────────────────────────────────────────────────────────
// A union keyed on status; each status carries only what is known by then. "triaged" means a tier is set
// and the order waits for dispatch to name its accountable owner (first-response responsibility, 首问负责制:
// that person answers for the order until it closes, whoever turns the spanner).

interface Reported {
  readonly workOrderId: string;
  readonly number: string;
  readonly siteId: string;
  readonly building?: string | undefined;
  readonly category?: string | undefined;
}

export type WorkOrderState =
  | { readonly status: 'none' }
  | ({ readonly status: 'reported' } & Reported)
  | ({ readonly status: 'triaged'; readonly tier: Tier; readonly category: string } & Reported)
  | ({ readonly status: 'awaiting-dispatch'; readonly tier: Tier; readonly category: string; readonly queueId: string } & Reported)
  | ({ readonly status: 'assigned'; readonly tier: Tier; readonly category: string; readonly ownerId: string } & Reported);

export type WorkOrderStatus = WorkOrderState['status'];

export const initialState = (): WorkOrderState => ({ status: 'none' });

// ── Commands ──────────────────────────────────────────────────────────────────────────────────────────────
// Time, ids, numbers and the triage/routing verdicts arrive with the command: the decider does no I/O.

export interface ReportWorkOrder {
  readonly type: 'ReportWorkOrder';
  readonly workOrderId: string;
  readonly number: string;
  readonly report: ReportDetails;
  readonly triage: TriageDecision;
  readonly now: Date;
}

export interface AssignOwner {
  readonly type: 'AssignOwner';
  readonly routing: RoutingDecision;
  readonly now: Date;
}

export type WorkOrderCommand = ReportWorkOrder | AssignOwner;

const allowedCommands: Record<WorkOrderStatus, readonly WorkOrderCommand['type'][]> = {
  none: ['ReportWorkOrder'],
  reported: [],
  triaged: ['AssignOwner'],
  'awaiting-dispatch': ['AssignOwner'],
  assigned: [],
};

export const allowedCommandsIn = (state: WorkOrderState): readonly WorkOrderCommand['type'][] => allowedCommands[state.status];

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

export const decide = (command: WorkOrderCommand, state: WorkOrderState): WorkOrderEvent[] => {
  switch (command.type) {
    case 'ReportWorkOrder':
      return decideReport(command, state);
    case 'AssignOwner':
      return decideAssignment(command, state);
    default:
      return assertNever(command);
  }
};

const reject = (command: WorkOrderCommand, state: WorkOrderState): never => {
  throw new IllegalTransitionError(command.type, state.status, allowedCommandsIn(state));
};

const decideReport = (command: ReportWorkOrder, state: WorkOrderState): WorkOrderEvent[] => {
  if (state.status !== 'none') return reject(command, state);
  const { report, triage, workOrderId, now } = command;
  const at = now.toISOString();
  return [
    {
      type: EventTypes.WorkOrderReported,
      data: {
        workOrderId,
        number: command.number,
        siteId: report.siteId,
        building: report.building,
        unit: report.unit,
        channel: report.channel,
        reporter: { name: report.reporter.name, phone: report.reporter.phone },
        category: report.category,
        description: report.description,
        reportedAt: at,
      },
    },
    {
      type: EventTypes.WorkOrderTriaged,
      data: { workOrderId, tier: triage.tier, category: triage.category, ruleId: triage.ruleId, reason: triage.reason, triagedAt: at },
    },
  ];
};

const decideAssignment = (command: AssignOwner, state: WorkOrderState): WorkOrderEvent[] => {
  switch (state.status) {
    // The owner, once named, stays: a redelivered "triaged" event must not hand the order to someone else.
    case 'assigned':
      return [];
    case 'awaiting-dispatch':
      if (command.routing.kind === 'dispatcher-queue') return [];
      break;
    case 'triaged':
      break;
    case 'none':
    case 'reported':
      return reject(command, state);
    default:
      return assertNever(state);
  }
  const { routing } = command;
  const at = command.now.toISOString();
  if (routing.kind === 'dispatcher-queue') {
    return [{ type: EventTypes.WorkOrderQueuedForDispatch, data: { workOrderId: state.workOrderId, queueId: routing.queueId, reason: routing.reason, queuedAt: at } }];
  }
  return [
    {
      type: EventTypes.WorkOrderAssigned,
      data: { workOrderId: state.workOrderId, owner: routing.owner, teamId: routing.teamId, ruleId: routing.ruleId, reason: routing.reason, assignedAt: at },
    },
  ];
};

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

export const evolve = (state: WorkOrderState, event: WorkOrderEvent): WorkOrderState => {
  switch (event.type) {
    case EventTypes.WorkOrderReported: {
      if (state.status !== 'none') return state;
      const { workOrderId, number, siteId, building, category } = event.data;
      return { status: 'reported', workOrderId, number, siteId, building, category };
    }
    case EventTypes.WorkOrderTriaged:
      if (state.status !== 'reported') return state;
      return { ...reportedPart(state), status: 'triaged', tier: event.data.tier, category: event.data.category };
    case EventTypes.WorkOrderQueuedForDispatch:
      if (state.status !== 'triaged' && state.status !== 'awaiting-dispatch') return state;
      return { ...reportedPart(state), status: 'awaiting-dispatch', tier: state.tier, category: state.category, queueId: event.data.queueId };
    case EventTypes.WorkOrderAssigned:
      if (state.status !== 'triaged' && state.status !== 'awaiting-dispatch') return state;
      return { ...reportedPart(state), status: 'assigned', tier: state.tier, category: state.category, ownerId: event.data.owner.staffId };
    default:
      return assertNever(event);
  }
};

const reportedPart = (state: Exclude<WorkOrderState, { status: 'none' }>): Reported => ({
  workOrderId: state.workOrderId,
  number: state.number,
  siteId: state.siteId,
  building: state.building,
  category: state.category,
});

/** Each work order is one stream in the event store. */
export const workOrderStream = (workOrderId: string): string => `workorder-${workOrderId}`;

export const foldWorkOrder = (events: readonly WorkOrderEvent[]): WorkOrderState => events.reduce(evolve, initialState());

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
