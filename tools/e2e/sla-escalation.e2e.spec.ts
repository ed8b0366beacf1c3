import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { eventually, repositoryRoot } from '@closeloop/testing';
import {
  TimelineEvent,
  asStaff,
  get,
  orderInStatus,
  post,
  timelineWith,
  urls,
  reportOrder,
  testStackAround,
} from './test-stack';

// Urgent: acknowledge within 2 s, warn at half-time, escalate a level a second after the last.
const SECONDS_POLICY = {
  SLA_POLICY_FILE: join(repositoryRoot, 'tools', 'e2e', 'fixtures', 'sla-policy.seconds.json'),
  TIMER_POLL_MILLIS: '100',
};

const of = (timeline: TimelineEvent[], type: string) => timeline.filter((e) => e.type === type);

/** Reports an order the triage rules make urgent, and gives back its id. */
const urgentOrder = async (description: string, building: string): Promise<string> => {
  const accepted = await reportOrder({ building, channel: 'phone', description });
  expect(accepted.body['tier']).toBe('urgent');
  return accepted.body['workOrderId'] as string;
};

describe('SLA clocks escalate on their own, through the running services', () => {
  testStackAround('e2e-sla', SECONDS_POLICY);

  it('warns, breaches and climbs the chain to level 3 when nobody acknowledges an urgent order', async () => {
    const workOrderId = await urgentOrder('Two people trapped in the lift between floors 3 and 4', 'B2');
    const timeline = await eventually(
      'escalation to level 3',
      async () => {
        const events = await timelineWith(workOrderId, [EventTypes.SlaTargetsSet]);
        return of(events, EventTypes.SlaEscalated).some((e) => e.data['level'] === 3 && e.data['target'] === 'response')
          ? events
          : undefined;
      },
      30_000,
    );
    const response = (type: string) => of(timeline, type).filter((e) => e.data['target'] === 'response');
    expect(response(EventTypes.SlaWarningRaised)).toHaveLength(1);
    expect(response(EventTypes.SlaBreached)).toHaveLength(1);
    expect(response(EventTypes.SlaEscalated).map((e) => e.data['level'])).toEqual([1, 2, 3]);
    const types = timeline.map((e) => e.type);
    expect(types.indexOf(EventTypes.SlaWarningRaised)).toBeLessThan(types.indexOf(EventTypes.SlaBreached));
    const breach = response(EventTypes.SlaBreached)[0] as TimelineEvent;
    expect(Date.parse(breach.data['breachedAt'] as string)).toBeGreaterThanOrEqual(
      Date.parse(breach.data['dueAt'] as string),
    );
    expect(breach.actor).toBe('system:sla-timer');
    // Each level is due at the deadline plus the intervals (1 s, 1 s), whenever the level before was recorded.
    const deadline = Date.parse(breach.data['dueAt'] as string);
    expect(response(EventTypes.SlaEscalated).map((e) => Date.parse(e.data['dueAt'] as string) - deadline)).toEqual([
      0, 1_000, 2_000,
    ]);
    for (const level of response(EventTypes.SlaEscalated))
      expect(Date.parse(level.data['escalatedAt'] as string)).toBeGreaterThanOrEqual(
        Date.parse(level.data['dueAt'] as string),
      );

    const order = await get(`${urls.query}/v1/work-orders/${workOrderId}`);
    expect(order.body['sla']).toMatchObject({ responseBreached: true, escalationLevel: 3 });

    const sla = await get(`${urls.query}/v1/work-orders/${workOrderId}/sla`);
    expect(sla.status).toBe(200);
    expect(sla.body).toMatchObject({
      escalationLevel: 3,
      targets: [
        { target: 'response', state: 'breached', escalationLevel: 3 },
        { target: 'resolution', state: 'running', escalationLevel: 0 },
      ],
    });
    const [responseTarget] = sla.body['targets'] as { remainingSeconds: number }[];
    expect(responseTarget?.remainingSeconds).toBeLessThan(0);

    const atRisk = await get(`${urls.query}/v1/sla/at-risk?site=S1`);
    const items = atRisk.body['items'] as { workOrderId: string; secondsToNextDue: number }[];
    expect(items.map((i) => i.workOrderId)).toContain(workOrderId);
    expect(items.map((i) => i.secondsToNextDue)).toEqual(
      [...items.map((i) => i.secondsToNextDue)].sort((a, b) => a - b),
    );
  });

  it('stops climbing once the technician acknowledges, and records the late response', async () => {
    const workOrderId = await urgentOrder('Burst pipe flooding the lift pit', 'B2');
    const technician = (await orderInStatus(workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    await timelineWith(workOrderId, [EventTypes.SlaBreached]);
    await post(
      `${urls.dispatch}/v1/work-orders/${workOrderId}/acknowledge`,
      {},
      await asStaff(technician.staffId, technician.name),
    );
    const met = await timelineWith(workOrderId, [EventTypes.SlaTargetMet]);
    expect(met.find((e) => e.type === EventTypes.SlaTargetMet)?.data).toMatchObject({
      target: 'response',
      onTime: false,
    });
    const sla = await eventually('the response target shown as met', async () => {
      const result = await get(`${urls.query}/v1/work-orders/${workOrderId}/sla`);
      return (result.body['targets'] as { state: string }[] | undefined)?.[0]?.state === 'met'
        ? result.body
        : undefined;
    });
    expect(sla['targets']).toEqual([
      expect.objectContaining({ target: 'response', state: 'met', onTime: false }),
      expect.objectContaining({ target: 'resolution', state: 'running', remainingSeconds: expect.any(Number) }),
    ]);

    await new Promise((r) => setTimeout(r, 3_000)); // two more escalation intervals
    const after = (await get(`${urls.query}/v1/work-orders/${workOrderId}/timeline`)).body['events'] as TimelineEvent[];
    const levels = of(after, EventTypes.SlaEscalated)
      .filter((e) => e.data['target'] === 'response')
      .map((e) => e.data['level']);
    expect(levels.length).toBeLessThan(3);
    expect(of(after, EventTypes.SlaBreached).filter((e) => e.data['target'] === 'response')).toHaveLength(1);
  });

  it('meets the response target on time when acknowledged at once, with no warning or breach', async () => {
    const workOrderId = await urgentOrder('Power cut on the whole of floor 9', 'B2');
    const technician = (await orderInStatus(workOrderId, 'assigned'))['technician'] as {
      staffId: string;
      name: string;
    };
    await post(
      `${urls.dispatch}/v1/work-orders/${workOrderId}/acknowledge`,
      {},
      await asStaff(technician.staffId, technician.name),
    );
    const timeline = await timelineWith(workOrderId, [EventTypes.SlaTargetMet]);
    const met = timeline.find((e) => e.type === EventTypes.SlaTargetMet);
    if (met?.data['onTime'] === true) {
      await new Promise((r) => setTimeout(r, 2_500)); // past the 2-second deadline
      const after = (await get(`${urls.query}/v1/work-orders/${workOrderId}/timeline`)).body[
        'events'
      ] as TimelineEvent[];
      expect(of(after, EventTypes.SlaBreached).filter((e) => e.data['target'] === 'response')).toHaveLength(0);
    } else {
      // A loaded machine took longer than the 2-second target to assign: then the late response is on record.
      expect(met?.data).toMatchObject({ target: 'response', onTime: false });
    }
  });
});

describe('SLA timers survive crashes and share the work between instances', () => {
  const stack = testStackAround('e2e-sla-crash', SECONDS_POLICY);

  it('fires a deadline that passed while sla-timer was down as soon as it is back, exactly once', async () => {
    const workOrderId = await urgentOrder('A resident is trapped in the lift on floor 11', 'B4');
    await timelineWith(workOrderId, [EventTypes.SlaTargetsSet]);
    await stack().kill('sla-timer');
    await new Promise((r) => setTimeout(r, 4_000)); // the 2-second response deadline passes with nobody watching
    await stack().startInstance('sla-timer', 1);

    // Level 3 comes after the breach and every level before it, so by then a second breach would have shown too.
    const timeline = await eventually('level 3 after the restart', async () => {
      const events = await timelineWith(workOrderId, [EventTypes.SlaBreached]);
      return of(events, EventTypes.SlaEscalated).some((e) => e.data['level'] === 3) ? events : undefined;
    });
    const breaches = of(timeline, EventTypes.SlaBreached).filter((e) => e.data['target'] === 'response');
    expect(breaches).toHaveLength(1);
    expect(
      of(timeline, EventTypes.SlaEscalated)
        .filter((e) => e.data['target'] === 'response')
        .map((e) => e.data['level']),
    ).toEqual([1, 2, 3]);
    const lateBy =
      Date.parse(breaches[0]?.data['breachedAt'] as string) - Date.parse(breaches[0]?.data['dueAt'] as string);
    expect(lateBy).toBeGreaterThan(1_000); // both times are on record: when it was due, and when it fired
  });

  it('fires each timer once with two sla-timer instances side by side', async () => {
    await stack().startInstance('sla-timer', 2);
    const orders = await Promise.all(
      [1, 2, 3, 4].map((n) => urgentOrder(`Burst pipe in riser ${n}, water in the corridor`, 'B4')),
    );
    for (const workOrderId of orders) {
      const timeline = await eventually(
        `level 3 for ${workOrderId}`,
        async () => {
          const events = ((await get(`${urls.query}/v1/work-orders/${workOrderId}/timeline`)).body['events'] ??
            []) as TimelineEvent[];
          return of(events, EventTypes.SlaEscalated).some((e) => e.data['level'] === 3) ? events : undefined;
        },
        30_000,
      );
      await new Promise((r) => setTimeout(r, 300));
      const response = (type: string) => of(timeline, type).filter((e) => e.data['target'] === 'response');
      // Both instances claim due timers side by side: under load the breach can be recorded before a late warning
      // fires, and a warning after the breach is rightly dropped. What must never happen is a second one.
      expect(response(EventTypes.SlaWarningRaised).length).toBeLessThanOrEqual(1);
      expect(response(EventTypes.SlaBreached)).toHaveLength(1);
      expect(response(EventTypes.SlaEscalated).map((e) => e.data['level'])).toEqual([1, 2, 3]);
    }
  });
});
