import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@closeloop/runtime';
import { SlaPolicy } from '@closeloop/sla-domain';
import { SLA_POLICY } from '../sla-timer.config';
import { AppliedPolicy, AppliedPolicyRepository } from './applied-policy.repository';
import { calendarsMissingHolidays, holidayData } from './site-calendars';
import { SlaClockService } from './sla-clock.service';

const PAGE = 500;

/** `name@1.5.10` is newer than `name@1.5.7`; data from another package counts as newer too. */
const isNewerHolidayData = (current: string, applied: string): boolean => {
  const [currentName, currentVersion = ''] = current.split('@');
  const [appliedName, appliedVersion = ''] = applied.split('@');
  if (currentName !== appliedName) return true;
  const a = currentVersion.split('.').map(Number);
  const b = appliedVersion.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
};

/**
 * A newer policy version, or the same version with newer holiday data, is a calendar the open clocks were not
 * computed under. An instance with older data than the last one applied (a rolling deploy) leaves the clocks alone.
 */
export const isNewerThanApplied = (
  policyVersion: number,
  holidays: string,
  applied: AppliedPolicy | undefined,
): boolean =>
  applied === undefined ||
  policyVersion > applied.version ||
  (policyVersion === applied.version && isNewerHolidayData(holidays, applied.holiday_data));

/**
 * When sla-timer starts with a policy version newer than the one last applied (a holiday added late, a target
 * changed), or with newer holiday data (an upgraded chinese-days with a new year's holidays), every running
 * clock's deadlines are recomputed from its history under the new calendar, as an event on the timeline of each
 * order whose deadlines moved. One instance does it (advisory lock); running it twice changes nothing, as a
 * recomputation records only what moved. At start-up it also warns of calendars about to run out of holiday data.
 */
@Injectable()
export class PolicyRecomputationService implements OnApplicationBootstrap {
  private readonly logger = new Logger('sla-policy');
  private started = false;

  constructor(
    private readonly appliedPolicy: AppliedPolicyRepository,
    @Inject(SLA_POLICY) private readonly policy: SlaPolicy,
    private readonly clock: Clock,
    private readonly clocks: SlaClockService,
  ) {}

  onApplicationBootstrap(): void {
    // Nest runs bootstrap hooks again when the hybrid app's microservice starts.
    if (this.started) return;
    this.started = true;
    for (const warning of calendarsMissingHolidays(this.policy, this.clock.now())) this.logger.warn(warning);
    this.recomputeIfNewer().catch((error: Error) =>
      this.logger.error(`recomputing deadlines for policy version ${this.policy.version} failed: ${error.message}`),
    );
  }

  /**
   * Resolves with the number of orders whose deadlines moved, once this instance has brought every clock up to its
   * policy version and holiday data, or at once with 0 when another instance is doing it or nothing is newer.
   */
  async recomputeIfNewer(): Promise<number> {
    const changed = await this.appliedPolicy.whileRecomputing(async () => {
      if (!isNewerThanApplied(this.policy.version, holidayData.source, await this.appliedPolicy.applied())) return 0;
      const cause = `policy:${this.policy.id}:v${this.policy.version}+${holidayData.source}`;
      let moved = 0;
      for (let after: string | undefined; ;) {
        const page = await this.appliedPolicy.clockedOrdersAfter(after, PAGE);
        for (const workOrderId of page) {
          const events = await this.clocks.apply(
            { type: 'RecomputeDeadlines', workOrderId, now: this.clock.now() },
            { correlationId: cause, causationId: cause },
          );
          if (events.length > 0) moved++;
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1];
      }
      await this.appliedPolicy.recordApplied(this.policy.id, this.policy.version, holidayData.source);
      if (moved > 0)
        this.logger.log(
          `policy ${this.policy.id} v${this.policy.version} with ${holidayData.source}: deadlines recomputed on ${moved} open orders`,
        );
      return moved;
    });
    return changed ?? 0;
  }
}
