import {
  Channel,
  Decider,
  IllegalTransitionError,
  InquiryEvent,
  InquiryEventTypes,
  InquiryOrderReason,
  ResidentContact,
  unknownInquiryEvent,
} from '@closeloop/contracts';

/** The stream of one inquiry (a resident's question, 咨询), appended by intake alone. */
export const inquiryStream = (inquiryId: string): string => `inquiry-${inquiryId}`;

/** What the resident asked, as intake took it. */
export interface InquiryQuestion {
  readonly siteId: string;
  readonly text: string;
  readonly channel: Channel;
  readonly reporter: ResidentContact;
  readonly building?: string;
  readonly unit?: string;
}

/** The knowledge base's answer the ranking found confident, with the answer's version. */
export interface ChosenAnswer {
  readonly answerId: string;
  readonly answerVersion: number;
  readonly confidence: number;
}

// ── State ────────────────────────────────────────────────────────────────────────────────────────────────
// received: asked, not yet answered nor an order (only for a moment, or after a crash between the two appends);
// answered: deflected — the knowledge base answered and nobody has said it did not help;
// ordered: it became a work order (no confident answer, or the answer did not help). Final.

export type InquiryState =
  | { readonly status: 'none' }
  | ({ readonly status: 'received'; readonly inquiryId: string } & InquiryQuestion)
  | ({ readonly status: 'answered'; readonly inquiryId: string; readonly answerId: string } & InquiryQuestion)
  | ({
      readonly status: 'ordered';
      readonly inquiryId: string;
      readonly workOrderId: string;
      readonly number: string;
      readonly reason: InquiryOrderReason;
    } & InquiryQuestion);

export type InquiryCommand =
  | {
      readonly type: 'ReceiveInquiry';
      readonly inquiryId: string;
      readonly question: InquiryQuestion;
      /** The answer to give, when the knowledge base had a confident one. */
      readonly answer?: ChosenAnswer;
      readonly now: Date;
    }
  | {
      readonly type: 'TurnIntoOrder';
      readonly workOrderId: string;
      readonly number: string;
      readonly reason: InquiryOrderReason;
      readonly now: Date;
    };

const refuse = (command: InquiryCommand['type'], state: InquiryState, allowed: readonly string[]): never => {
  throw new IllegalTransitionError(command, state.status, allowed);
};

const decide = (command: InquiryCommand, state: InquiryState): InquiryEvent[] => {
  switch (command.type) {
    case 'ReceiveInquiry': {
      if (state.status !== 'none') return refuse(command.type, state, []);
      const { question, inquiryId, answer } = command;
      const at = command.now.toISOString();
      const received: InquiryEvent = {
        type: InquiryEventTypes.InquiryReceived,
        // The question as it was asked, whole: the event is its record.
        data: { inquiryId, ...question, receivedAt: at },
      };
      if (!answer) return [received];
      return [
        received,
        {
          type: InquiryEventTypes.InquiryAnswered,
          data: { inquiryId, siteId: question.siteId, ...answer, answeredAt: at },
        },
      ];
    }
    case 'TurnIntoOrder': {
      if (state.status === 'ordered') {
        // The same order again (a retry) changes nothing; another order for one inquiry is refused.
        if (state.workOrderId === command.workOrderId) return [];
        return refuse(command.type, state, []);
      }
      if (state.status === 'none') return refuse(command.type, state, ['ReceiveInquiry']);
      // "Did not help" is the resident's word on an answer; an unanswered inquiry becomes an order for want of one.
      const expected: InquiryOrderReason = state.status === 'answered' ? 'not-helped' : 'no-confident-answer';
      if (command.reason !== expected) return refuse(command.type, state, ['ReceiveInquiry']);
      return [
        {
          type: InquiryEventTypes.InquiryTurnedIntoOrder,
          data: {
            inquiryId: state.inquiryId,
            siteId: state.siteId,
            workOrderId: command.workOrderId,
            number: command.number,
            reason: command.reason,
            turnedAt: command.now.toISOString(),
          },
        },
      ];
    }
    default: {
      const never: never = command;
      throw new Error(`unknown inquiry command ${String((never as { type: unknown }).type)}`);
    }
  }
};

const evolve = (state: InquiryState, event: InquiryEvent): InquiryState => {
  switch (event.type) {
    case InquiryEventTypes.InquiryReceived: {
      const { inquiryId, receivedAt: _at, ...question } = event.data;
      return { status: 'received', inquiryId, ...question };
    }
    case InquiryEventTypes.InquiryAnswered:
      return state.status === 'received' ? { ...state, status: 'answered', answerId: event.data.answerId } : state;
    case InquiryEventTypes.InquiryTurnedIntoOrder: {
      if (state.status !== 'received' && state.status !== 'answered') return state;
      const { answerId: _a, ...rest } = state as InquiryState & { answerId?: string };
      return {
        ...(rest as Extract<InquiryState, { status: 'received' }>),
        status: 'ordered',
        workOrderId: event.data.workOrderId,
        number: event.data.number,
        reason: event.data.reason,
      };
    }
    default:
      return unknownInquiryEvent(event);
  }
};

export const inquiryDecider: Decider<InquiryState, InquiryCommand, InquiryEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
