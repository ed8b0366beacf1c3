import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, EventMetadata, EventTypes, IdempotencyKeyReusedError, ReportDetails, Tier } from '@closeloop/contracts';
import { EVENT_STORE, EventStore, RecordedEvent, StreamVersionConflictError } from '@closeloop/event-store';
import { CLOCK, Clock } from '@closeloop/runtime';
import { decide, initialState, localDateIn, triage, TriageRule, workOrderStream } from '@closeloop/work-order-domain';
import { INTAKE_CONFIG, IntakeConfig, TRIAGE_RULES } from '../intake.config';
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
}

@Injectable()
export class SubmitReportHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TRIAGE_RULES) private readonly rules: readonly TriageRule[],
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    private readonly numbers: NumberAllocator,
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
    const number = await this.numbers.next(command.report.siteId, localDateIn(now, this.config.SITE_TIME_ZONE));
    const triageDecision = triage(this.rules, { category: command.report.category, description: command.report.description });
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

  private replay(events: readonly RecordedEvent[], fingerprint: string, key: string): SubmittedReport {
    const reported = events.find((e) => e.type === EventTypes.WorkOrderReported);
    const triaged = events.find((e) => e.type === EventTypes.WorkOrderTriaged);
    if (!reported || !triaged) throw new Error(`work order stream ${events[0]?.streamId} lacks its report or triage`);
    if (reported.metadata['requestFingerprint'] !== fingerprint) throw new IdempotencyKeyReusedError(key);
    const data = reported.data as { workOrderId: string; number: string };
    return { workOrderId: data.workOrderId, number: data.number, tier: (triaged.data as { tier: Tier }).tier, replayed: true };
  }
}
