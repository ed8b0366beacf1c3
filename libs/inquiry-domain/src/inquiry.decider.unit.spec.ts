import { IllegalTransitionError, InquiryEvent, InquiryEventTypes, foldEvents } from '@closeloop/contracts';
import { InquiryCommand, inquiryDecider, InquiryQuestion, InquiryState } from './inquiry.decider';

const inquiryId = '0b4c7a52-1c1e-4f7c-9d7e-3c1f7e2a9b10';
const workOrderId = '6f1d2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
const now = new Date('2026-12-08T01:00:00Z');
const question: InquiryQuestion = {
  siteId: 'S1',
  text: '物业费怎么交？',
  channel: 'wechat',
  reporter: { name: '王女士' },
  building: 'B3',
};
const answer = { answerId: 'fees-how-to-pay', answerVersion: 2, confidence: 1 };

const given = (...commands: InquiryCommand[]): InquiryState =>
  commands.reduce(
    (state, command) => foldEvents(inquiryDecider, inquiryDecider.decide(command, state), state),
    inquiryDecider.initialState(),
  );
const receive = (withAnswer: boolean): InquiryCommand => ({
  type: 'ReceiveInquiry',
  inquiryId,
  question,
  ...(withAnswer ? { answer } : {}),
  now,
});
const turn = (reason: 'not-helped' | 'no-confident-answer', id = workOrderId): InquiryCommand => ({
  type: 'TurnIntoOrder',
  workOrderId: id,
  number: 'S1-20261208-0001',
  reason,
  now,
});
const types = (events: InquiryEvent[]) => events.map((e) => e.type);

describe('the inquiry decider', () => {
  describe('a new inquiry', () => {
    it('is received and answered when the knowledge base had a confident answer', () => {
      const events = inquiryDecider.decide(receive(true), inquiryDecider.initialState());
      expect(types(events)).toEqual([InquiryEventTypes.InquiryReceived, InquiryEventTypes.InquiryAnswered]);
      expect(events[1]?.data).toEqual({ inquiryId, siteId: 'S1', ...answer, answeredAt: now.toISOString() });
    });

    it('is only received when it had none (an order follows)', () => {
      expect(types(inquiryDecider.decide(receive(false), inquiryDecider.initialState()))).toEqual([
        InquiryEventTypes.InquiryReceived,
      ]);
    });

    it('cannot become an order before it is received', () => {
      expect(() => inquiryDecider.decide(turn('no-confident-answer'), inquiryDecider.initialState())).toThrow(
        IllegalTransitionError,
      );
    });
  });

  describe('an answered inquiry', () => {
    it('becomes an order when the answer did not help', () => {
      const events = inquiryDecider.decide(turn('not-helped'), given(receive(true)));
      expect(events).toEqual([
        {
          type: InquiryEventTypes.InquiryTurnedIntoOrder,
          data: {
            inquiryId,
            siteId: 'S1',
            workOrderId,
            number: 'S1-20261208-0001',
            reason: 'not-helped',
            turnedAt: now.toISOString(),
          },
        },
      ]);
      expect(foldEvents(inquiryDecider, events, given(receive(true)))).toMatchObject({
        status: 'ordered',
        workOrderId,
      });
    });

    it('is not "without an answer"', () => {
      expect(() => inquiryDecider.decide(turn('no-confident-answer'), given(receive(true)))).toThrow(
        IllegalTransitionError,
      );
    });

    it('is received once', () => {
      expect(() => inquiryDecider.decide(receive(true), given(receive(true)))).toThrow(IllegalTransitionError);
    });
  });

  describe('an inquiry without an answer', () => {
    it('becomes an order for want of one', () => {
      expect(inquiryDecider.decide(turn('no-confident-answer'), given(receive(false)))[0]?.data).toMatchObject({
        reason: 'no-confident-answer',
      });
    });
  });

  describe('an inquiry that became an order', () => {
    const ordered = () => given(receive(true), turn('not-helped'));

    it('changes nothing when told of the same order again (a retry)', () => {
      expect(inquiryDecider.decide(turn('not-helped'), ordered())).toEqual([]);
    });

    it('refuses a second order', () => {
      expect(() =>
        inquiryDecider.decide(turn('not-helped', '7a1d2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b'), ordered()),
      ).toThrow(IllegalTransitionError);
    });
  });
});
