import { SlaEvent, Tier } from '@closeloop/contracts';
import { SlaClockService } from './sla-clock.service';

/**
 * Starts a new order's SLA clocks at site S1 as its triage does, caused by `causationId` (the triage event's id, which
 * the clocks record once); returns what the clocks recorded.
 */
export const startClocksAtS1 = (
  clocks: SlaClockService,
  workOrderId: string,
  tier: Tier,
  reportedAt: Date,
  causationId: string,
): Promise<SlaEvent[]> =>
  clocks.apply(
    { type: 'StartSlaClock', workOrderId, siteId: 'S1', tier, reportedAt },
    { correlationId: 'c', causationId },
  );
