import { EventTypes, IllegalTransitionError, WorkOrderEvent } from '@closeloop/contracts';
import {
  allowedCommandsIn,
  AssignOwner,
  CommandRejectedError,
  RecordFollowUp,
  ReportWorkOrder,
  WorkOrderCommand,
} from './work-order.commands';
import { OpenState, Staff, WorkOrderState } from './work-order.state';

// ── Decide ────────────────────────────────────────────────────────────────────────────────────────────────

export const decide = (command: WorkOrderCommand, state: WorkOrderState): WorkOrderEvent[] => {
  if (!allowedCommandsIn(state).includes(command.type)) {
    throw new IllegalTransitionError(command.type, state.status, allowedCommandsIn(state));
  }
  if (command.type === 'ReportWorkOrder') return decideReport(command);
  const order = state as OpenState;
  const workOrderId = order.workOrderId;
  const at = command.now.toISOString();
  switch (command.type) {
    case 'AssignOwner':
      return decideAssignment(command, order);
    case 'Acknowledge': {
      const becameOwner = order.owner === undefined;
      if (!becameOwner && order.technician && order.technician.staffId !== command.by.staffId) {
        throw new CommandRejectedError(
          'NOT_THE_ASSIGNED_TECHNICIAN',
          `Only ${order.technician.name}, the assigned technician, can acknowledge this order; reassign it first`,
        );
      }
      return [
        {
          type: EventTypes.WorkOrderAcknowledged,
          data: { workOrderId, by: command.by, becameOwner, acknowledgedAt: at },
        },
      ];
    }
    case 'StartWork':
      return [{ type: EventTypes.WorkStarted, data: { workOrderId, by: command.by, startedAt: at } }];
    case 'PutOnHold':
      return [
        {
          type: EventTypes.WorkOrderPutOnHold,
          data: { workOrderId, by: command.by, reason: command.reason, note: command.note, heldAt: at },
        },
      ];
    case 'Resume':
      return [resumed(order.status === 'on-hold' ? order.heldSince : at, command.by, command.now, workOrderId)];
    case 'Resolve':
      return [
        {
          type: EventTypes.WorkOrderResolved,
          data: {
            workOrderId,
            by: command.by,
            notes: command.notes,
            photoRefs: [...command.photoRefs],
            resolvedAt: at,
          },
        },
      ];
    case 'ReassignTechnician': {
      if (order.technician?.staffId === command.to.staffId) {
        throw new CommandRejectedError(
          'ALREADY_THE_TECHNICIAN',
          `${command.to.name} is already the technician on this order`,
        );
      }
      const reassigned: WorkOrderEvent = {
        type: EventTypes.TechnicianReassigned,
        data: {
          workOrderId,
          from: order.technician,
          to: command.to,
          reason: command.reason,
          by: command.by,
          reassignedAt: at,
        },
      };
      // A reassignment ends a hold: the pause is closed off first, so its length stays on record.
      return order.status === 'on-hold'
        ? [resumed(order.heldSince, command.by, command.now, workOrderId), reassigned]
        : [reassigned];
    }
    case 'HandOverOwnership':
      if (!order.owner)
        throw new CommandRejectedError(
          'NO_OWNER_YET',
          'The order has no owner to hand over yet; acknowledge or assign it first',
        );
      if (order.owner.staffId === command.to.staffId) {
        throw new CommandRejectedError('ALREADY_THE_OWNER', `${command.to.name} already owns this order`);
      }
      return [
        {
          type: EventTypes.OwnershipHandedOver,
          data: {
            workOrderId,
            from: order.owner,
            to: command.to,
            reason: command.reason,
            by: command.by,
            handedOverAt: at,
          },
        },
      ];
    case 'Cancel':
      return [
        {
          type: EventTypes.WorkOrderCancelled,
          data: { workOrderId, reason: command.reason, note: command.note, by: command.by, cancelledAt: at },
        },
      ];
    case 'Reopen': {
      if (
        order.status === 'closed' &&
        command.now.getTime() - Date.parse(order.closedAt) > command.reopenWindowSeconds * 1000
      ) {
        throw new CommandRejectedError(
          'REOPEN_WINDOW_PASSED',
          `The order closed at ${order.closedAt}, more than ${command.reopenWindowSeconds} s ago; report it anew`,
        );
      }
      return [reopened(order, 'staff', command.reason, at)];
    }
    case 'ConfirmResolution':
      if (!Number.isInteger(command.rating) || command.rating < 1 || command.rating > 5) {
        throw new CommandRejectedError('RATING_OUT_OF_RANGE', `A rating is 1 to 5 stars, not ${command.rating}`);
      }
      return [
        {
          type: EventTypes.WorkOrderClosed,
          data: { workOrderId, outcome: 'confirmed', rating: command.rating, comment: command.comment, closedAt: at },
        },
      ];
    case 'RejectResolution':
      return [
        {
          type: EventTypes.ResolutionRejected,
          data: { workOrderId, comment: command.comment?.trim() || undefined, rejectedAt: at },
        },
        reopened(order, 'resident-rejected', command.comment?.trim() || 'the resident says it is not fixed', at),
      ];
    case 'RequestCallback':
      if (command.round !== order.reopenRounds || order.callbackRequested) return [];
      return [
        {
          type: EventTypes.CallbackRequested,
          data: { workOrderId, round: command.round, dueAt: command.dueAt.toISOString(), requestedAt: at },
        },
      ];
    case 'CloseWithoutConfirmation':
      if (command.round !== order.reopenRounds) return [];
      return [
        {
          type: EventTypes.WorkOrderClosed,
          data: { workOrderId, outcome: 'closed-without-confirmation', closedAt: at },
        },
      ];
    case 'LinkDuplicateReport': {
      const { report } = command;
      return [
        {
          type: EventTypes.DuplicateReportLinked,
          data: {
            workOrderId,
            reporter: { name: report.reporter.name, phone: report.reporter.phone },
            channel: report.channel,
            description: report.description,
            similarity: command.similarity,
            reason: command.reason,
            contactNumber: order.contacts + 1,
            linkedAt: at,
          },
        },
      ];
    }
    case 'RecordFollowUp':
      return [
        {
          type: EventTypes.FollowUpContactRecorded,
          data: {
            workOrderId,
            channel: command.channel,
            note: command.note,
            caller: callerOf(command),
            contactNumber: order.contacts + 1,
            contactedAt: at,
          },
        },
      ];
    case 'AddResidentNote': {
      const noteText = command.note?.trim() || undefined;
      const photoRefs = command.photoRefs.map((ref) => ref.trim()).filter((ref) => ref !== '');
      if (noteText === undefined && photoRefs.length === 0) {
        throw new CommandRejectedError('EMPTY_RESIDENT_NOTE', 'A note needs some words or a photo reference');
      }
      return [{ type: EventTypes.ResidentNoteAdded, data: { workOrderId, note: noteText, photoRefs, addedAt: at } }];
    }
    default:
      return assertNever(command);
  }
};

/** The caller's name and number as given; nothing when they gave neither. */
const callerOf = ({ caller }: RecordFollowUp): { name?: string | undefined; phone?: string | undefined } | undefined =>
  caller && (caller.name !== undefined || caller.phone !== undefined)
    ? { name: caller.name, phone: caller.phone }
    : undefined;

const resumed = (heldSince: string, by: Staff, now: Date, workOrderId: string): WorkOrderEvent => ({
  type: EventTypes.WorkOrderResumed,
  data: {
    workOrderId,
    by,
    heldSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(heldSince)) / 1000)),
    resumedAt: now.toISOString(),
  },
});

const reopened = (
  order: OpenState,
  trigger: 'resident-rejected' | 'staff',
  reason: string,
  at: string,
): WorkOrderEvent => ({
  type: EventTypes.WorkOrderReopened,
  data: { workOrderId: order.workOrderId, trigger, reason, round: order.reopenRounds + 1, reopenedAt: at },
});

const decideReport = (command: ReportWorkOrder): WorkOrderEvent[] => {
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
        reporter: {
          name: report.reporter.name,
          phone: report.reporter.phone,
          ...(report.reporter.wechatOpenId !== undefined ? { wechatOpenId: report.reporter.wechatOpenId } : {}),
        },
        category: report.category,
        description: report.description,
        reportedAt: at,
      },
    },
    {
      type: EventTypes.WorkOrderTriaged,
      data: {
        workOrderId,
        tier: triage.tier,
        category: triage.category,
        ruleId: triage.ruleId,
        reason: triage.reason,
        ...(triage.priorityLane ? { priorityLane: triage.priorityLane } : {}),
        triagedAt: at,
      },
    },
  ];
};

const decideAssignment = (command: AssignOwner, order: OpenState): WorkOrderEvent[] => {
  // The owner, once named, stays: a redelivered "triaged" event must not hand the order to someone else.
  if (order.owner) return [];
  const { routing } = command;
  const at = command.now.toISOString();
  if (routing.kind === 'dispatcher-queue') {
    if (order.status === 'awaiting-dispatch') return [];
    return [
      {
        type: EventTypes.WorkOrderQueuedForDispatch,
        data: { workOrderId: order.workOrderId, queueId: routing.queueId, reason: routing.reason, queuedAt: at },
      },
    ];
  }
  return [
    {
      type: EventTypes.WorkOrderAssigned,
      data: {
        workOrderId: order.workOrderId,
        owner: routing.owner,
        teamId: routing.teamId,
        ruleId: routing.ruleId,
        reason: routing.reason,
        assignedAt: at,
      },
    },
  ];
};

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
