import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, EventMetadata, EventTypes, IdempotencyKeyReusedError, IllegalTransitionError, ReportDetails, Tier } from '@closeloop/contracts';
import { EVENT_STORE, EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { CLOCK, Clock } from '@closeloop/runtime';
import { decide, initialState, localDateIn, triage, TriageRule, workOrderStream } from '@closeloop/work-order-domain';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { INTAKE_CONFIG, IntakeConfig, TRIAGE_RULES, WORK_ORDER_COMMANDS } from '../intake.config';
import { DuplicateFinder } from './duplicate-finder';
import { requestFingerprint, workOrderIdForKey } from './idempotency';
import { NumberAllocator } from './number-allocator';

export interface SubmitReport {
  readonly report: ReportDetails;
  /** A retry key and the namespace it is unique in (an HTTP Idempotency-Key, or a CloudEvent's source and id). */
  readonly retryKey?: { readonly scope: string; readonly key: string };
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
}

export interface SubmittedReport {
  readonly workOrderId: string;
  readonly number: string;
  readonly tier: Tier;
  /** True when this was a retry of a report already taken. */
  readonly replayed: boolean;
  /** Set when the report repeated an open order's problem and joined that order. */
  readonly linkedAsDuplicate?: { readonly similarity: number; readonly reason: string };
}

@Injectable()
export class SubmitReportHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TRIAGE_RULES) private readonly rules: readonly TriageRule[],
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    private readonly numbers: NumberAllocator,
    private readonly duplicates: DuplicateFinder,
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
  ) {}

  async handle(command: SubmitReport): Promise<SubmittedReport> {
    const fingerprint = requestFingerprint(command.report);
    const workOrderId = command.retryKey ? workOrderIdForKey(command.retryKey.scope, command.retryKey.key) : randomUUID();
    const stream = workOrderStream(workOrderId);
    if (command.retryKey) {
      const existing = await this.store.readStream(stream);
      if (existing.length > 0) return this.replay(existing, fingerprint, command.retryKey.key);
    }

    const now = this.clock.now();
    const triageDecision = triage(this.rules, { category: command.report.category, description: command.report.description });
    const linked = await this.linkToOpenOrder(command, triageDecision.category, now);
    if (linked) return linked;

    const number = await this.numbers.next(command.report.siteId, localDateIn(now, this.config.SITE_TIME_ZONE));
    const events = decide({ type: 'ReportWorkOrder', workOrderId, number, report: command.report, triage: triageDecision, now }, initialState());
    const metadata: EventMetadata & { requestFingerprint: string } = {
      workOrderId,
      correlationId: command.correlationId,
      causationId: command.causationId,
      actor: command.actor,
      producer: 'intake',
      requestFingerprint: fingerprint,
    };
    try {
      await this.store.append(stream, events.map((event) => ({ eventId: randomUUID(), type: event.type, data: event.data, metadata })), 'no-stream');
    } catch (error) {
      // A concurrent retry with the same key won the race: answer with its order, as a replay.
      if (error instanceof StreamVersionConflictError && command.retryKey) {
        return this.replay(await this.store.readStream(stream), fingerprint, command.retryKey.key);
      }
      throw error;
    }
    return { workOrderId, number, tier: triageDecision.tier, replayed: false };
  }

  /** A second report of the same problem joins the open order; both reporters are its notified parties. */
  private async linkToOpenOrder(command: SubmitReport, category: string, now: Date): Promise<SubmittedReport | undefined> {
    const duplicate = await this.duplicates.find(command.report, category, now);
    if (!duplicate) return undefined;
    try {
      const outcome = await this.commands.execute(
        duplicate.workOrderId,
        () => ({ type: 'LinkDuplicateReport', report: command.report, similarity: duplicate.similarity, reason: duplicate.reason, now }),
        {
          actor: command.actor,
          correlationId: command.correlationId,
          causationId: command.causationId,
          producer: 'intake',
          idempotencyKey: command.retryKey ? `report:${command.retryKey.scope}:${command.retryKey.key}` : undefined,
        },
      );
      const tier = outcome.state.status === 'none' ? undefined : outcome.state.tier;
      return { workOrderId: duplicate.workOrderId, number: duplicate.number, tier: tier ?? 'normal', replayed: outcome.replayed, linkedAsDuplicate: { similarity: duplicate.similarity, reason: duplicate.reason } };
    } catch (error) {
      // The order moved on meanwhile (resolved, closed, cancelled): the report becomes an order of its own.
      if (error instanceof IllegalTransitionError) return undefined;
      throw error;
    }
  }

  private replay(events: readonly RecordedEvent[], fingerprint: string, key: string): SubmittedReport {
    const reported = events.find((e) => e.type === EventTypes.WorkOrderReported);
    const triaged = events.find((e) => e.type === EventTypes.WorkOrderTriaged);
    if (!reported || !triaged) throw new Error(`work order stream ${events[0]?.streamId} lacks its report or triage`);
    if (reported.metadata['requestFingerprint'] !== fingerprint) throw new IdempotencyKeyReusedError(key);
    const data = reported.data as { workOrderId: string; number: string };
    return { workOrderId: data.workOrderId, number: data.number, tier: (triaged.data as { tier: Tier }).tier, replayed: true };
  }
}
