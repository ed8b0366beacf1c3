import { randomUUID } from 'node:crypto';
import { useSuiteDatabase } from '@closeloop/testing';
import { TimerStore } from './timer-store';

describe('TimerStore on real PostgreSQL', () => {
  const suite = useSuiteDatabase('timers', { with: ({ db }) => ({ timers: new TimerStore(db.pool) }) });

  it('schedules one timer per order, kind and round however often it is asked', async () => {
    const order = randomUUID();
    const due = new Date(Date.now() - 1000);
    await suite.timers.schedule(order, 'callback-due', 0, due);
    await suite.timers.schedule(order, 'callback-due', 0, due);
    await suite.timers.schedule(order, 'callback-due', 1, due);
    const { rows } = await suite.db.pool.query(
      'SELECT round FROM sla_timer_timers WHERE work_order_id = $1 ORDER BY round',
      [order],
    );
    expect(rows.map((r) => r.round)).toEqual([0, 1]);
  });

  it('never hands one due timer to two claimers racing for a burst due at the same instant', async () => {
    const instant = new Date(Date.now() - 5_000);
    const orders: string[] = Array.from({ length: 300 }, () => randomUUID());
    for (const order of orders) await suite.timers.schedule(order, 'close-unconfirmed', 0, instant);
    const claimedBy = async (): Promise<string[]> => {
      const mine: string[] = [];
      for (let batch = await suite.timers.claimDue(25); batch.length > 0; batch = await suite.timers.claimDue(25))
        mine.push(...batch.map((t) => t.workOrderId));
      return mine;
    };
    const [a, b, c] = await Promise.all([claimedBy(), claimedBy(), claimedBy()]);
    const all = [...a, ...b, ...c].filter((id) => orders.includes(id));
    expect(new Set(all).size).toBe(orders.length);
    expect(all).toHaveLength(orders.length);
  });

  it('claims and fires due timers while a long transaction elsewhere holds back the snapshot horizon', async () => {
    const idle = await suite.db.pool.connect();
    try {
      // A writer that stays open, as a forgotten psql session or a slow batch job would.
      await idle.query('BEGIN');
      await idle.query("INSERT INTO es_checkpoints (subscriber, checkpoint) VALUES ('long-running-test', '0:0')");
      const order = randomUUID();
      await suite.timers.schedule(order, 'callback-due', 0, new Date(Date.now() - 1_000));
      const claimed = await suite.timers.claimDue(1000);
      const mine = claimed.find((t) => t.workOrderId === order);
      expect(mine).toBeDefined();
      await suite.timers.markFired(mine!.timerId);
      const { rows } = await suite.db.pool.query('SELECT fired_at FROM sla_timer_timers WHERE timer_id = $1', [
        mine!.timerId,
      ]);
      expect(rows[0].fired_at).toBeInstanceOf(Date);
    } finally {
      await idle.query('ROLLBACK');
      idle.release();
    }
  });

  it('leaves a timer that is not due yet, and gives a failed one back for a later retry', async () => {
    const later = randomUUID();
    await suite.timers.schedule(later, 'callback-due', 0, new Date(Date.now() + 60_000));
    const failing = randomUUID();
    await suite.timers.schedule(failing, 'callback-due', 0, new Date(Date.now() - 1_000));
    const first = (await suite.timers.claimDue(1000)).map((t) => t.workOrderId);
    expect(first).toContain(failing);
    expect(first).not.toContain(later);
    const timer = first.indexOf(failing);
    expect(timer).toBeGreaterThanOrEqual(0);
    const { rows } = await suite.db.pool.query<{ timer_id: string }>(
      'SELECT timer_id FROM sla_timer_timers WHERE work_order_id = $1',
      [failing],
    );
    await suite.timers.release(rows[0]!.timer_id, 'database unreachable', 1);
    expect((await suite.timers.claimDue(1000)).map((t) => t.workOrderId)).not.toContain(failing);
    await new Promise((r) => setTimeout(r, 1_200));
    const retried = await suite.timers.claimDue(1000);
    expect(retried.find((t) => t.workOrderId === failing)?.attempts).toBe(2);
    await suite.timers.markFired(rows[0]!.timer_id);
    const { rows: fired } = await suite.db.pool.query(
      'SELECT fired_at, last_error FROM sla_timer_timers WHERE timer_id = $1',
      [rows[0]!.timer_id],
    );
    expect(fired[0]).toMatchObject({ fired_at: expect.any(Date), last_error: null });
  });

  it('gives back timers claimed but never fired (a graceful shutdown) for the next claim at once, not counted as an attempt', async () => {
    const order = randomUUID();
    await suite.timers.schedule(order, 'close-unconfirmed', 0, new Date(Date.now() - 1_000));
    const first = (await suite.timers.claimDue(1000)).find((t) => t.workOrderId === order);
    expect(first?.attempts).toBe(1);
    expect((await suite.timers.claimDue(1000)).some((t) => t.workOrderId === order)).toBe(false); // claimed: nobody else takes it

    await suite.timers.releaseUnfired([first!.timerId]);
    const again = (await suite.timers.claimDue(1000)).find((t) => t.workOrderId === order);
    expect(again).toMatchObject({ timerId: first!.timerId, attempts: 1 });
  });
});
