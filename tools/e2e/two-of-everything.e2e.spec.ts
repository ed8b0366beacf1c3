import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { eventually, repositoryRoot } from '@closeloop/testing';
import {
  asIntegrator,
  get,
  HttpResult,
  instanceUrl,
  post,
  startTestStack,
  TestStack,
  TimelineEvent,
} from './test-stack';

// Urgent targets in seconds, so that every order's timers warn, breach and escalate to level 3 during the run.
const SECONDS_POLICY = {
  SLA_POLICY_FILE: join(repositoryRoot, 'tools', 'e2e', 'fixtures', 'sla-policy.seconds.json'),
  TIMER_POLL_MILLIS: '100',
};
const SERVICES = ['intake', 'dispatch', 'sla-timer', 'notification', 'query'] as const;
const REPORTS = 24;
const KILL_AFTER = 8;

interface Accepted {
  readonly key: string;
  readonly workOrderIds: readonly string[];
  readonly acceptedAt: number;
}

/**
 * Two instances of every service on one database and one set of topics (consumer groups share the partitions,
 * SKIP LOCKED workers share the timers and deliveries, one relay leads), one of each killed mid-run: every report
 * must still be handled exactly once.
 */
describe('two instances of every service, one of each killed mid-run', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('e2e-two', SECONDS_POLICY);
    for (const service of SERVICES) await stack.startInstance(service, 1);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** An integrator that retries on the other intake instance, with the same Idempotency-Key, whatever fails. */
  const submit = async (key: string, body: Record<string, unknown>, first: number): Promise<string> =>
    eventually(`report ${key} accepted`, async () => {
      const refusals: string[] = [];
      for (const instance of [first, 1 - first]) {
        let answer: HttpResult;
        try {
          answer = await post(`${instanceUrl('intake', instance)}/v1/reports`, body, {
            ...asIntegrator(),
            'idempotency-key': key,
          });
        } catch (error) {
          refusals.push(`intake ${instance}: ${(error as Error).message}`); // the instance is gone: refused or reset
          continue;
        }
        if (answer.status === 202 || answer.status === 200) return answer.body['workOrderId'] as string;
        refusals.push(`intake ${instance}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      throw new Error(refusals.join('; '));
    });

  const eventsOf = async (workOrderId: string) =>
    (
      await stack.db.pool.query<{
        event_id: string;
        event_type: string;
        data: Record<string, unknown>;
        recorded_at: Date;
      }>(
        `SELECT event_id, event_type, data, recorded_at FROM es_events WHERE metadata->>'workOrderId' = $1 ORDER BY global_position`,
        [workOrderId],
      )
    ).rows;

  it('handles each report once: one order, routed once, SLA set once, each timer and alert once, one timeline', async () => {
    const accepted: Accepted[] = [];
    let killedAt = 0;
    for (let i = 0; i < REPORTS; i++) {
      if (i === KILL_AFTER) {
        // Instance 0 of every service dies at once, the relay's leader among them (whichever that is).
        await Promise.all(SERVICES.map((service) => stack.kill(service, 0)));
        killedAt = Date.now();
      }
      const key = randomUUID();
      const body = {
        siteId: 'S1',
        building: `T${i}`, // a building each, so that no report is taken for a repeat of another
        unit: String(100 + i),
        channel: 'phone',
        description:
          i % 2 === 0
            ? `Two people trapped in the lift of tower T${i}`
            : `No water at all in flat ${100 + i} since this morning`,
      };
      // The same report sent to both instances at once, as an integrator's retry racing its first try.
      const workOrderIds = await Promise.all([submit(key, body, i % 2), submit(key, body, 1 - (i % 2))]);
      accepted.push({ key, workOrderIds, acceptedAt: Date.now() });
    }

    for (const { key, workOrderIds } of accepted)
      expect({ key, sameOrder: new Set(workOrderIds).size }).toEqual({ key, sameOrder: 1 });
    const orders = accepted.map((a) => a.workOrderIds[0] as string);
    expect(new Set(orders).size).toBe(REPORTS);

    const firstAfterKill = accepted[KILL_AFTER] as Accepted;
    const routedAfterKill = await eventually(
      'the first report after the kill routed',
      async () => {
        const routing = (await eventsOf(firstAfterKill.workOrderIds[0] as string)).find(
          (e) =>
            e.event_type === EventTypes.WorkOrderAssigned || e.event_type === EventTypes.WorkOrderQueuedForDispatch,
        );
        return routing?.recorded_at.getTime();
      },
      60_000,
      50,
    );
    console.log(
      `instance 0 of every service SIGKILLed: the next report routed ${routedAfterKill - killedAt} ms after the kill`,
    );

    // Every urgent order's clocks run to the end of both chains (response and resolution escalated to level 3), and
    // notification raises an alert for each cause: the urgent triage, each warning, each escalation.
    const alertCauses = (events: Awaited<ReturnType<typeof eventsOf>>) =>
      events.filter((e) => e.event_type === EventTypes.SlaWarningRaised || e.event_type === EventTypes.SlaEscalated)
        .length + 1;
    const settled = await eventually(
      'every order escalated to level 3 on both targets, with an alert for each cause',
      async () => {
        const all = await Promise.all(orders.map(async (id) => ({ id, events: await eventsOf(id) })));
        const done = all.every(
          ({ events }) =>
            ['response', 'resolution'].every((target) =>
              events.some(
                (e) => e.event_type === EventTypes.SlaEscalated && e.data['target'] === target && e.data['level'] === 3,
              ),
            ) && events.filter((e) => e.event_type === EventTypes.AlertRaised).length >= alertCauses(events),
        );
        return done ? all : undefined;
      },
      240_000,
      1_000,
    );
    await new Promise((r) => setTimeout(r, 2_000)); // a second firing or a second alert would show by now

    for (const { id } of settled) {
      const events = await eventsOf(id);
      const count = (type: string, where: (data: Record<string, unknown>) => boolean = () => true) =>
        events.filter((e) => e.event_type === type && where(e.data)).length;
      expect({ id, reported: count(EventTypes.WorkOrderReported) }).toEqual({ id, reported: 1 });
      expect({
        id,
        routed: count(EventTypes.WorkOrderAssigned) + count(EventTypes.WorkOrderQueuedForDispatch),
      }).toEqual({ id, routed: 1 });
      expect({ id, targetsSet: count(EventTypes.SlaTargetsSet) }).toEqual({ id, targetsSet: 1 });
      for (const target of ['response', 'resolution']) {
        expect({ id, target, breached: count(EventTypes.SlaBreached, (d) => d['target'] === target) }).toEqual({
          id,
          target,
          breached: 1,
        });
        const levels = events
          .filter((e) => e.event_type === EventTypes.SlaEscalated && e.data['target'] === target)
          .map((e) => e.data['level']);
        expect({ id, target, levels }).toEqual({ id, target, levels: [1, 2, 3] });
      }
      const raised = events
        .filter((e) => e.event_type === EventTypes.AlertRaised)
        .map((e) => `${e.data['kind']}/${e.data['target'] ?? '-'}/${e.data['level'] ?? '-'}`);
      expect({ id, duplicateAlerts: raised.filter((a, i) => raised.indexOf(a) !== i) }).toEqual({
        id,
        duplicateAlerts: [],
      });
      expect({ id, alerts: raised.length }).toEqual({ id, alerts: alertCauses(events) });
    }

    // One timeline per order on the surviving query instance, each event once, and the same events as the store.
    for (const { id } of settled) {
      const storeIds = (await eventsOf(id)).map((e) => e.event_id).sort();
      const timeline = await eventually(`the timeline of ${id} to match the store`, async () => {
        const { status, body } = await get(`${instanceUrl('query', 1)}/v1/work-orders/${id}/timeline`);
        if (status !== 200) return undefined;
        const events = body['events'] as TimelineEvent[];
        return events.length >= storeIds.length ? events : undefined;
      });
      expect(timeline.map((e) => e.eventId).sort()).toEqual(storeIds);
    }
  }, 600_000);
});
