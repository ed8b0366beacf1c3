import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WakeableLoop } from '@closeloop/database';
import {
  AuditAnchors,
  EVENT_STORE,
  EventStore,
  lastAnchorableDay,
  PostgresEventAudit,
  PostgresEventStore,
} from '@closeloop/event-store';
import { Clock, PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { DISPATCH_CONFIG, DispatchConfig } from '../dispatch.config';

/**
 * Records the daily anchor (docs/adr/0033-tamper-evident-event-chain.md) once each UTC day has ended: every instance
 * polls, the one holding the anchor lock writes, and the anchor stream's "no stream yet" expectation makes a second
 * write of the same day a no-op. dispatch owns the `audit-anchor` streams (tools/ownership.ts). PostgreSQL store only:
 * the heads of every stream at an instant are read with SQL.
 */
@Injectable()
export class AuditAnchorWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('audit-anchor');
  private readonly loop = new WakeableLoop(() => this.run());
  private readonly anchors: AuditAnchors;
  private readonly audit: PostgresEventAudit;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    private readonly clock: Clock,
    @Inject(DISPATCH_CONFIG) private readonly config: DispatchConfig,
  ) {
    this.audit = new PostgresEventAudit(pool);
    this.anchors = new AuditAnchors(store, this.audit, 'dispatch');
  }

  onApplicationBootstrap(): void {
    if (this.config.AUDIT_ANCHOR_INTERVAL_SECONDS > 0 && this.store instanceof PostgresEventStore) this.loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.loop.stop();
  }

  /** Anchors the last day that has ended, unless it is anchored already or another process is at it. */
  async anchorOnce(): Promise<void> {
    const now = this.clock.now();
    const outcome = await this.audit.tryWithAnchorLock(() => this.anchors.record(lastAnchorableDay(now), now));
    if (outcome?.outcome === 'recorded')
      this.logger.log(`anchored ${outcome.day}: root ${outcome.root} over ${outcome.streams} stream(s)`);
  }

  private async run(): Promise<void> {
    while (this.loop.running) {
      try {
        await this.anchorOnce();
      } catch (error) {
        this.logger.warn(`anchor not recorded this round: ${(error as Error).message}`);
      }
      await this.loop.sleep(this.config.AUDIT_ANCHOR_INTERVAL_SECONDS * 1000);
    }
  }
}
