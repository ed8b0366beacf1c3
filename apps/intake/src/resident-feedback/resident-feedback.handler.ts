import { Inject, Injectable } from '@nestjs/common';
import { Channel, CommandOrigin, IllegalTransitionError, ResidentContact } from '@closeloop/contracts';
import { Clock } from '@closeloop/runtime';
import { CommandOutcome, WorkOrderCommands } from '@closeloop/work-order-application';
import { WorkOrderCommand, WorkOrderState } from '@closeloop/work-order-domain';
import { ensureSiteVisible, Principal } from '@closeloop/http';
import { WORK_ORDER_COMMANDS } from '../intake.config';
import { requireStorableText } from '../submit-report/report-input';
import { WorkOrderLookup } from './work-order-lookup';

export type ResidentFeedback =
  | {
      readonly kind: 'follow-up';
      readonly channel: Channel;
      readonly note?: string | undefined;
      readonly caller?: ResidentContact | undefined;
    }
  | { readonly kind: 'confirmation'; readonly rating: number; readonly comment?: string | undefined }
  | { readonly kind: 'rejection'; readonly comment?: string | undefined }
  | { readonly kind: 'note'; readonly note?: string | undefined; readonly photoRefs: readonly string[] };

/** The resident's actions, as intake's routes name them, and the commands they issue. */
const RESIDENT_ACTIONS = {
  'follow-up': 'RecordFollowUp',
  confirmation: 'ConfirmResolution',
  rejection: 'RejectResolution',
  note: 'AddResidentNote',
} as const;

export interface FeedbackContext extends CommandOrigin {
  readonly reference: { workOrderId?: string | undefined; number?: string | undefined };
  readonly idempotencyKey?: string | undefined;
  /** Who relays it: only callers working for the order's site may, and to anyone else the order does not exist. */
  readonly caller: Principal;
}

/** What residents say after reporting: asking after the repair, confirming and rating it, or saying it is not fixed. */
@Injectable()
export class ResidentFeedbackHandler {
  constructor(
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    private readonly clock: Clock,
    private readonly lookup: WorkOrderLookup,
  ) {}

  async handle(feedback: ResidentFeedback, context: FeedbackContext): Promise<CommandOutcome> {
    requireStorableText(feedback, 'The request is not valid');
    const workOrderId = await this.lookup.resolve(context.reference);
    return this.execute(feedback, workOrderId, context, (state) => {
      if (state.status !== 'none') ensureSiteVisible(context.caller, state.siteId, 'Work order', workOrderId);
    });
  }

  /**
   * The resident acting by their status link (docs/adr/0026-resident-status-links.md): the link named the order, and
   * `authorize` refuses an order the link no longer opens, before anything is decided.
   */
  async handleByLink(
    feedback: ResidentFeedback,
    workOrderId: string,
    context: Omit<FeedbackContext, 'caller' | 'reference'>,
    authorize: (state: WorkOrderState) => void,
  ): Promise<CommandOutcome> {
    requireStorableText(feedback, 'The request is not valid');
    return this.execute(feedback, workOrderId, context, authorize);
  }

  private async execute(
    feedback: ResidentFeedback,
    workOrderId: string,
    context: Omit<FeedbackContext, 'caller' | 'reference'>,
    authorize: (state: WorkOrderState) => void,
  ): Promise<CommandOutcome> {
    try {
      return await this.commands.execute(workOrderId, () => this.toCommand(feedback), {
        authorize,
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.causationId,
        producer: 'intake',
        idempotencyKey: context.idempotencyKey,
        request: feedback,
      });
    } catch (error) {
      // Name what the resident may do now in the resident's terms, not the decider's.
      if (!(error instanceof IllegalTransitionError)) throw error;
      const details = error.details as { currentStatus: string; allowedCommands: readonly string[] };
      const allowed = Object.entries(RESIDENT_ACTIONS)
        .filter(([, command]) => details.allowedCommands.includes(command))
        .map(([action]) => action);
      throw new IllegalTransitionError(feedback.kind, details.currentStatus, allowed);
    }
  }

  private toCommand(feedback: ResidentFeedback): WorkOrderCommand {
    const now = this.clock.now();
    switch (feedback.kind) {
      case 'follow-up':
        return { type: 'RecordFollowUp', channel: feedback.channel, note: feedback.note, caller: feedback.caller, now };
      case 'confirmation':
        return { type: 'ConfirmResolution', rating: feedback.rating, comment: feedback.comment, now };
      case 'rejection':
        return { type: 'RejectResolution', comment: feedback.comment, now };
      case 'note':
        return { type: 'AddResidentNote', note: feedback.note, photoRefs: feedback.photoRefs, now };
      default: {
        const unhandled: never = feedback;
        throw new Error(`unhandled feedback ${JSON.stringify(unhandled)}`);
      }
    }
  }
}
