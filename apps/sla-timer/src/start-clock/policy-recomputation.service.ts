import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PG_POOL, CLOCK, Clock } from '@closeloop/runtime';
import { SlaPolicy } from '@closeloop/sla-domain';
import { Pool } from 'pg';
import { SLA_POLICY } from '../sla-timer.config';
import { SlaClockService } from './sla-clock.service';

const PAGE = 500;

/**
 * When sla-timer starts with a policy version newer than the one last applied (a holiday added late, a target
 * changed), every running clock's deadlines are recomputed from its history under the new version, each as an
 * event on the order's timeline. One instance does it (advisory lock); running it twice for a version changes
 * nothing, as the clocks remember the version they were computed under.
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
    this.recomputeIfNewer().catch((error: Error) => this.logger.error(`recomputing deadlines for policy version ${this.policy.version} failed: ${error.message}`));
  }

  /** Resolves when this instance has brought every clock up to the policy's version, or another instance is doing it. */
  async recomputeIfNewer(): Promise<number> {
    const session = await this.pool.connect();
    try {
      const { rows } = await session.query<{ leader: boolean }>("SELECT pg_try_advisory_lock(hashtextextended('sla-policy-recompute', 0)) AS leader");
      if (!rows[0]?.leader) return 0;
      const applied = await session.query<{ version: number }>('SELECT version FROM sla_policy_applied');
      const appliedVersion = applied.rows[0]?.version ?? 1;
      if (applied.rows[0] && appliedVersion >= this.policy.version) return 0;
      const cause = `policy:${this.policy.id}:v${this.policy.version}`;
      let changed = 0;
      for (let after = ''; ; ) {
        const page = await session.query<{ stream_id: string }>(
          "SELECT stream_id FROM es_streams WHERE stream_id LIKE 'sla-%' AND stream_id > $1 ORDER BY stream_id LIMIT $2",
          [after, PAGE],
        );
        for (const { stream_id } of page.rows) {
          const events = await this.clocks.apply({ type: 'RecomputeDeadlines', workOrderId: stream_id.slice('sla-'.length), now: this.clock.now() }, { correlationId: cause, causationId: cause });
          changed += events.length;
        }
        if (page.rows.length < PAGE) break;
        after = page.rows[page.rows.length - 1]?.stream_id as string;
      }
      await session.query(
        `INSERT INTO sla_policy_applied (policy_id, version) VALUES ($1, $2)
         ON CONFLICT (singleton) DO UPDATE SET policy_id = EXCLUDED.policy_id, version = EXCLUDED.version, applied_at = now()`,
        [this.policy.id, this.policy.version],
      );
      if (changed > 0) this.logger.log(`policy ${this.policy.id} v${this.policy.version}: deadlines recomputed on ${changed} open orders`);
      return changed;
    } finally {
      await session.query("SELECT pg_advisory_unlock(hashtextextended('sla-policy-recompute', 0))").catch(() => undefined);
      session.release();
    }
  }
}
