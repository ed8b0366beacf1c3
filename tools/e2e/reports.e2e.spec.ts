import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventTypes, TopicBaseNames, topicName } from '@closeloop/contracts';
import { eventually, repositoryRoot } from '@closeloop/testing';
import { cloudEvent, produceToIntake } from './demo-reports';
import { asStaff, get, orderInStatus, post, testStackAround, timelineWith, urls } from './test-stack';

// A known day at S1 driven through the running services, then read back through every report. Urgent targets are
// seconds long (the SLA specs' policy), the callback falls due 5 s after a resolution; every figure below is worked
// out by hand from what the test does. Normal work is counted in working time, so outside office hours its
// deadlines move to the next working day and nothing here can breach but the urgent order left alone on purpose.
const ENV = {
  SLA_POLICY_FILE: join(repositoryRoot, 'tools', 'e2e', 'fixtures', 'sla-policy.seconds.json'),
  TIMER_POLL_MILLIS: '100',
  CALLBACK_AFTER_SECONDS: '5',
  CLOSE_UNCONFIRMED_AFTER_SECONDS: '600',
};

type Figures = Record<string, unknown> & {
  responseVerdicts: number;
  resolutionVerdicts: number;
  closed: number;
  callbacks: { requested: number };
};

const localDate = (offsetDays: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(
    new Date(Date.now() + offsetDays * 86_400_000),
  );

describe('the reports over a day driven through the running services', () => {
  const stack = testStackAround('e2e-reports', ENV);
  const dispatcher = () => asStaff('s1-zhao-lei', 'Zhao Lei', ['dispatcher']);
  const act = async (workOrderId: string, action: string, headers: Record<string, string>, body: unknown = {}) => {
    const result = await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, headers);
    // A refused step fails the test with the problem document that says why.
    if (result.status !== 200) throw new Error(`${action} answered ${result.status}: ${JSON.stringify(result.body)}`);
  };
  const report = async (building: string, description: string, extra: Record<string, unknown> = {}) => {
    const accepted = await post(`${urls.intake}/v1/reports`, {
      siteId: 'S1',
      building,
      unit: randomUUID().slice(0, 8),
      channel: 'phone',
      reporter: { name: 'Ms Lin', phone: '13812345678' },
      description,
      ...extra,
    });
    expect(accepted.status).toBe(202);
    return { workOrderId: accepted.body['workOrderId'] as string, number: accepted.body['number'] as string };
  };
  /** Reported, then acknowledged and started by the technician the roster named. */
  const working = async (building: string, description: string, extra: Record<string, unknown> = {}) => {
    const order = await report(building, description, extra);
    const technician = (await orderInStatus(order.workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    const headers = await asStaff(technician.staffId, technician.name);
    await act(order.workOrderId, 'acknowledge', headers);
    return { ...order, headers };
  };
  const resolve = async (order: { workOrderId: string; headers: Record<string, string> }) => {
    await act(order.workOrderId, 'start', order.headers);
    await act(order.workOrderId, 'resolve', order.headers, { notes: 'Done' });
  };
  const confirm = async (number: string, rating: number, comment?: string) =>
    expect((await post(`${urls.intake}/v1/work-orders/${number}/confirmation`, { rating, comment })).status).toBe(202);

  it('counts received, closed, cancelled, targets, MTTA/MTTR, backlog, reopens, ratings, callbacks, escalations, alerts, duplicates and calls', async () => {
    // A: a plumbing repair, fixed and rated 5 at once.
    const a = await working('B3', 'Pipe joint dripping under the kitchen sink', { category: 'plumbing' });
    await resolve(a);
    await confirm(a.number, 5, 'Fixed within the hour');
    await orderInStatus(a.workOrderId, 'closed');

    // B: an electrical repair the resident rejects; worked again and rated 3.
    const b = await working('B4', 'Corridor light flickering outside the lobby', { category: 'electrical' });
    await resolve(b);
    expect(
      (await post(`${urls.intake}/v1/work-orders/${b.number}/rejection`, { comment: 'Still flickering' })).status,
    ).toBe(202);
    await orderInStatus(b.workOrderId, 'assigned');
    await act(b.workOrderId, 'acknowledge', b.headers);
    await resolve(b);
    await confirm(b.number, 3);

    // C: a noise complaint from the WeChat mini-program over Kafka, cancelled by the dispatcher as invalid.
    const eventId = `wechat-${randomUUID()}`;
    await produceToIntake(
      stack().kafka,
      topicName(TopicBaseNames.intake, stack().prefix),
      cloudEvent(eventId, '/integrators/e2e-hotline', {
        siteId: 'S1',
        building: 'B2',
        unit: randomUUID().slice(0, 8),
        channel: 'wechat',
        category: 'noise',
        description: 'Loud music from the flat upstairs after midnight',
      }),
    );
    const c = await eventually('the complaint from Kafka', async () => {
      const { body } = await get(`${urls.query}/v1/work-orders?site=S1&causedBy=${eventId}`);
      return (body['items'] as { workOrderId: string }[] | undefined)?.[0];
    });
    await act(c.workOrderId, 'cancel', await dispatcher(), { reason: 'invalid', note: 'Reported twice by mistake' });

    // E: someone trapped in the lift, left alone until the chain climbed to level 3; the dispatcher acknowledges one
    // of its alerts, the lift engineer then takes the order and resolves it, and the resident never calls back.
    const e = await report('B1', 'Two people trapped in the lift between floors 3 and 4');
    await eventually('level 3', async () =>
      (await timelineWith(e.workOrderId, [EventTypes.SlaEscalated])).some(
        (event) => event.type === EventTypes.SlaEscalated && event.data['level'] === 3,
      )
        ? true
        : undefined,
    );
    const alertsOfE = async () =>
      (await get(`${urls.notification}/v1/alerts?workOrderId=${e.workOrderId}`)).body['alerts'] as {
        alertId: string;
        kind: string;
      }[];
    const escalation = (await alertsOfE()).find((alert) => alert.kind === 'escalation') as { alertId: string };
    const desk = await dispatcher();
    expect((await post(`${urls.notification}/v1/alerts/${escalation.alertId}/ack`, {}, desk)).status).toBe(200);
    const liftEngineer = (await orderInStatus(e.workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    const engineer = await asStaff(liftEngineer.staffId, liftEngineer.name);
    await act(e.workOrderId, 'acknowledge', engineer);
    await resolve({ workOrderId: e.workOrderId, headers: engineer });

    // F: resolved; the callback falls due, then the resident confirms and rates it 4.
    const f = await working('B6', 'Slow drain in the shower tray', { category: 'plumbing' });
    await resolve(f);
    await timelineWith(f.workOrderId, [EventTypes.CallbackRequested]);
    await confirm(f.number, 4);

    // D: a leaking tap, acknowledged; the neighbour reports the same leak (a duplicate) and the reporter calls again.
    const d = await working('B5', 'Tap leaking in the bathroom basin', { category: 'plumbing', unit: 'B5-0802' });
    await report('B5', 'Tap leaking in the bathroom basin', { category: 'plumbing', unit: 'B5-0802', reporter: {} });
    await timelineWith(d.workOrderId, [EventTypes.DuplicateReportLinked]);
    const call = await post(`${urls.intake}/v1/work-orders/${d.number}/follow-ups`, {
      channel: 'phone',
      note: 'Any news?',
    });
    expect(call.status).toBe(202);

    // G: A's flat reports the same kind of problem again after A closed: a repeat complaint, acknowledged.
    const aUnit = ((await get(`${urls.query}/v1/work-orders/${a.workOrderId}`)).body['unit'] as string) ?? '';
    const g = await working('B3', 'Kitchen pipe joint dripping again', { category: 'plumbing', unit: aUnit });

    // P: a question about the fee bill (planned work), which nobody has picked up yet.
    await report('B7', 'Question about this month’s property fee bill', { category: 'billing' });
    await timelineWith(e.workOrderId, [EventTypes.CallbackRequested]);

    const period = { site: 'S1', from: localDate(-1), to: localDate(1) };
    const query = new URLSearchParams(period).toString();
    const levels = await eventually('every order, verdict and close on the report', async () => {
      const { body } = await get(`${urls.query}/v1/reports/service-levels?${query}`);
      const current = (body['total'] as { current: Figures } | undefined)?.current;
      // P is reported last and nothing waits for it before this: wait until it is counted too.
      return current &&
        current.received === 8 &&
        current.responseVerdicts === 6 &&
        current.resolutionVerdicts === 5 &&
        current.closed === 3 &&
        current.callbacks.requested === 2
        ? body
        : undefined;
    });
    const total = levels['total'] as { current: Record<string, unknown>; previous: Record<string, unknown> };
    expect(total.current).toMatchObject({
      received: 8, // A B C D E F G P (the duplicate joined D)
      closed: 3, // A B F
      cancelled: 1, // C
      closureRate: 0.4286, // 3 of the 7 not cancelled
      responseMetRate: 0.8333, // A B D F G met, E missed
      responseVerdicts: 6,
      resolutionMetRate: 1, // A, B's two rounds, E, F
      resolutionVerdicts: 5,
      mtta: { counted: 6, excluded: 1 }, // P never acknowledged
      mttr: { counted: 4, excluded: 3 }, // A B E F resolved; D G P not
      backlog: { open: 4 }, // D, E (resolved, unconfirmed), G, P
      reopenRate: 0.25, // B, of A B E F resolved
      firstTimeFixRate: 0.6667, // A F of A B F
      satisfaction: {
        meanRating: 4,
        distribution: { '1': 0, '2': 0, '3': 1, '4': 1, '5': 1 },
        rated: 3,
        responseRate: 1,
      },
      callbacks: { requested: 2, done: 1, overdue: 1 }, // F answered; E not
      escalations: { level1: 1, level2: 1, level3: 1 },
      duplicatesLinked: 1,
      followUpContacts: 1,
    });
    expect((total.current as { mtta: { medianSeconds: number } }).mtta.medianSeconds).toBeGreaterThanOrEqual(0);
    // Every alert raised about E is on the report, the one acknowledged among them; notification may still be
    // raising one (a dead letter escalates in its own right), so the two are read until they agree.
    const ack = await eventually('the report to count every alert of E', async () => {
      const { body } = await get(`${urls.query}/v1/reports/service-levels?${query}`);
      const seconds = (body['total'] as { current: { alertAckSeconds: Record<string, number> } }).current
        .alertAckSeconds;
      const raised = (await alertsOfE()).length;
      return seconds['acknowledged'] === 1 && seconds['unacknowledged'] === raised - 1 ? seconds : undefined;
    });
    expect(ack['median']).toBeGreaterThanOrEqual(0);
    expect(total.previous).toMatchObject({ received: 0, closed: 0, backlog: { open: 0 } });

    const hotSpots = (await get(`${urls.query}/v1/reports/hot-spots?${query}`)).body;
    expect(hotSpots['hotSpots']).toEqual([
      { category: 'plumbing', building: 'B3', received: 2, previous: 0, change: 2 },
      { category: 'billing', building: 'B7', received: 1, previous: 0, change: 1 },
      { category: 'electrical', building: 'B4', received: 1, previous: 0, change: 1 },
      { category: 'lift', building: 'B1', received: 1, previous: 0, change: 1 },
      { category: 'noise', building: 'B2', received: 1, previous: 0, change: 1 },
      { category: 'plumbing', building: 'B5', received: 1, previous: 0, change: 1 },
      { category: 'plumbing', building: 'B6', received: 1, previous: 0, change: 1 },
    ]);
    expect(hotSpots['repeats']).toEqual([
      expect.objectContaining({
        building: 'B3',
        unit: aUnit,
        category: 'plumbing',
        earlier: expect.objectContaining({ number: a.number }),
        later: expect.objectContaining({ number: g.number }),
        daysAfterClose: 0,
      }),
    ]);

    const month = localDate(0).slice(0, 7);
    const monthly = (await get(`${urls.query}/v1/reports/monthly?site=S1&month=${month}`)).body;
    expect(monthly['missedTargets']).toEqual([
      expect.objectContaining({ number: e.number, target: 'response', escalationLevel: 3, outcome: 'resolved' }),
    ]);
    expect((monthly['satisfaction'] as { comments: unknown[] }).comments).toEqual([
      expect.objectContaining({ number: a.number, rating: 5, comment: 'Fixed within the hour' }),
    ]);
    expect(monthly['callbacks']).toMatchObject({ unanswered: [expect.objectContaining({ number: e.number })] });
  });
});
