import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EventTypes, ReportDetails } from '@closeloop/contracts';
import { SessionLocks } from '@closeloop/database';
import { aggregateStream, EVENT_STORE, EventStore } from '@closeloop/event-store';
import {
  DuplicateVerdict,
  findDuplicate,
  OpenOrderCandidate,
  workOrderDecider,
  workOrderStream,
} from '@closeloop/work-order-domain';
import { INTAKE_CONFIG, IntakeConfig } from '../intake.config';
import { IntakeReportsRepository } from './intake-reports.repository';

const MAX_CANDIDATES = 50;
// The two-key advisory lock space of reports at one place, apart from the alerts' (7301) and the relay's locks.
const PLACE_LOCK_SPACE = 7_302;
/** Places whose reports are decided at the same time in one instance; reports elsewhere wait for a connection. */
const PLACE_LOCK_CONNECTIONS = 8;
const LINKABLE = new Set(['triaged', 'awaiting-dispatch', 'assigned', 'acknowledged', 'in-progress', 'on-hold']);

/** Finds the open order a new report repeats, by the configured duplicate rule. */
@Injectable()
export class DuplicateFinder implements OnApplicationShutdown {
  private readonly placeLocks: SessionLocks;

  constructor(
    private readonly reports: IntakeReportsRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
  ) {
    this.placeLocks = new SessionLocks(config.DATABASE_URL, 'closeloop-intake-place-locks', PLACE_LOCK_CONNECTIONS);
  }

  onApplicationShutdown(): Promise<void> {
    return this.placeLocks.end();
  }

  /**
   * Decides reports that could repeat each other (same site and building) one after the other, across every
   * instance: two neighbours calling about one leak at the same moment then make one order and one link, where
   * each would otherwise find no open order yet and open its own. Reports that can never link run at once.
   */
  oneReportAtATime<T>(report: ReportDetails, work: () => Promise<T>): Promise<T> {
    if (!this.mayLink(report)) return work();
    return this.placeLocks.withLock(PLACE_LOCK_SPACE, `${report.siteId}/${report.building}`, work);
  }

  private mayLink(report: ReportDetails): report is ReportDetails & { building: string } {
    return report.building !== undefined && report.building !== '' && this.config.DUPLICATE_MIN_SIMILARITY < 1;
  }

  async find(report: ReportDetails, category: string, now: Date): Promise<DuplicateVerdict | undefined> {
    if (!this.mayLink(report)) return undefined;
    const since = new Date(now.getTime() - this.config.DUPLICATE_WINDOW_SECONDS * 1000);
    const recent = await this.reports.atPlace(report.siteId, report.building, since, MAX_CANDIDATES);
    const candidates: OpenOrderCandidate[] = [];
    for (const workOrderId of recent) {
      const { state, events } = await aggregateStream(this.store, workOrderStream(workOrderId), workOrderDecider);
      const reported = events[0];
      if (state.status === 'none' || !LINKABLE.has(state.status) || reported?.type !== EventTypes.WorkOrderReported)
        continue;
      candidates.push({
        workOrderId,
        number: state.number,
        siteId: state.siteId,
        building: state.building,
        unit: reported.data.unit,
        category: state.category ?? 'general',
        description: reported.data.description,
        reportedAt: new Date(reported.data.reportedAt),
      });
    }
    return findDuplicate(
      { windowSeconds: this.config.DUPLICATE_WINDOW_SECONDS, minSimilarity: this.config.DUPLICATE_MIN_SIMILARITY },
      {
        siteId: report.siteId,
        building: report.building,
        unit: report.unit,
        category,
        description: report.description,
        reportedAt: now,
      },
      candidates,
    );
  }
}
