import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { migrationsDirectory } from '@closeloop/database';
import { recordEvents, useSuiteDatabase } from '@closeloop/testing';
import { OrderLifecycleRepository } from './order-lifecycle.repository';

/**
 * Migration 0022 fills sla-timer's lifecycle view once for orders already under way, from the event tables: without
 * it, an order reopened before the upgrade would get round-0 timers at its next resolution, which dispatch ignores.
 */
describe('migration 0022 on a database with orders under way', () => {
  const suite = useSuiteDatabase('sla_lifecycle_backfill');

  const record = async (workOrderId: string, events: { type: string; data: Record<string, unknown> }[]) => {
    const recorded = await suite.store.readStream(`workorder-${workOrderId}`);
    await recordEvents(
      suite.store,
      `workorder-${workOrderId}`,
      events.map((e) => ({ type: e.type, data: { workOrderId, ...e.data } })),
      { workOrderId, actor: { kind: 'system', id: 'test' }, producer: 'dispatch' },
      recorded.length === 0 ? 'no-stream' : recorded.length,
    );
    return (await suite.store.readStream(`workorder-${workOrderId}`))
      .slice(-events.length)
      .map((e) => e.globalPosition);
  };

  it('records every reported order and the position of each of its reopens', async () => {
    const plain = randomUUID();
    const reopenedTwice = randomUUID();
    const reported = (reportedAt: string, number: string) => ({
      type: EventTypes.WorkOrderReported,
      data: { number, siteId: 'S2', channel: 'app', reporter: {}, description: 'Gate motor dead', reportedAt },
    });
    const reopened = (round: number) => ({
      type: EventTypes.WorkOrderReopened,
      data: { trigger: 'staff', reason: 'again', round, reopenedAt: '2026-11-21T00:00:00.000Z' },
    });
    await record(plain, [reported('2026-11-20T01:00:00.000Z', 'S2-20261120-0007')]);
    await record(reopenedTwice, [reported('2026-11-20T02:00:00.000Z', 'S2-20261120-0008')]);
    const [first] = await record(reopenedTwice, [reopened(1)]);
    const [second] = await record(reopenedTwice, [reopened(2)]);

    // The database as it was before 0022, with those orders in it; then 0022 as the migrator runs it.
    await suite.db.pool.query('DROP TABLE sla_timer_order_lifecycle');
    await suite.db.pool.query(readFileSync(join(migrationsDirectory, '0022_sla_timer_order_lifecycle.sql'), 'utf8'));

    const lifecycle = new OrderLifecycleRepository(suite.db.pool);
    expect(await lifecycle.startOf(plain)).toEqual({ siteId: 'S2', reportedAt: new Date('2026-11-20T01:00:00.000Z') });
    expect(await lifecycle.roundAt(plain, undefined)).toBe(0);
    expect(await lifecycle.startOf(reopenedTwice)).toEqual({
      siteId: 'S2',
      reportedAt: new Date('2026-11-20T02:00:00.000Z'),
    });
    const between = String(BigInt(first as string) + 1n);
    const after = String(BigInt(second as string) + 1n);
    expect(await Promise.all([between, after].map((at) => lifecycle.roundAt(reopenedTwice, at)))).toEqual([1, 2]);
  });
});
