import 'reflect-metadata';
import { EventTypes, InquiryEventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { inquiryStream } from '@closeloop/inquiry-domain';
import { fuzzOptions } from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import fc from 'fast-check';
import { IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { DEFAULT_MIN_CONFIDENCE } from './answer-ranking';

/**
 * Property-based fuzzing of POST /v1/inquiries, as intake.fuzz.int.spec.ts fuzzes reports: questions made of the
 * knowledge base's words, repair words, stop words, hostile text and arbitrary Unicode, against the real service and
 * database. Every answer is 200 (answered, confidently, and recorded), 202 (an order that quotes the question) or a
 * 4xx problem that wrote nothing; never a 5xx. FUZZ_RUNS is the budget shared with the other fuzz specs.
 */
const SHARE = 0.05;

const WORDS = [
  ...['物业费', '交', '停车', '月卡', '访客', '装修', '手续', '押金', '停水', '停电', '养狗', '垃圾', '分类', '门禁卡'],
  ...['卫生间', '漏水', '水管', '爆', '电梯', '困人', '灯不亮', '堵', '坏了', '噪音', '楼上', '厨房', '下水道'],
  ...['怎么', '请问', '吗', '了', '？', '，', '我家', '小区', ' ', '!'],
  ...['fee', 'pay', 'parking', 'leak', 'toilet', 'broken', 'how', 'do', 'I', 'the', 'dog', 'office'],
];
const HOSTILE = [
  "'; DROP TABLE es_events; --",
  '<script>alert(1)</script>',
  'a\u0000b',
  'lone \ud800 surrogate',
  '\u202Etxt.exe',
  '😀🔥💧',
  'x'.repeat(2001),
  '',
  '   ',
];

const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 8 }).map((w) => w.join('')) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 0, maxLength: 60 }) },
);

describe('POST /v1/inquiries under property-based fuzzing (in-process intake, real PostgreSQL)', () => {
  let intake: IntakeUnderTest;
  let store: PostgresEventStore;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-inquiries-fuzz');
    store = new PostgresEventStore(intake.db.pool);
  }, 120_000);
  afterAll(async () => {
    await intake?.stop();
  });

  const eventCount = async () =>
    Number((await intake.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events')).rows[0]?.n);

  it('answers confidently, makes an order that quotes the question, or refuses with problem details and no write', async () => {
    await fc.assert(
      fc.asyncProperty(textArb, fc.constantFrom('wechat', 'app', 'phone', 'fax'), async (text, channel) => {
        const before = await eventCount();
        const response = await fetch(`${intake.baseUrl}/v1/inquiries`, {
          method: 'POST',
          headers: { 'x-api-key': intake.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({ site: 'S1', text, channel, reporter: { name: '王女士' } }),
        });
        const body = (await response.json()) as Record<string, unknown>;
        const what = `${JSON.stringify(text).slice(0, 80)} (${channel}) answered ${response.status}`;
        if (response.status >= 500) throw new Error(`${what}: ${JSON.stringify(body).slice(0, 300)}`);
        if (response.status >= 400) {
          if (!(response.headers.get('content-type') ?? '').startsWith('application/problem+json'))
            throw new Error(`${what} without problem details`);
          if (typeof body['code'] !== 'string') throw new Error(`${what}: a problem without a code`);
          if ((await eventCount()) !== before) throw new Error(`${what} but wrote events`);
          return;
        }
        const inquiry = await store.readStream(inquiryStream(body['inquiryId'] as string));
        if (response.status === 200) {
          expect(body['confidence']).toBeGreaterThanOrEqual(DEFAULT_MIN_CONFIDENCE);
          expect(inquiry.map((e) => e.type)).toEqual([
            InquiryEventTypes.InquiryReceived,
            InquiryEventTypes.InquiryAnswered,
          ]);
          return;
        }
        expect(response.status).toBe(202);
        expect(inquiry.map((e) => e.type)).toEqual([
          InquiryEventTypes.InquiryReceived,
          InquiryEventTypes.InquiryTurnedIntoOrder,
        ]);
        const reported = (await store.readStream(workOrderStream(body['workOrderId'] as string))).find(
          (e) => e.type === EventTypes.WorkOrderReported,
        );
        // A question that joined an open order as a duplicate is quoted on that order's link, not its report.
        if (!body['linkedAsDuplicate'])
          expect((reported?.data as { description: string }).description).toContain(text.trim());
      }),
      fuzzOptions(SHARE),
    );
  });
});
