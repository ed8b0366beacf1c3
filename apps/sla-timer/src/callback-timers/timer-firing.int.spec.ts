import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { slaStream } from '@closeloop/sla-domain';
import { adminJson, eventuallyWhere, runAdminCli, useSuiteDatabase } from '@closeloop/testing';
import { Producer, ProducerRecord } from 'kafkajs';
import { SlaClockService } from '../start-clock/sla-clock.service';
import { startClocksAtS1 } from '../start-clock/sla-clock-under-test.spec';
import { timerRetryDelaySeconds } from './timer-firing.service';
import { shippedPolicy, startTimerFiring } from './timer-firing-under-test.spec';
import { WorkOrderCommandSender } from './work-order-command.sender';

/**
 * A timer that keeps failing (the broker does not take its command) is given up on after the configured attempts,
 * waits as failed without being claimed again, and fires once an operator retries it with the admin tool: real
 * PostgreSQL, the real firing loop, the admin tool as a separate process; a producer that fails until repaired.
 */
describe('a timer that keeps failing', () => {
  let brokerDown = true;
  const sent: ProducerRecord[] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      if (brokerDown) throw new Error('KafkaJSNumberOfRetriesExceeded: the broker is not available');
      sent.push(record);
      return [];
    },
  } as unknown as Producer;
  const suite = useSuiteDatabase('timer_firing', {
    with: ({ db, store }) =>
      startTimerFiring(store, db.pool, new WorkOrderCommandSender(producer, 'workorders.commands')),
    stop: ({ firing }) => firing.onApplicationShutdown(),
  });

  const rowOf = async (timerId: string) =>
    (
      await suite.db.pool.query<{
        attempts: number;
        failed_at: Date | null;
        fired_at: Date | null;
        last_error: string | null;
      }>('SELECT attempts, failed_at, fired_at, last_error FROM sla_timer_timers WHERE timer_id = $1', [timerId])
    ).rows[0];

  it('backs off exponentially up to its cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => timerRetryDelaySeconds(n, 2, 300))).toEqual([
      2, 4, 8, 16, 32, 64, 128, 256, 300, 300,
    ]);
  });

  it('is failed after TIMER_MAX_ATTEMPTS, stays failed, is listed, and fires again once an operator retries it', async () => {
    const workOrderId = randomUUID();
    await suite.timers.schedule(workOrderId, 'callback-due', 0, new Date(Date.now() - 1_000));
    const { rows } = await suite.db.pool.query<{ timer_id: string }>(
      'SELECT timer_id FROM sla_timer_timers WHERE work_order_id = $1',
      [workOrderId],
    );
    const timerId = rows[0]!.timer_id;

    const failed = await eventuallyWhere(
      'the timer failed',
      () => rowOf(timerId),
      (row) => row.failed_at !== null,
      20_000,
    );
    expect(failed).toMatchObject({
      attempts: 3,
      fired_at: null,
      last_error: expect.stringMatching(/broker is not available/),
    });
    await new Promise((r) => setTimeout(r, 1_500)); // a backoff's length and more: a failed timer is not claimed again
    expect((await rowOf(timerId))?.attempts).toBe(3);

    const listed = adminJson<{ failed: number; timers: { timerId: string; workOrderId: string; attempts: number }[] }>(
      await runAdminCli(suite.db.url, 'timers', 'list-failed', '--json'),
    );
    expect(listed.failed).toBe(1);
    expect(listed.timers).toEqual([expect.objectContaining({ timerId, workOrderId, attempts: 3 })]);

    // The cause is repaired (the broker is back); the operator fires the timer again.
    brokerDown = false;
    const retried = adminJson<{ retried: string[] }>(
      await runAdminCli(suite.db.url, 'timers', 'retry', timerId, '--json'),
    );
    expect(retried.retried).toEqual([timerId]);
    const fired = await eventuallyWhere(
      'the retried timer fired',
      () => rowOf(timerId),
      (row) => row.fired_at !== null,
      20_000,
    );
    expect(fired).toMatchObject({ failed_at: null, last_error: null, attempts: 1 });
    expect(sent).toEqual([
      expect.objectContaining({
        topic: 'workorders.commands',
        acks: -1,
        messages: [expect.objectContaining({ key: workOrderId })],
      }),
    ]);

    const again = await runAdminCli(suite.db.url, 'timers', 'retry', timerId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Failed timer ${timerId} was not found`);
    const usage = await runAdminCli(suite.db.url, 'timers', 'retry', timerId, '--all');
    expect(usage.code).toBe(2);
  }, 60_000);
});

/**
 * SLA timers long overdue (sla-timer was down) fire in batches (docs/adr/0037-timer-batches.md): several orders' due
 * warnings, breaches and escalations, four or more of each order in one claimed batch, of which one per order fires
 * with the batch and the rest one by one, racing it on the order's stream. Every breach and escalation is recorded
 * once, and every due timer ends fired.
 */
describe('overdue SLA timers of several orders', () => {
  const suite = useSuiteDatabase('timer_batches', {
    with: ({ db, store }) =>
      startTimerFiring(store, db.pool, new WorkOrderCommandSender({} as Producer, 'workorders.commands')),
    stop: ({ firing }) => firing.onApplicationShutdown(),
  });

  it('records each breach and escalation once and marks every due timer fired', async () => {
    const orders = Array.from({ length: 6 }, () => randomUUID());
    // Reported two and a half hours ago: both targets of the urgent tier (30 min, 2 h) breached, and the response's
    // escalations (15 and 30 min apart) all due; the resolution's third level is still ahead.
    const reportedAt = new Date(Date.now() - 9_000_000);
    const clocks = new SlaClockService(suite.store, shippedPolicy(), suite.timers);
    for (const workOrderId of orders)
      await startClocksAtS1(clocks, workOrderId, 'urgent', reportedAt, `t-${workOrderId}`);

    const escalationsOf = async (workOrderId: string) =>
      (await suite.store.readStream(slaStream(workOrderId)))
        .filter((e) => e.type === EventTypes.SlaEscalated)
        .map((e) => `${(e.data as { target: string }).target}:${(e.data as { level: number }).level}`)
        .sort();
    for (const workOrderId of orders)
      await eventuallyWhere(
        `the escalations of order ${workOrderId}`,
        () => escalationsOf(workOrderId),
        (levels) => levels.length >= 5,
        30_000,
      );
    await new Promise((r) => setTimeout(r, 500)); // a few more polls: anything fired twice would show now

    for (const workOrderId of orders) {
      const events = await suite.store.readStream(slaStream(workOrderId));
      expect(
        events
          .filter((e) => e.type === EventTypes.SlaBreached)
          .map((e) => (e.data as { target: string }).target)
          .sort(),
      ).toEqual(['resolution', 'response']);
      expect(await escalationsOf(workOrderId)).toEqual([
        'resolution:1',
        'resolution:2',
        'response:1',
        'response:2',
        'response:3',
      ]);
    }
    const { rows } = await suite.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_timer_timers
       WHERE work_order_id = ANY($1::uuid[]) AND due_at <= now() AND (fired_at IS NULL OR failed_at IS NOT NULL)`,
      [orders],
    );
    expect(rows[0]?.n).toBe(0);
  }, 60_000);
});
