import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { get, post, testStackAround, timelineWith, urls } from './test-stack';

// Self-service answers through the running services (issue 14, item 5): intake answers a question its knowledge
// base knows and makes everything else an order; "did not help" turns an answer into an order with the inquiry on
// its timeline; query counts the inquiries from workorders.events into the service-level report.

const localDate = (offsetDays: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
    new Date(Date.now() + offsetDays * 86_400_000),
  );

describe('self-service answers through the running services', () => {
  testStackAround('e2e-inquiries');
  const ask = (text: string) =>
    post(`${urls.intake}/v1/inquiries`, { site: 'S1', text, channel: 'wechat', reporter: { name: '王女士' } });

  it('answers a knowledge-base question, counts it in the report, and turns a "did not help" into an order', async () => {
    const fees = await ask('物业费怎么交？');
    expect(fees.status).toBe(200);
    expect(fees.body).toMatchObject({ answered: true, answer: { answerId: 'fees-how-to-pay', topic: 'fees' } });

    const leak = await ask('卫生间漏水');
    expect(leak.status).toBe(202);
    expect(leak.body).toMatchObject({ answered: false, workOrderId: expect.any(String) });

    const parking = await ask('停车月卡怎么办');
    expect(parking.body).toMatchObject({ answered: true, answer: { answerId: 'parking-visitors-and-monthly' } });
    const inquiryId = parking.body['inquiryId'] as string;
    const turned = await post(`${urls.intake}/v1/inquiries/${inquiryId}/not-helped`, {});
    expect(turned.status).toBe(202);
    const workOrderId = turned.body['workOrderId'] as string;

    // The order's timeline on the read side says which inquiry it came from and why.
    const timeline = await timelineWith(workOrderId, [EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged]);
    const reported = timeline.find((e) => e.type === EventTypes.WorkOrderReported);
    expect(String(reported?.data['description'])).toContain('停车月卡怎么办');
    expect(String(reported?.data['description'])).toContain(inquiryId);
    expect(String(reported?.data['description'])).toContain('did not help');

    // Three questions today: one deflected, two orders (no confident answer; did not help).
    const report = await eventually('the inquiries counted in the service-level report', async () => {
      const { status, body } = await get(
        `${urls.query}/v1/reports/service-levels?site=S1&from=${localDate(0)}&to=${localDate(1)}`,
      );
      const inquiries = body['inquiries'] as { current: { received: number; turnedIntoOrders: number } } | undefined;
      return status === 200 && inquiries?.current.received === 3 && inquiries.current.turnedIntoOrders === 2
        ? inquiries
        : undefined;
    });
    expect(report).toEqual({
      current: { received: 3, deflected: 1, turnedIntoOrders: 2, deflectionRate: 0.3333 },
      previous: { received: 0, deflected: 0, turnedIntoOrders: 0, deflectionRate: null },
    });
  });
});
