import { DomainEvent, EventTypes, ReportDetails } from '@closeloop/contracts';
import { reportedByMsLin } from './ms-lin-reports';

// ── Ms Lin's ceiling leak ────────────────────────────────────────────────────────────────────────────────
// The order the intake and query specs follow: water through the bathroom ceiling of flat 0802, building B7, site
// S1, reported by phone at 09:00 Beijing time (01:00Z) on Monday 23 November 2026. Its SLA clock runs the normal
// tier on the default policy, response due 09:30 and resolution 13:00; reopened, the resolution restarts the next
// morning. Each event builder takes the order's id, so a spec can project as many copies as it needs.

export const ceilingLeak: ReportDetails = reportedByMsLin({
  building: 'B7',
  unit: '0802',
  description: 'Water leaking from the bathroom ceiling',
});

/** The report recorded at 09:00 under its order number, with any particulars of this copy on top. */
export const ceilingLeakReported = (
  workOrderId: string,
  number: string,
  particulars: Partial<ReportDetails> = {},
): DomainEvent => ({
  type: EventTypes.WorkOrderReported,
  data: { workOrderId, number, ...ceilingLeak, ...particulars, reportedAt: '2026-11-23T01:00:00.000Z' },
});

/** The SLA clock started at the report: respond by 09:30, resolve by 13:00. */
export const ceilingLeakSlaTargetsSet = (workOrderId: string): DomainEvent => ({
  type: EventTypes.SlaTargetsSet,
  data: {
    workOrderId,
    tier: 'normal',
    policyId: 'default',
    startedAt: '2026-11-23T01:00:00.000Z',
    responseDueAt: '2026-11-23T01:30:00.000Z',
    resolutionDueAt: '2026-11-23T05:00:00.000Z',
  },
});

/** Reopened the next morning at 09:00: the resolution clock's round 1, due 13:00 that day. */
export const ceilingLeakSlaRestarted = (workOrderId: string): DomainEvent => ({
  type: EventTypes.SlaClockRestarted,
  data: {
    workOrderId,
    round: 1,
    restartedAt: '2026-11-24T01:00:00.000Z',
    resolutionDueAt: '2026-11-24T05:00:00.000Z',
  },
});

/** Wang Wei of S1's plumbers, who takes the leak from the roster five seconds after the report. */
export const ceilingLeakPlumber = { staffId: 's1-wang-wei', name: 'Wang Wei' };

/** The roster gives the leak to Wang Wei at 09:00:05. */
export const ceilingLeakAssigned = (workOrderId: string): DomainEvent => ({
  type: EventTypes.WorkOrderAssigned,
  data: {
    workOrderId,
    owner: ceilingLeakPlumber,
    teamId: 's1-plumbing',
    ruleId: 'roster',
    reason: 'plumbers',
    assignedAt: '2026-11-23T01:00:05.000Z',
  },
});
