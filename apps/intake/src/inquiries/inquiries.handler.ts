import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  CommandOrigin,
  InquiryEvent,
  InquiryOrderReason,
  NotFoundError,
  parseInquiryEvent,
} from '@closeloop/contracts';
import { aggregateStream, EVENT_STORE, EventStore, handleCommand } from '@closeloop/event-store';
import {
  ChosenAnswer,
  InquiryCommand,
  inquiryDecider,
  InquiryQuestion,
  InquiryState,
  inquiryStream,
} from '@closeloop/inquiry-domain';
import { Clock } from '@closeloop/runtime';
import { INTAKE_CONFIG, IntakeConfig } from '../intake.config';
import { SubmitReportHandler, SubmittedReport } from '../submit-report/submit-report.handler';
import { KnowledgeBaseAnswer } from './knowledge-base';
import { KnowledgeBase } from './knowledge-base.service';

export type InquiryOutcome =
  | {
      readonly kind: 'answered';
      readonly inquiryId: string;
      readonly answer: KnowledgeBaseAnswer;
      readonly confidence: number;
    }
  | { readonly kind: 'ordered'; readonly inquiryId: string; readonly order: SubmittedReport };

/** What the order's report says: the resident's words, and which inquiry it came from and why (shown on its timeline). */
export const orderDescription = (inquiryId: string, text: string, reason: InquiryOrderReason): string =>
  `${text}\n\n` +
  (reason === 'not-helped'
    ? `（咨询 ${inquiryId}：自助答复未能解决 / inquiry ${inquiryId}: the self-service answer did not help）`
    : `（咨询 ${inquiryId}：知识库没有可靠答复 / inquiry ${inquiryId}: no confident self-service answer）`);

/**
 * Answers a resident's question from the site's knowledge base when the match is confident, and records it as a
 * deflected inquiry; otherwise, or when the resident says the answer did not help, opens a work order for it
 * through the report path, with the inquiry's id in its description, and records that on the inquiry.
 */
@Injectable()
export class InquiriesHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly clock: Clock,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
    private readonly knowledgeBase: KnowledgeBase,
    private readonly reports: SubmitReportHandler,
  ) {}

  async ask(question: InquiryQuestion, context: CommandOrigin): Promise<InquiryOutcome> {
    const inquiryId = randomUUID();
    const ranked = await this.knowledgeBase.best(question.siteId, question.text);
    const confident = ranked !== undefined && ranked.confidence >= this.config.INQUIRY_MIN_CONFIDENCE;
    const answer: ChosenAnswer | undefined = confident
      ? { answerId: ranked.answer.answerId, answerVersion: ranked.answer.version, confidence: ranked.confidence }
      : undefined;
    await this.run(inquiryId, context, () => ({
      type: 'ReceiveInquiry',
      inquiryId,
      question,
      ...(answer ? { answer } : {}),
      now: this.clock.now(),
    }));
    if (confident) return { kind: 'answered', inquiryId, answer: ranked.answer, confidence: ranked.confidence };
    return {
      kind: 'ordered',
      inquiryId,
      order: await this.turnIntoOrder(inquiryId, question, 'no-confident-answer', context),
    };
  }

  /**
   * The resident says the answer did not help: the inquiry becomes an order. Asked again, it answers the same order
   * (replayed); an inquiry that became an order for want of an answer answers that order too.
   */
  async notHelped(
    inquiryId: string,
    canSee: (siteId: string) => boolean,
    context: CommandOrigin,
  ): Promise<{ readonly order: SubmittedReport; readonly siteId: string }> {
    const { state } = await this.read(inquiryId);
    if (state.status === 'none' || !canSee(state.siteId)) throw new NotFoundError('Inquiry', inquiryId);
    // A received inquiry with no outcome is one whose request stopped half-way: finishing it opens its order.
    const reason: InquiryOrderReason =
      state.status === 'ordered' ? state.reason : state.status === 'answered' ? 'not-helped' : 'no-confident-answer';
    const order = await this.turnIntoOrder(inquiryId, state, reason, context);
    return { order, siteId: state.siteId };
  }

  private async turnIntoOrder(
    inquiryId: string,
    question: InquiryQuestion,
    reason: InquiryOrderReason,
    context: CommandOrigin,
  ): Promise<SubmittedReport> {
    // The inquiry is the order's retry key: asking again, or finishing after a crash, finds the same order.
    const order = await this.reports.handle({
      report: {
        siteId: question.siteId,
        ...(question.building === undefined ? {} : { building: question.building }),
        ...(question.unit === undefined ? {} : { unit: question.unit }),
        channel: question.channel,
        reporter: question.reporter,
        description: orderDescription(inquiryId, question.text, reason),
      },
      retryKey: { scope: 'inquiry', key: inquiryId },
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.causationId,
    });
    await this.run(inquiryId, context, () => ({
      type: 'TurnIntoOrder',
      workOrderId: order.workOrderId,
      number: order.number,
      reason,
      now: this.clock.now(),
    }));
    return order;
  }

  private read(inquiryId: string): Promise<{ state: InquiryState }> {
    return aggregateStream(this.store, inquiryStream(inquiryId), inquiryDecider, parseInquiryRecords(inquiryId));
  }

  /** Decide on the stream as it stands and append; decided again when another request appended first. */
  private async run(inquiryId: string, context: CommandOrigin, command: () => InquiryCommand): Promise<void> {
    const streamId = inquiryStream(inquiryId);
    await handleCommand(this.store, inquiryDecider, {
      streamId,
      command,
      // The inquiry's own key: its events go out on one partition, in order, with or without an order.
      metadata: { partitionKey: streamId, ...context, producer: 'intake' },
      parse: parseInquiryRecords(inquiryId),
    });
  }
}

const parseInquiryRecords =
  (inquiryId: string) =>
  (recorded: readonly { readonly type: string; readonly data: unknown }[]): InquiryEvent[] =>
    recorded.map((r) => {
      const parsed = parseInquiryEvent(r.type, r.data);
      if (!parsed.ok) throw new Error(`inquiry ${inquiryId} holds an event it cannot read: ${parsed.reason}`);
      return parsed.event;
    });
