import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PG_POOL, CLOCK, Clock } from '@closeloop/runtime';
import { SlaPolicy } from '@closeloop/sla-domain';
import { Pool } from 'pg';
import { SLA_POLICY } from '../sla-timer.config';
import { calendarsMissingHolidays, holidayData } from './site-calendars';
import { SlaClockService } from './sla-clock.service';

const PAGE = 500;

interface Applied {
  readonly version: number;
  readonly holiday_data: string;
}

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
export const isNewerThanApplied = (policyVersion: number, holidays: string, applied: Applied | undefined): boolean =>
  applied === undefined || policyVersion > applied.version || (policyVersion === applied.version && isNewerHolidayData(holidays, applied.holiday_data));

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
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SLA_POLICY) private readonly policy: SlaPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly clocks: SlaClockService,
  ) {}

  onApplicationBootstrap(): void {
    // Nest runs bootstrap hooks again when the hybrid app's microservice starts.
    if (this.started) return;
    this.started = true;
    for (const warning of calendarsMissingHolidays(this.policy, this.clock.now())) this.logger.warn(warning);
    this.recomputeIfNewer().catch((error: Error) => this.logger.error(`recomputing deadlines for policy version ${this.policy.version} failed: ${error.message}`));
  }

  /**
   * Resolves with the number of orders whose deadlines moved, once this instance has brought every clock up to its
   * policy version and holiday data, or at once with 0 when another instance is doing it or nothing is newer.
   */
  async recomputeIfNewer(): Promise<number> {
    const session = await this.pool.connect();
    try {
      const { rows } = await session.query<{ leader: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('sla-policy-recompute', 0)) AS leader");
      if (!rows[0]?.leader) return 0;
      const applied = await session.query<Applied>('SELECT version, holiday_data FROM sla_timer_policy_applied');
      if (!isNewerThanApplied(this.policy.version, holidayData.source, applied.rows[0])) return 0;
      const cause = `policy:${this.policy.id}:v${this.policy.version}+${holidayData.source}`;
      let changed = 0;
      for (let after = ''; ; ) {
        const page = await session.query<{ stream_id: string }>(
          "SELECT stream_id FROM es_streams WHERE stream_id LIKE 'sla-%' AND stream_id > $1 ORDER BY stream_id LIMIT $2",
          [after, PAGE],
        );
        for (const { stream_id } of page.rows) {
          const events = await this.clocks.apply({ type: 'RecomputeDeadlines', workOrderId: stream_id.slice('sla-'.length), now: this.clock.now() }, { correlationId: cause, causationId: cause });
          if (events.length > 0) changed++;
        }
        if (page.rows.length < PAGE) break;
        after = page.rows[page.rows.length - 1]?.stream_id as string;
      }
      await session.query(
        `INSERT INTO sla_timer_policy_applied (policy_id, version, holiday_data) VALUES ($1, $2, $3)
         ON CONFLICT (singleton) DO UPDATE SET policy_id = EXCLUDED.policy_id, version = EXCLUDED.version, holiday_data = EXCLUDED.holiday_data, applied_at = now()`,
        [this.policy.id, this.policy.version, holidayData.source],
      );
      if (changed > 0) this.logger.log(`policy ${this.policy.id} v${this.policy.version} with ${holidayData.source}: deadlines recomputed on ${changed} open orders`);
      return changed;
    } finally {
      await session.query("SELECT pg_advisory_unlock(hashtextextended('sla-policy-recompute', 0))").catch(() => undefined);
      session.release();
    }
  }
}
