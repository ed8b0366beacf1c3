import { randomUUID } from 'node:crypto';
import { InquiryEvent, InquiryEventTypes } from '@closeloop/contracts';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { inquiryFigures } from './inquiry-figures';
import { InquiriesRepository } from './inquiries.repository';

// query's inquiry records on real PostgreSQL: what the deflection figures count, with redeliveries.

const received = (inquiryId: string, siteId: string, at: string): InquiryEvent => ({
  type: InquiryEventTypes.InquiryReceived,
  data: { inquiryId, siteId, text: '物业费怎么交？', channel: 'wechat', reporter: {}, receivedAt: at },
});
const answered = (inquiryId: string, siteId: string, at: string): InquiryEvent => ({
  type: InquiryEventTypes.InquiryAnswered,
  data: { inquiryId, siteId, answerId: 'fees-how-to-pay', answerVersion: 1, confidence: 1, answeredAt: at },
});
const turned = (inquiryId: string, siteId: string, at: string, reason: 'not-helped' | 'no-confident-answer') =>
  ({
    type: InquiryEventTypes.InquiryTurnedIntoOrder,
    data: { inquiryId, siteId, workOrderId: randomUUID(), number: `${siteId}-20261201-0001`, reason, turnedAt: at },
  }) as InquiryEvent;

describe('the inquiries read model (real PostgreSQL)', () => {
  let db: TestDatabase;
  let inquiries: InquiriesRepository;
  const december = { from: new Date('2026-11-30T16:00:00Z'), to: new Date('2026-12-31T16:00:00Z') };

  beforeAll(async () => {
    db = await freshDatabase('query_inquiries');
    inquiries = new InquiriesRepository(db.pool);
    const deflected = [randomUUID(), randomUUID(), randomUUID()];
    const notHelped = randomUUID();
    const unanswered = randomUUID();
    const notHelpedInJanuary = randomUUID();
    const events: InquiryEvent[] = [
      ...deflected.flatMap((id, i) => [
        received(id, 'S1', `2026-12-0${i + 1}T02:00:00Z`),
        answered(id, 'S1', `2026-12-0${i + 1}T02:00:00Z`),
      ]),
      received(notHelped, 'S1', '2026-12-05T02:00:00Z'),
      answered(notHelped, 'S1', '2026-12-05T02:00:00Z'),
      turned(notHelped, 'S1', '2026-12-05T03:00:00Z', 'not-helped'),
      received(unanswered, 'S1', '2026-12-06T02:00:00Z'),
      turned(unanswered, 'S1', '2026-12-06T02:00:01Z', 'no-confident-answer'),
      // Answered in December, found unhelpful in January: deflected as December stood at its end.
      received(notHelpedInJanuary, 'S1', '2026-12-30T02:00:00Z'),
      answered(notHelpedInJanuary, 'S1', '2026-12-30T02:00:00Z'),
      turned(notHelpedInJanuary, 'S1', '2027-01-02T02:00:00Z', 'not-helped'),
      // Another site's, and November's, are not December's at S1.
      received(randomUUID(), 'S2', '2026-12-02T02:00:00Z'),
      received(randomUUID(), 'S1', '2026-11-29T02:00:00Z'),
    ];
    for (const event of events) await inquiries.apply(event);
    // Every event delivered again, as after a consumer restart: nothing counts twice.
    for (const event of events) await inquiries.apply(event);
  });
  afterAll(() => db.drop());

  it('counts received, deflected and turned into orders, as the period stood at its end', async () => {
    const counts = await inquiries.countsFor('S1', december.from, december.to);
    expect(counts).toEqual({ received: 6, deflected: 4, turnedIntoOrders: 2 });
    expect(inquiryFigures(counts)).toEqual({ ...counts, deflectionRate: 0.6667 });
  });

  it('sees a later "did not help" in the period that holds it', async () => {
    const counts = await inquiries.countsFor('S1', december.from, new Date('2027-01-31T16:00:00Z'));
    expect(counts).toEqual({ received: 6, deflected: 3, turnedIntoOrders: 3 });
  });

  it('has no rate for a period without questions', async () => {
    const counts = await inquiries.countsFor('S3', december.from, december.to);
    expect(inquiryFigures(counts)).toEqual({ received: 0, deflected: 0, turnedIntoOrders: 0, deflectionRate: null });
  });
});
