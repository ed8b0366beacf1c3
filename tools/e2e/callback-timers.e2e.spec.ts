import { EventTypes } from '@closeloop/contracts';
import { asStaff, orderInStatus, post, timelineWith, urls, reportOrder, testStackAround } from './test-stack';

// Second-scale timers so the whole callback period runs inside a test.
const TIMERS = { CALLBACK_AFTER_SECONDS: '1', CLOSE_UNCONFIRMED_AFTER_SECONDS: '3', TIMER_POLL_MILLIS: '200' };

describe('a resolved order the resident never confirms gets a callback task, then closes without confirmation', () => {
  testStackAround('e2e-timers', TIMERS);

  const resolvedOrder = async (description: string) => {
    const accepted = await reportOrder({ building: 'B5', channel: 'app', description });
    const workOrderId = accepted.body['workOrderId'] as string;
    const technician = (await orderInStatus(workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    const headers = await asStaff(technician.staffId, technician.name);
    for (const [action, body] of [
      ['acknowledge', {}],
      ['start', {}],
      ['resolve', { notes: 'Cleared the blocked drain' }],
    ] as const) {
      expect((await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, headers)).status).toBe(200);
    }
    return workOrderId;
  };

  it('raises the callback, then closes as closed-without-confirmation, each once, by the sla-timer', async () => {
    const workOrderId = await resolvedOrder('Burst pipe flooding the car park ramp');
    const closed = await orderInStatus(workOrderId, 'closed');
    expect(closed['closure']).toMatchObject({ outcome: 'closed-without-confirmation', rating: null });

    const timeline = await timelineWith(workOrderId, [EventTypes.CallbackRequested, EventTypes.WorkOrderClosed]);
    const types = timeline.map((e) => e.type);
    expect(types.filter((t) => t === EventTypes.CallbackRequested)).toHaveLength(1);
    expect(types.filter((t) => t === EventTypes.WorkOrderClosed)).toHaveLength(1);
    expect(types.indexOf(EventTypes.CallbackRequested)).toBeLessThan(types.indexOf(EventTypes.WorkOrderClosed));
    expect(timeline.find((e) => e.type === EventTypes.WorkOrderClosed)?.actor).toBe('system:sla-timer');
  });

  it('does not close an order the resident confirmed in time', async () => {
    const workOrderId = await resolvedOrder('Burst pipe in the laundry room');
    await post(`${urls.intake}/v1/work-orders/${workOrderId}/confirmation`, { rating: 3 });
    await new Promise((r) => setTimeout(r, 4_500)); // past the closing timer
    const timeline = await timelineWith(workOrderId, [EventTypes.WorkOrderClosed]);
    const closures = timeline.filter((e) => e.type === EventTypes.WorkOrderClosed);
    expect(closures).toHaveLength(1);
    expect(closures[0]?.data).toMatchObject({ outcome: 'confirmed', rating: 3 });
  });
});
