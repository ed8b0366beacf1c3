import { DomainEvent, EventTypes, nameBasedUuid, uuidNamespace } from '@closeloop/contracts';

// Builders of published events for the reports' specs, and a November at site S1 whose every figure is worked out
// by hand in service-levels.unit.spec.ts. Times are written as Beijing wall clock (the site's zone).

export const beijing = (local: string): string => new Date(`${local}:00+08:00`).toISOString();

const SPEC_IDS = uuidNamespace('6f1c1a52-3b5e-4c39-9f4e-2b8c0d3a7e11');
export const orderIdOf = (name: string): string => nameBasedUuid(SPEC_IDS, `order ${name}`);
const alertIdOf = (name: string): string => nameBasedUuid(SPEC_IDS, `alert ${name}`);

const wang = { staffId: 'T-wang', name: 'Wang Wei' };
const li = { staffId: 'T-li', name: 'Li Na' };
export const STAFF = { wang, li } as const;

type Place = { building: string; unit?: string; category: string };

/** One order's events, in the order its streams would publish them. */
export const history = (name: string) => {
  const workOrderId = orderIdOf(name);
  const events: DomainEvent[] = [];
  const add = (type: string, data: Record<string, unknown>) => {
    events.push({ type, data: { workOrderId, ...data } } as DomainEvent);
    return steps;
  };
  const steps = {
    workOrderId,
    events,
    reported: (at: string, number: string, place: Place) =>
      add(EventTypes.WorkOrderReported, {
        number,
        siteId: 'S1',
        building: place.building,
        ...(place.unit ? { unit: place.unit } : {}),
        channel: 'phone',
        reporter: { name: 'Resident' },
        category: place.category,
        description: `${place.category} in ${place.building}`,
        reportedAt: beijing(at),
      }),
    triaged: (at: string, tier: 'urgent' | 'normal' | 'planned', category: string) =>
      add(EventTypes.WorkOrderTriaged, { tier, category, ruleId: 'R1', reason: 'by category', triagedAt: beijing(at) }),
    assigned: (at: string, owner = wang) =>
      add(EventTypes.WorkOrderAssigned, {
        owner,
        teamId: 'team-maintenance',
        ruleId: 'roster',
        reason: 'on the roster',
        assignedAt: beijing(at),
      }),
    acknowledged: (at: string, by = wang) =>
      add(EventTypes.WorkOrderAcknowledged, { by, becameOwner: false, acknowledgedAt: beijing(at) }),
    resolved: (at: string, by = wang) =>
      add(EventTypes.WorkOrderResolved, { by, notes: 'fixed', photoRefs: [], resolvedAt: beijing(at) }),
    rejected: (at: string) => add(EventTypes.ResolutionRejected, { comment: 'still broken', rejectedAt: beijing(at) }),
    reopened: (at: string, round: number) =>
      add(EventTypes.WorkOrderReopened, {
        trigger: 'resident-rejected',
        reason: 'still broken',
        round,
        reopenedAt: beijing(at),
      }),
    closed: (at: string, rating?: number, comment?: string) =>
      add(EventTypes.WorkOrderClosed, {
        outcome: 'confirmed',
        ...(rating !== undefined ? { rating } : {}),
        ...(comment !== undefined ? { comment } : {}),
        closedAt: beijing(at),
      }),
    cancelled: (at: string) =>
      add(EventTypes.WorkOrderCancelled, { reason: 'duplicate', by: li, cancelledAt: beijing(at) }),
    callbackRequested: (at: string, round = 0) =>
      add(EventTypes.CallbackRequested, { round, dueAt: beijing(at), requestedAt: beijing(at) }),
    duplicateLinked: (at: string) =>
      add(EventTypes.DuplicateReportLinked, {
        reporter: { name: 'Neighbour' },
        channel: 'wechat',
        description: 'same problem',
        similarity: 0.9,
        reason: 'same unit and category',
        contactNumber: 2,
        linkedAt: beijing(at),
      }),
    followUp: (at: string) =>
      add(EventTypes.FollowUpContactRecorded, { channel: 'phone', contactNumber: 2, contactedAt: beijing(at) }),
    met: (target: 'response' | 'resolution', dueAt: string, at: string, onTime = true) =>
      add(EventTypes.SlaTargetMet, { target, dueAt: beijing(dueAt), metAt: beijing(at), onTime }),
    breached: (target: 'response' | 'resolution', at: string) =>
      add(EventTypes.SlaBreached, { target, dueAt: beijing(at), breachedAt: beijing(at) }),
    escalated: (target: 'response' | 'resolution', level: number, at: string) =>
      add(EventTypes.SlaEscalated, { target, level, escalatedAt: beijing(at) }),
    restarted: (at: string, round: number, resolutionDueAt: string) =>
      add(EventTypes.SlaClockRestarted, { round, restartedAt: beijing(at), resolutionDueAt: beijing(resolutionDueAt) }),
    alertRaised: (alert: string, level: number, at: string) =>
      add(EventTypes.AlertRaised, {
        alertId: alertIdOf(alert),
        kind: 'escalation',
        siteId: 'S1',
        target: 'resolution',
        level,
        recipients: [],
        causeEventId: `cause-${alert}`,
        raisedAt: beijing(at),
      }),
    alertAcknowledged: (alert: string, at: string) =>
      add(EventTypes.AlertAcknowledged, {
        alertId: alertIdOf(alert),
        kind: 'escalation',
        target: 'resolution',
        acknowledgedBy: li,
        via: 'api',
        acknowledgedAt: beijing(at),
      }),
  };
  return steps;
};

/**
 * November 2026 at S1 (the previous period of the same length is 2 October – 1 November):
 * A urgent lift fix, on time, rated 5; B a leak resolved late after two escalations, rated 2; C reopened once and
 * resolved again, its callback still unanswered; D cancelled as a duplicate; E reported in October and still open;
 * F never acknowledged, its response target missed; G the same lift fault in A's unit again, twelve days after.
 */
export const NOVEMBER = [
  history('A')
    .reported('2026-11-03T09:00', 'S1-0001', { building: 'B3', unit: '3-1201', category: 'lift' })
    .triaged('2026-11-03T09:00', 'urgent', 'lift')
    .assigned('2026-11-03T09:01')
    .acknowledged('2026-11-03T09:05')
    .met('response', '2026-11-03T09:15', '2026-11-03T09:05')
    .resolved('2026-11-03T10:30')
    .met('resolution', '2026-11-03T11:00', '2026-11-03T10:30')
    .closed('2026-11-03T18:00', 5),
  history('B')
    .reported('2026-11-10T10:00', 'S1-0002', { building: 'B3', unit: '3-0502', category: 'leak' })
    .triaged('2026-11-10T10:00', 'normal', 'leak')
    .assigned('2026-11-10T10:01', STAFF.li)
    .acknowledged('2026-11-10T10:20', STAFF.li)
    .met('response', '2026-11-10T12:00', '2026-11-10T10:20')
    .breached('resolution', '2026-11-11T18:00')
    .escalated('resolution', 1, '2026-11-11T18:00')
    .alertRaised('B1', 1, '2026-11-11T18:00')
    .alertAcknowledged('B1', '2026-11-11T18:10')
    .escalated('resolution', 2, '2026-11-11T20:00')
    .alertRaised('B2', 2, '2026-11-11T20:00')
    .resolved('2026-11-12T09:00', STAFF.li)
    .met('resolution', '2026-11-11T18:00', '2026-11-12T09:00', false)
    .callbackRequested('2026-11-12T18:00')
    .closed('2026-11-12T20:00', 2, 'slow to come'),
  history('C')
    .reported('2026-11-20T08:00', 'S1-0003', { building: 'B5', unit: '5-0101', category: 'electrical' })
    .triaged('2026-11-20T08:00', 'normal', 'electrical')
    .assigned('2026-11-20T08:01')
    .acknowledged('2026-11-20T08:30')
    .met('response', '2026-11-20T10:00', '2026-11-20T08:30')
    .resolved('2026-11-21T10:00')
    .met('resolution', '2026-11-21T17:00', '2026-11-21T10:00')
    .rejected('2026-11-22T09:00')
    .reopened('2026-11-22T09:00', 1)
    .restarted('2026-11-22T09:00', 1, '2026-11-23T17:00')
    .resolved('2026-11-23T10:00')
    .met('resolution', '2026-11-23T17:00', '2026-11-23T10:00')
    .callbackRequested('2026-11-25T10:00', 1),
  history('D')
    .reported('2026-11-25T12:00', 'S1-0004', { building: 'B3', unit: '3-0502', category: 'leak' })
    .cancelled('2026-11-25T13:00'),
  history('E')
    .reported('2026-10-20T09:00', 'S1-0005', { building: 'B3', category: 'noise' })
    .triaged('2026-10-20T09:00', 'planned', 'noise')
    .assigned('2026-10-20T09:01')
    .acknowledged('2026-10-20T09:10')
    .followUp('2026-11-05T09:00')
    .duplicateLinked('2026-11-06T09:00'),
  history('F')
    .reported('2026-11-28T09:00', 'S1-0006', { building: 'B5', unit: '5-0808', category: 'electrical' })
    .triaged('2026-11-28T09:00', 'normal', 'electrical')
    .breached('response', '2026-11-28T09:30'),
  history('G')
    .reported('2026-11-15T10:00', 'S1-0007', { building: 'B3', unit: '3-1201', category: 'lift' })
    .triaged('2026-11-15T10:00', 'urgent', 'lift')
    .assigned('2026-11-15T10:01')
    .acknowledged('2026-11-15T10:10'),
];
