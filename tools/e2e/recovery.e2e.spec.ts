import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { post, timelineWith, urls, testStackAround } from './test-stack';

const SERVICES = ['intake', 'dispatch', 'sla-timer', 'notification', 'query'] as const;
const CONSUMERS = SERVICES; // every service reads a topic in a consumer group of its own name

/** Recovery of the running services from crashes, restarts and a database restart (docs/adr/0014-fast-recovery.md). */
describe('the services recover on their own', () => {
  const stack = testStackAround('e2e-recovery');

  const report = async (description: string): Promise<string> => {
    const accepted = await post(
      `${urls.intake}/v1/reports`,
      { siteId: 'S1', building: 'B4', unit: randomUUID().slice(0, 8), channel: 'phone', description },
      { 'idempotency-key': randomUUID() },
    );
    expect(accepted.status).toBe(202);
    return accepted.body['workOrderId'] as string;
  };

  /** When dispatch recorded its routing of the order (an owner, or the dispatcher queue), by the database's clock. */
  const routedAt = (workOrderId: string) =>
    eventually(
      `dispatch to route ${workOrderId}`,
      async () => {
        const { rows } = await stack().db.pool.query<{ at: Date }>(
          `SELECT recorded_at AS at FROM es_events WHERE stream_id = $1 AND event_type = ANY($2)`,
          [`workorder-${workOrderId}`, [EventTypes.WorkOrderAssigned, EventTypes.WorkOrderQueuedForDispatch]],
        );
        return rows[0]?.at.getTime();
      },
      60_000,
      50,
    );

  it('routes orders again within 10 s of a SIGKILLed dispatch being restarted', async () => {
    await routedAt(await report('Blocked drain in the bathroom'));

    await stack().kill('dispatch');
    const restartedAt = Date.now();
    await stack().startInstance('dispatch', 0);
    const healthyAt = Date.now();
    const routed = await routedAt(await report('Leaking radiator valve in the bedroom'));
    console.log(
      `dispatch SIGKILL + restart: healthy ${healthyAt - restartedAt} ms after the restart began, next order routed ${routed - restartedAt} ms after it (${routed - healthyAt} ms after healthy)`,
    );
    expect(routed - restartedAt).toBeLessThan(10_000);
  }, 120_000);

  it('stops every service on SIGTERM with exit 0, leaving its consumer group at once, and the restarted one works on', async () => {
    const admin = stack().kafka.admin();
    await admin.connect();
    try {
      for (const service of CONSUMERS) {
        const stoppingAt = Date.now();
        const ended = await stack().terminate(service);
        const stoppedIn = Date.now() - stoppingAt;
        expect({ service, ...ended }).toEqual({ service, code: 0, signal: null });
        // Without a LeaveGroup the dead member would stay in the group until its session ran out.
        const { groups } = await admin.describeGroups([`${stack().prefix}${service}`]);
        expect({ service, members: groups[0]?.members.length }).toEqual({ service, members: 0 });
        console.log(`${service}: SIGTERM to exit 0 in ${stoppedIn} ms, group ${groups[0]?.state}`);
        await stack().startInstance(service, 0);
      }
    } finally {
      await admin.disconnect();
    }
    const workOrderId = await report('No hot water in the kitchen');
    await routedAt(workOrderId);
    await timelineWith(workOrderId, [EventTypes.WorkOrderReported, EventTypes.SlaTargetsSet]);
  }, 240_000);

  it('works on after every database session is ended (a PostgreSQL restart, seen from the services), none of them restarted', async () => {
    const { rows } = await stack().db.pool.query<{ ended: number }>(
      `SELECT count(*)::int AS ended FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`,
    );
    expect(rows[0]?.ended).toBeGreaterThan(5);
    const endedAt = Date.now();
    // An integrator retries what failed with the same Idempotency-Key; a request may meet a connection that has not
    // yet heard its session end.
    const key = randomUUID();
    const accepted = await eventually('intake to accept a report again', async () => {
      const answer = await post(
        `${urls.intake}/v1/reports`,
        {
          siteId: 'S1',
          building: 'B4',
          unit: '0101',
          channel: 'phone',
          description: 'Water dripping from the ceiling light',
        },
        { 'idempotency-key': key },
      );
      return answer.status === 202 || answer.status === 200 ? answer : undefined;
    });
    const workOrderId = accepted.body['workOrderId'] as string;
    const routed = await routedAt(workOrderId);
    await timelineWith(workOrderId, [EventTypes.WorkOrderReported, EventTypes.SlaTargetsSet]);
    console.log(`database sessions ended: a new report routed ${routed - endedAt} ms later`);
    for (const service of SERVICES)
      expect({ service, running: stack().running(service) }).toEqual({ service, running: [0] });
  }, 120_000);
});
