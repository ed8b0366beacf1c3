import { DomainEvent, EventTypes, StaffMemberRef } from '@closeloop/contracts';

// The order the order-facts specs follow: a burst pipe at S1 on the morning of 4 December 2026, owned by Li Na.

/** Minutes after 01:00 UTC (09:00 in Shanghai) on 4 December 2026, as an ISO timestamp. */
export const at = (minute: number): string => new Date(Date.UTC(2026, 11, 4, 1, minute)).toISOString();

export const liNa: StaffMemberRef = { staffId: 'tech-7', name: 'Li Na' };

/** The order's report, phoned in by Ms Lin at minute 0. */
export const burstPipeReported = (workOrderId: string): DomainEvent => ({
  type: EventTypes.WorkOrderReported,
  data: {
    workOrderId,
    number: 'S1-20261204-0001',
    siteId: 'S1',
    building: 'B2',
    unit: '0101',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    description: 'Burst pipe',
    reportedAt: at(0),
  },
});

/** Its SLA clocks started at triage: response due at minute 15, resolution at minute 240. */
export const burstPipeTargetsSet = (workOrderId: string): DomainEvent =>
  ({
    type: EventTypes.SlaTargetsSet,
    data: {
      workOrderId,
      siteId: 'S1',
      tier: 'urgent',
      category: 'plumbing',
      policyId: 'p1',
      policyVersion: 1,
      startedAt: at(0),
      responseDueAt: at(15),
      resolutionDueAt: at(240),
    },
  }) as DomainEvent;
