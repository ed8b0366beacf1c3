import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  CommandOrigin,
  EventMetadata,
  EventTypes,
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  ReportDetails,
  Tier,
} from '@closeloop/contracts';
import { EVENT_STORE, EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { Clock, METRICS, ServiceMetrics } from '@closeloop/runtime';
import {
  applyPriorityLane,
  PriorityLaneSettings,
  triage,
  TriageDecision,
  TriageRule,
  workOrderDecider,
  workOrderStream,
} from '@closeloop/work-order-domain';
import { requestFingerprint, WorkOrderCommands } from '@closeloop/work-order-application';
import { ResidentKeys } from '@closeloop/auth';
import { PRIORITY_LANE, RESIDENT_KEYS, TRIAGE_RULES, WORK_ORDER_COMMANDS } from '../intake.config';
import { PriorityResidentsRepository } from '../priority-registry/priority-residents.repository';
import { ResidentLinks } from '../resident-link/resident-links';
import { SiteCalendar } from '../site-calendar';
import { DuplicateFinder } from './duplicate-finder';
import { GroupedAppends } from './grouped-appends';
import { workOrderIdForKey } from './idempotency';
import { IntakeReportsRepository, ReportToOpen } from './intake-reports.repository';
import { NumberBlocks } from './number-blocks';
import { JoinedOrder, ReportKeyDecisionsRepository } from './report-key-decisions.repository';

export interface SubmitReport extends CommandOrigin {
  readonly report: ReportDetails;
  /** A retry key and the namespace it is unique in (an HTTP Idempotency-Key, or a CloudEvent's source and id). */
  readonly retryKey?: { readonly scope: string; readonly key: string };
}

export interface SubmittedReport {
  readonly workOrderId: string;
  readonly number: string;
  readonly tier: Tier;
  /** True when this was a retry of a report already taken. */
  readonly replayed: boolean;
  /** Set when the report repeated an open order's problem and joined that order. */
  readonly linkedAsDuplicate?: { readonly similarity: number; readonly reason: string };
  /** The order's status link for the resident (docs/adr/0026-resident-status-links.md): the joined order's, for a duplicate. */
  readonly residentLink: string;
}

type Decided = Omit<SubmittedReport, 'residentLink'>;

@Injectable()
export class SubmitReportHandler {
  /** The reports' appends, committed together when they come together (docs/adr/0043-pipeline-throughput.md). */
  private readonly appends: GroupedAppends;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
    @Inject(TRIAGE_RULES) private readonly rules: readonly TriageRule[],
    private readonly calendar: SiteCalendar,
    private readonly numbers: NumberBlocks,
    private readonly reports: IntakeReportsRepository,
    private readonly duplicates: DuplicateFinder,
    private readonly keyDecisions: ReportKeyDecisionsRepository,
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    private readonly links: ResidentLinks,
    @Inject(PRIORITY_LANE) private readonly lane: PriorityLaneSettings,
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
    private readonly priorityResidents: PriorityResidentsRepository,
    @Optional() @Inject(METRICS) private readonly metrics?: ServiceMetrics,
  ) {
    this.appends = new GroupedAppends(store);
  }

  async handle(command: SubmitReport): Promise<SubmittedReport> {
    const decided = await this.decide(command);
    return { ...decided, residentLink: this.links.linkOf(decided.workOrderId) };
  }

  private async decide(command: SubmitReport): Promise<Decided> {
    const fingerprint = requestFingerprint(command.report);
    const now = this.clock.now();
    const triageDecision = await this.triage(command.report);
    return this.duplicates.oneReportAtATime(command.report, async () => {
      if (command.retryKey) return this.handleKeyed(command, command.retryKey, fingerprint, triageDecision, now);
      const duplicate = await this.duplicates.find(command.report, triageDecision.category, now);
      const joined = duplicate && (await this.joinOpenOrder(command, duplicate, now));
      return joined ?? this.openOrder(command, randomUUID(), fingerprint, triageDecision, now);
    });
  }

  /**
   * The tier the rules give, one step up when the reporter is in the site's priority registry (matched by their
   * phone's keyed digest, or by the unit) and the category is safety-related (ADR 28).
   */
  private async triage(report: ReportDetails): Promise<TriageDecision> {
    const ruled = triage(this.rules, { category: report.category, description: report.description });
    if (!this.lane.categories.includes(ruled.category)) return ruled;
    const match = await this.priorityResidents.match(report.siteId, {
      phoneDigest: report.reporter.phone === undefined ? undefined : this.keys.phoneDigest(report.reporter.phone),
      building: report.building,
      unit: report.unit,
    });
    return applyPriorityLane(
      this.lane,
      ruled,
      match && { registrationId: match.registrationId, need: match.need, matchedBy: match.matchedBy },
    );
  }

  /**
   * A report with a retry key: the first request records its decision (join this open order, or open the key's
   * own) before it writes anything else, and every request with the key carries out the decision recorded, so a
   * retry answers the same order even after the joined one was resolved or a closer match opened, and a retry
   * after a crash finishes what the first request began. The decision and, for the key's own order, the order's
   * row are written by one statement (docs/adr/0038); a retry of a key whose order exists learns so from the
   * append's conflict and answers as a replay.
   */
  private async handleKeyed(
    command: SubmitReport,
    retryKey: { readonly scope: string; readonly key: string },
    fingerprint: string,
    triageDecision: TriageDecision,
    now: Date,
  ): Promise<Decided> {
    const workOrderId = workOrderIdForKey(retryKey.scope, retryKey.key);
    const joined = await this.duplicates.find(command.report, triageDecision.category, now);
    const localDate = this.calendar.dateAt(now);
    // Only a number in hand goes with the decision: a retry, which needs none, must take no block.
    const inHand = joined ? undefined : this.numbers.inHand(command.report.siteId, localDate);
    const { decision, reservedNumber } = await this.keyDecisions.record(
      workOrderId,
      { requestFingerprint: fingerprint, joined },
      inHand && { ...this.reportToOpen(command, workOrderId, now), number: inHand.number },
    );
    if (inHand && reservedNumber !== inHand.number) this.numbers.giveBack(command.report.siteId, localDate, inHand);
    if (decision.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(retryKey.key);
    if (decision.joined) {
      const joinedOrder = await this.joinOpenOrder(command, decision.joined, now);
      if (joinedOrder) return joinedOrder;
      await this.keyDecisions.abandonJoin(workOrderId, decision.joined);
    }
    return this.openOrder(command, workOrderId, fingerprint, triageDecision, now, reservedNumber);
  }

  /** Appends the order's report; `reservedNumber` when its row is reserved already, else it is reserved here. */
  private async openOrder(
    command: SubmitReport,
    workOrderId: string,
    fingerprint: string,
    triageDecision: TriageDecision,
    now: Date,
    reservedNumber?: string,
  ): Promise<Decided> {
    const stream = workOrderStream(workOrderId);
    const number =
      reservedNumber ??
      (await this.reports.reserve(this.reportToOpen(command, workOrderId, now), await this.nextNumber(command, now)));
    const events = workOrderDecider.decide(
      { type: 'ReportWorkOrder', workOrderId, number, report: command.report, triage: triageDecision, now },
      workOrderDecider.initialState(),
    );
    const metadata: EventMetadata & { requestFingerprint: string } = {
      workOrderId,
      correlationId: command.correlationId,
      causationId: command.causationId,
      actor: command.actor,
      producer: 'intake',
      requestFingerprint: fingerprint,
    };
    try {
      await this.appends.append(
        stream,
        events.map((event) => ({ eventId: randomUUID(), type: event.type, data: event.data, metadata })),
        'no-stream',
      );
    } catch (error) {
      // A concurrent retry with the same key won the race: answer with its order, as a replay.
      if (error instanceof StreamVersionConflictError && command.retryKey) {
        return this.replay(await this.store.readStream(stream), fingerprint, command.retryKey.key);
      }
      throw error;
    }
    this.metrics
      ?.counter('closeloop_work_orders_received_total')
      .inc({ tier: triageDecision.tier, channel: command.report.channel });
    return { workOrderId, number, tier: triageDecision.tier, replayed: false };
  }

  private reportToOpen(command: SubmitReport, workOrderId: string, now: Date): ReportToOpen {
    return {
      workOrderId,
      siteId: command.report.siteId,
      building: command.report.building,
      reportedAt: now,
      linkDigest: this.links.digestOf(workOrderId),
    };
  }

  private nextNumber(command: SubmitReport, now: Date): Promise<string> {
    return this.numbers.next(command.report.siteId, this.calendar.dateAt(now));
  }

  /**
   * A second report of the same problem joins the open order; both reporters are its notified parties. Undefined
   * when the order moved on meanwhile (resolved, closed, cancelled): the report then becomes an order of its own.
   */
  private async joinOpenOrder(command: SubmitReport, joined: JoinedOrder, now: Date): Promise<Decided | undefined> {
    try {
      const outcome = await this.commands.execute(
        joined.workOrderId,
        () => ({
          type: 'LinkDuplicateReport',
          report: command.report,
          similarity: joined.similarity,
          reason: joined.reason,
          now,
        }),
        {
          actor: command.actor,
          correlationId: command.correlationId,
          causationId: command.causationId,
          producer: 'intake',
          // Makes the link itself idempotent: a request that finds it written (by an earlier attempt) answers as a replay.
          idempotencyKey: command.retryKey ? `report:${command.retryKey.scope}:${command.retryKey.key}` : undefined,
        },
      );
      if (outcome.state.status === 'none') throw new Error(`work order ${joined.workOrderId} has no history`);
      return {
        workOrderId: joined.workOrderId,
        number: outcome.state.number,
        tier: outcome.state.tier ?? 'normal',
        replayed: outcome.replayed,
        linkedAsDuplicate: { similarity: joined.similarity, reason: joined.reason },
      };
    } catch (error) {
      if (error instanceof IllegalTransitionError) return undefined;
      throw error;
    }
  }

  private replay(events: readonly RecordedEvent[], fingerprint: string, key: string): Decided {
    const reported = events.find((e) => e.type === EventTypes.WorkOrderReported);
    const triaged = events.find((e) => e.type === EventTypes.WorkOrderTriaged);
    if (!reported || !triaged) throw new Error(`work order stream ${events[0]?.streamId} lacks its report or triage`);
    if (reported.metadata['requestFingerprint'] !== fingerprint) throw new IdempotencyKeyReusedError(key);
    const data = reported.data as { workOrderId: string; number: string };
    return {
      workOrderId: data.workOrderId,
      number: data.number,
      tier: (triaged.data as { tier: Tier }).tier,
      replayed: true,
    };
  }
}
