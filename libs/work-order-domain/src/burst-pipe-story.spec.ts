import { EventTypes, ReportDetails, WorkOrderEvent } from '@closeloop/contracts';
import { reportedByMsLin } from '@closeloop/testing';
import { TriageDecision } from './triage';
import { Staff } from './work-order.state';

// ── The burst-pipe story the work-order specs share ──────────────────────────────────────────────────────
// A burst pipe reported by phone at site S1, building 3, flat 1202. People from config/roster.json: Wang Wei
// and Li Na are S1's plumbers, Zhao Lei runs S1's service desk. Each event carries the data the decider writes
// for it; each history reaches one status, so a spec starts from any point of the loop.

export const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
export const number = 'S1-20261123-0001';

export const wangWei: Staff = { staffId: 's1-wang-wei', name: 'Wang Wei' };
export const liNa: Staff = { staffId: 's1-li-na', name: 'Li Na' };
export const zhaoLei: Staff = { staffId: 's1-zhao-lei', name: 'Zhao Lei' };

/** The report as the resident gave it, and triage's verdict on it. */
export const burstPipe: ReportDetails = reportedByMsLin({
  building: '3',
  unit: '1202',
  description: 'Burst pipe under the kitchen sink, water all over the floor',
});

export const urgentWater: TriageDecision = {
  tier: 'urgent',
  category: 'plumbing',
  ruleId: 'urgent-water',
  reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
};

export const resolutionNotes =
  'Replaced the split section of cold-water pipe and the corroded stop valve; no further leak after 20 minutes';
export const photoRefs = ['photos/S1/2026-11-23/e7c1f3a2-before.jpg', 'photos/S1/2026-11-23/e7c1f3a2-after.jpg'];

// ── Events, with the data the decider should write ────────────────────────────────────────────────────────

export const reported: WorkOrderEvent = {
  type: EventTypes.WorkOrderReported,
  data: { workOrderId, number, ...burstPipe, category: undefined, reportedAt: '2026-11-23T01:00:00.000Z' },
};

export const triaged: WorkOrderEvent = {
  type: EventTypes.WorkOrderTriaged,
  data: { workOrderId, ...urgentWater, triagedAt: '2026-11-23T01:00:00.000Z' },
};

export const queued: WorkOrderEvent = {
  type: EventTypes.WorkOrderQueuedForDispatch,
  data: {
    workOrderId,
    queueId: 'S1-dispatch',
    reason: 'no team on the S1 roster takes category "plumbing" in building 3',
    queuedAt: '2026-11-23T01:00:05.000Z',
  },
};

export const assignedTo = (owner = wangWei, assignedAt = '2026-11-23T01:00:05.000Z'): WorkOrderEvent => ({
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

export const acknowledged = (by: Staff, becameOwner: boolean, at = '2026-11-23T01:04:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkOrderAcknowledged,
  data: { workOrderId, by, becameOwner, acknowledgedAt: at },
});

export const workStarted = (by = wangWei, at = '2026-11-23T01:15:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkStarted,
  data: { workOrderId, by, startedAt: at },
});

export const putOnHold: WorkOrderEvent = {
  type: EventTypes.WorkOrderPutOnHold,
  data: {
    workOrderId,
    by: wangWei,
    reason: 'waiting-on-parts',
    note: 'Stop valve ordered from the supplier',
    heldAt: '2026-11-23T01:30:00.000Z',
  },
};

export const resumed = (heldSeconds: number, at = '2026-11-23T02:12:30.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkOrderResumed,
  data: { workOrderId, by: wangWei, heldSeconds, resumedAt: at },
});

export const resolved: WorkOrderEvent = {
  type: EventTypes.WorkOrderResolved,
  data: { workOrderId, by: wangWei, notes: resolutionNotes, photoRefs, resolvedAt: '2026-11-23T02:48:00.000Z' },
};

export const reassigned = (from: Staff | undefined, to: Staff, at = '2026-11-24T07:30:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.TechnicianReassigned,
  data: {
    workOrderId,
    from,
    to,
    reason: 'Wang Wei is called to a lift entrapment in building 5',
    by: zhaoLei,
    reassignedAt: at,
  },
});

export const handedOver = (from: Staff, to: Staff, at = '2026-11-24T07:30:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.OwnershipHandedOver,
  data: { workOrderId, from, to, reason: 'Wang Wei goes on annual leave tomorrow', by: wangWei, handedOverAt: at },
});

export const cancelled = (at = '2026-11-24T07:30:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkOrderCancelled,
  data: {
    workOrderId,
    reason: 'duplicate',
    note: 'Same leak as S1-20261123-0000, reported by the neighbour',
    by: zhaoLei,
    cancelledAt: at,
  },
});

export const resolutionRejected = (comment: string | undefined, at = '2026-11-24T02:00:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.ResolutionRejected,
  data: { workOrderId, comment, rejectedAt: at },
});

export const reopened = (
  trigger: 'resident-rejected' | 'staff',
  reason: string,
  round: number,
  at: string,
): WorkOrderEvent => ({
  type: EventTypes.WorkOrderReopened,
  data: { workOrderId, trigger, reason, round, reopenedAt: at },
});

export const closedConfirmed = (rating: number, comment?: string, at = '2026-11-24T02:00:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.WorkOrderClosed,
  data: { workOrderId, outcome: 'confirmed', rating, comment, closedAt: at },
});

export const followUpRecorded = (contactNumber: number, at = '2026-11-23T01:40:00.000Z'): WorkOrderEvent => ({
  type: EventTypes.FollowUpContactRecorded,
  data: {
    workOrderId,
    channel: 'phone',
    note: 'Resident asks when the plumber is coming back',
    contactNumber,
    contactedAt: at,
  },
});

// ── Histories: one per starting state ─────────────────────────────────────────────────────────────────────

export const triagedHistory = [reported, triaged];
export const awaitingDispatchHistory = [...triagedHistory, queued];
export const assignedHistory = [...triagedHistory, assignedTo(wangWei)];
export const acknowledgedHistory = [...assignedHistory, acknowledged(wangWei, false)];
export const inProgressHistory = [...acknowledgedHistory, workStarted()];
export const onHoldHistory = [...inProgressHistory, putOnHold];
export const resolvedHistory = [...onHoldHistory, resumed(2550), resolved];
export const closedHistory = [...resolvedHistory, closedConfirmed(5, 'Quick and tidy, thank you')];
export const cancelledHistory = [...assignedHistory, cancelled()];
