import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { asStaff, get, orderInStatus, post, testStackAround, timelineWith, urls } from './test-stack';

// Through the running services (docs/adr/0028): a flat's tap is fixed and closed, then the same flat rings about
// its tap again within the month, and the caller lookup says so; and Mrs Zhao, 82 and living alone, is registered
// in the priority lane, so her ordinary leak is triaged urgent, with the reason on her order.

const dispatcherOfS1 = () => asStaff('s1-zhao-lei', 'Zhao Lei', ['dispatcher']);

const report = (unit: string, phone: string, description: string) => ({
  siteId: 'S1',
  building: 'B9',
  unit,
  channel: 'phone',
  category: 'plumbing',
  reporter: { name: 'Resident', phone },
  description,
});

describe('caller recognition and the priority lane through the running services', () => {
  testStackAround('e2e-callers');

  it('flags a second report from the same unit and category within 30 days of a closed order as a repeat', async () => {
    const unit = randomUUID().slice(0, 6);
    const husband = '13611112222';
    const first = await post(`${urls.intake}/v1/reports`, report(unit, husband, 'Kitchen tap dripping all night'));
    expect(first.status).toBe(202);
    const firstId = first.body['workOrderId'] as string;
    const assigned = await orderInStatus(firstId, 'assigned');
    const technician = assigned['technician'] as { staffId: string; name: string };
    const headers = await asStaff(technician.staffId, technician.name);
    for (const [action, body] of [
      ['acknowledge', {}],
      ['start', {}],
      ['resolve', { notes: 'New washer fitted' }],
    ] as const)
      expect((await post(`${urls.dispatch}/v1/work-orders/${firstId}/${action}`, body, headers)).status).toBe(200);
    expect((await post(`${urls.intake}/v1/work-orders/${firstId}/confirmation`, { rating: 4 })).status).toBe(202);
    await orderInStatus(firstId, 'closed');

    // His wife rings from her own phone: the same flat, the same trade.
    const second = await post(
      `${urls.intake}/v1/reports`,
      report(unit, '13733334444', 'The kitchen tap is dripping again under the sink'),
    );
    expect(second.status).toBe(202);
    expect(second.body['workOrderId']).not.toBe(firstId);
    await orderInStatus(second.body['workOrderId'] as string, 'assigned');

    const lookup = await eventually('the caller lookup to show the repeat', async () => {
      const result = await get(
        `${urls.query}/v1/callers/${encodeURIComponent(`+86 ${husband}`)}?site=S1`,
        await dispatcherOfS1(),
      );
      return (result.body['repeatComplaint'] as { likely?: boolean } | undefined)?.likely ? result : undefined;
    });
    expect(lookup.status).toBe(200);
    expect(lookup.body).toMatchObject({
      phone: '136****2222',
      repeatComplaint: {
        likely: true,
        orders: [{ number: second.body['number'], repeats: [first.body['number']] }],
        repeats: [first.body['number']],
      },
      priority: { registered: false },
    });
    expect(
      (lookup.body['openOrders'] as { number: string; matchedBy: string }[]).map((o) => [o.number, o.matchedBy]),
    ).toEqual([[second.body['number'], 'unit']]);
    expect((lookup.body['recentOrders'] as unknown[]).length).toBe(2);
  });

  it('raises a registered elderly resident’s normal leak to urgent, with the reason on the order view', async () => {
    const dispatcher = await dispatcherOfS1();
    const unit = randomUUID().slice(0, 6);
    const phone = '13855556666';
    const today = new Date().toISOString().slice(0, 10);
    const registered = await post(
      `${urls.intake}/v1/residents`,
      {
        siteId: 'S1',
        building: 'B9',
        unit,
        phone,
        name: 'Zhao Lan',
        need: 'elderly-living-alone',
        consent: { givenBy: 'her daughter, Zhao Min', givenOn: today },
        reviewOn: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
      },
      dispatcher,
    );
    expect(registered.status).toBe(201);
    const registrationId = registered.body['registrationId'] as string;

    const leak = await post(`${urls.intake}/v1/reports`, report(unit, '13900000000', 'The bathroom tap is leaking'));
    expect(leak.status).toBe(202);
    expect(leak.body['tier']).toBe('urgent');
    const workOrderId = leak.body['workOrderId'] as string;
    const order = await eventually('the order on the read side, triaged', async () => {
      const result = await get(`${urls.query}/v1/work-orders/${workOrderId}`, dispatcher);
      return result.status === 200 && result.body['tier'] ? result.body : undefined;
    });
    expect(order).toMatchObject({
      tier: 'urgent',
      priorityLane: { registrationId, need: 'elderly-living-alone', raisedFrom: 'normal', matchedBy: 'unit' },
    });
    expect((order['triage'] as { reason: string }).reason).toMatch(
      /^Priority lane: plumbing reported by an elderly resident living alone .*raised from normal to urgent/,
    );
    // The SLA clocks run the urgent tier.
    const timeline = await timelineWith(workOrderId, [EventTypes.SlaTargetsSet]);
    expect(timeline.find((e) => e.type === EventTypes.SlaTargetsSet)?.data['tier']).toBe('urgent');

    const lookup = await eventually('the registration in the caller lookup', async () => {
      const result = await get(`${urls.query}/v1/callers/${phone}?site=S1`, dispatcher);
      return (result.body['priority'] as { registered?: boolean } | undefined)?.registered ? result.body : undefined;
    });
    expect(lookup['priority']).toMatchObject({
      registrations: [{ registrationId, need: 'elderly-living-alone', matchedBy: 'phone' }],
    });
    expect(lookup['openOrders']).toEqual([
      expect.objectContaining({ workOrderId, priorityLane: true, matchedBy: 'unit' }),
    ]);
  });
});
