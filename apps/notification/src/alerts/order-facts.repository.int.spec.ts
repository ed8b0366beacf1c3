import { randomUUID } from 'node:crypto';
import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { inConsumerTransaction } from '@closeloop/messaging';
import { recordEvents, useSuiteDatabase } from '@closeloop/testing';
import { rebuildAlertReadModel } from './alert.projection';
import { at, burstPipeReported, burstPipeTargetsSet, liNa } from './order-facts-under-test.spec';
import { OrderFactsRepository } from './order-facts.repository';
import { OrderSnapshots } from './order-snapshot';

describe('notification_order_facts, kept from workorders.events', () => {
  const suite = useSuiteDatabase('order_facts', {
    with: ({ db }) => {
      const facts = new OrderFactsRepository(db.pool);
      return { facts, orders: new OrderSnapshots(facts) };
    },
  });

  /** One order's events as the relay publishes them: each with its log position, the order's streams interleaved. */
  const anOrder = () => {
    const workOrderId = randomUUID();
    let position = 100;
    const published = (event: DomainEvent, recordedAt: string) => ({
      event,
      position: String((position += 10)),
      recordedAt,
    });
    return {
      workOrderId,
      reported: published(burstPipeReported(workOrderId), at(0)),
      triaged: published(
        {
          type: EventTypes.WorkOrderTriaged,
          data: { workOrderId, tier: 'urgent', category: 'plumbing', ruleId: 'r1', reason: 'water', triagedAt: at(0) },
        },
        at(0),
      ),
      targetsSet: published(burstPipeTargetsSet(workOrderId), at(0)),
      assigned: published(
        {
          type: EventTypes.WorkOrderAssigned,
          data: { workOrderId, owner: liNa, teamId: 'plumbers', ruleId: 'r2', reason: 'roster', assignedAt: at(2) },
        },
        at(2),
      ),
      paused: published({ type: EventTypes.SlaClockPaused, data: { workOrderId, pausedAt: at(10) } }, at(10)),
      resumed: published(
        {
          type: EventTypes.SlaClockResumed,
          data: { workOrderId, resumedAt: at(40), pausedSeconds: 1800, resolutionDueAt: at(270) },
        } as DomainEvent,
        at(40),
      ),
      recomputed: published(
        {
          type: EventTypes.SlaDeadlinesRecomputed,
          data: { workOrderId, policyId: 'p1', policyVersion: 2, responseDueAt: at(20), recomputedAt: at(41) },
        } as DomainEvent,
        at(41),
      ),
      restarted: published(
        {
          type: EventTypes.SlaClockRestarted,
          data: { workOrderId, round: 1, restartedAt: at(50), resolutionDueAt: at(290) },
        } as DomainEvent,
        at(50),
      ),
      stopped: published(
        { type: EventTypes.SlaClockStopped, data: { workOrderId, stoppedAt: at(55), reason: 'cancelled' } },
        at(55),
      ),
    };
  };

  it('tells an alert what the order is, who owns it and what happened lately', async () => {
    const order = anOrder();
    for (const source of [order.reported, order.triaged, order.targetsSet, order.assigned])
      await suite.facts.record(order.workOrderId, source);
    expect(await suite.orders.of(order.workOrderId)).toEqual({
      workOrderId: order.workOrderId,
      number: 'S1-20261204-0001',
      siteId: 'S1',
      building: 'B2',
      unit: '0101',
      category: 'plumbing',
      tier: 'urgent',
      description: 'Burst pipe',
      reporterPhone: '13812345678',
      owner: liNa,
      status: 'assigned',
      recentEvents: [
        { type: 'reported', at: at(0) },
        { type: 'triaged', at: at(0) },
        { type: 'assigned', at: at(2) },
      ],
    });
    expect(await suite.orders.slaDueAtOf(order.workOrderId, 'response')).toBe(at(15));
  });

  it('changes nothing when events are delivered again, or an older one after a newer one', async () => {
    const order = anOrder();
    const inOrder = [order.reported, order.triaged, order.targetsSet, order.assigned, order.paused, order.resumed];
    for (const source of inOrder) await suite.facts.record(order.workOrderId, source);
    const once = await suite.facts.find(order.workOrderId);
    // A consumer redelivering from its last commit, and a relay publishing a batch again after a crash.
    for (const source of [...inOrder.slice(2), ...inOrder]) await suite.facts.record(order.workOrderId, source);
    await Promise.all(inOrder.map((source) => suite.facts.record(order.workOrderId, source)));
    expect(await suite.facts.find(order.workOrderId)).toEqual(once);
    expect((await suite.orders.of(order.workOrderId))?.recentEvents).toHaveLength(3);
  });

  describe('a consumer batch (ADR 48)', () => {
    const inBatch = (facts: readonly { workOrderId: string; source: ReturnType<typeof anOrder>['reported'] }[]) =>
      inConsumerTransaction(suite.db.pool, async (transaction) => {
        const batch = suite.facts.inBatch(transaction);
        for (const { workOrderId, source } of facts) batch.add(workOrderId, source);
      });
    // An order's row as it would be any other order's: without its id and the time it was written.
    const rowOf = async (workOrderId: string) =>
      (
        await suite.db.pool.query<{ row: unknown }>(
          `SELECT to_jsonb(f) - 'work_order_id' - 'updated_at' AS row FROM notification_order_facts f
           WHERE work_order_id = $1`,
          [workOrderId],
        )
      ).rows[0]?.row;

    it("leaves each order's facts as its events one by one would, redeliveries and all", async () => {
      const [batched, alone, other] = [anOrder(), anOrder(), anOrder()];
      const sequence = (order: ReturnType<typeof anOrder>) => [
        order.reported,
        order.triaged,
        order.targetsSet,
        order.assigned,
        order.triaged, // delivered again
        order.paused,
        order.resumed,
        order.restarted,
      ];
      await suite.facts.record(batched.workOrderId, batched.reported);
      await suite.facts.record(alone.workOrderId, alone.reported);
      // Two orders interleaved in one batch, one of them with a row already.
      const b = sequence(batched).map((source) => ({ workOrderId: batched.workOrderId, source }));
      const o = sequence(other).map((source) => ({ workOrderId: other.workOrderId, source }));
      await inBatch(b.flatMap((fact, i) => [fact, ...(o[i] ? [o[i]] : [])]));
      for (const source of sequence(alone)) await suite.facts.record(alone.workOrderId, source);

      const expected = await rowOf(alone.workOrderId);
      expect(await rowOf(batched.workOrderId)).toEqual(expected);
      expect(await rowOf(other.workOrderId)).toEqual(expected);
    });

    it('finds the facts its earlier records changed, before its COMMIT', async () => {
      const order = anOrder();
      let seen: string | null | undefined;
      await inConsumerTransaction(suite.db.pool, async (transaction) => {
        const batch = suite.facts.inBatch(transaction);
        batch.add(order.workOrderId, order.reported);
        seen = (await batch.find(order.workOrderId))?.siteId;
        batch.add(order.workOrderId, order.assigned);
      });
      expect(seen).toBe('S1');
      expect((await suite.facts.find(order.workOrderId))?.owner).toEqual(liNa);
    });

    it('writes none of its orders when the write of one fails half-way', async () => {
      const [first, second] = [anOrder(), anOrder()];
      await suite.facts.record(first.workOrderId, first.reported);
      const before = await rowOf(first.workOrderId);
      await suite.db.pool.query(`CREATE FUNCTION test_fail_second_order() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.work_order_id = '${second.workOrderId}' THEN RAISE EXCEPTION 'the connection dropped half-way'; END IF;
          RETURN NEW;
        END $$`);
      await suite.db.pool.query(
        `CREATE TRIGGER test_fail_second_order BEFORE INSERT OR UPDATE ON notification_order_facts
           FOR EACH ROW EXECUTE FUNCTION test_fail_second_order()`,
      );
      try {
        await expect(
          inBatch([
            { workOrderId: first.workOrderId, source: first.triaged },
            { workOrderId: second.workOrderId, source: second.reported },
            { workOrderId: first.workOrderId, source: first.assigned },
          ]),
        ).rejects.toThrow('the connection dropped half-way');
      } finally {
        await suite.db.pool.query('DROP TRIGGER test_fail_second_order ON notification_order_facts');
        await suite.db.pool.query('DROP FUNCTION test_fail_second_order()');
      }
      expect(await rowOf(first.workOrderId)).toEqual(before);
      expect(await rowOf(second.workOrderId)).toBeUndefined();
    });
  });

  it('knows an order only once its report has arrived', async () => {
    const order = anOrder();
    await suite.facts.record(order.workOrderId, order.targetsSet);
    expect(await suite.orders.of(order.workOrderId)).toBeUndefined();
    await suite.facts.record(order.workOrderId, order.reported);
    expect((await suite.orders.of(order.workOrderId))?.number).toBe('S1-20261204-0001');
  });

  it('keeps the SLA deadlines as the clocks move them: a pause and resume, a recomputation, a restart, a stop', async () => {
    const order = anOrder();
    const due = async () => ({
      response: await suite.orders.slaDueAtOf(order.workOrderId, 'response'),
      resolution: await suite.orders.slaDueAtOf(order.workOrderId, 'resolution'),
    });
    expect(await due()).toEqual({ response: undefined, resolution: undefined });
    await suite.facts.record(order.workOrderId, order.reported);
    await suite.facts.record(order.workOrderId, order.targetsSet);
    expect(await due()).toEqual({ response: at(15), resolution: at(240) });
    await suite.facts.record(order.workOrderId, order.paused);
    expect(await due()).toEqual({ response: at(15), resolution: at(240) });
    await suite.facts.record(order.workOrderId, order.resumed);
    expect(await due()).toEqual({ response: at(15), resolution: at(270) });
    await suite.facts.record(order.workOrderId, order.recomputed);
    expect(await due()).toEqual({ response: at(20), resolution: at(270) });
    await suite.facts.record(order.workOrderId, order.restarted);
    expect(await due()).toEqual({ response: at(20), resolution: at(290) });
    await suite.facts.record(order.workOrderId, order.stopped);
    expect(await due()).toEqual({ response: undefined, resolution: undefined });
  });

  it('tells the round of the resolution clock at a cause, so an escalation redelivered after a reopen keeps its round', async () => {
    const order = anOrder();
    for (const source of [order.reported, order.targetsSet, order.resumed, order.restarted])
      await suite.facts.record(order.workOrderId, source);
    expect(await suite.orders.slaRoundAt(order.workOrderId, 'resolution', order.resumed.position)).toBe(0);
    expect(await suite.orders.slaRoundAt(order.workOrderId, 'resolution', order.restarted.position)).toBe(1);
    expect(
      await suite.orders.slaRoundAt(order.workOrderId, 'resolution', String(Number(order.restarted.position) + 5)),
    ).toBe(1);
    expect(await suite.orders.slaRoundAt(order.workOrderId, 'response', order.restarted.position)).toBe(0);
  });

  it('is filled by a rebuild for orders reported before notification kept its facts (after migration 0023)', async () => {
    const order = anOrder();
    const recordedAs = {
      workOrderId: order.workOrderId,
      correlationId: 'c',
      causationId: 'c',
      actor: { kind: 'system' as const, id: 'test' },
      producer: 'test',
    };
    const recordOn = (streamId: string, ...sources: { event: DomainEvent }[]) =>
      recordEvents(
        suite.store,
        streamId,
        sources.map((source) => source.event),
        recordedAs,
        'no-stream',
      );
    await recordOn(`workorder-${order.workOrderId}`, order.reported, order.triaged, order.assigned);
    await recordOn(`sla-${order.workOrderId}`, order.targetsSet, order.paused, order.resumed);
    expect(await suite.orders.of(order.workOrderId)).toBeUndefined();

    const report = await rebuildAlertReadModel({ pool: suite.db.pool, store: suite.store, swap: true });

    expect(report.swapped).toBe(true);
    expect(await suite.orders.of(order.workOrderId)).toMatchObject({
      number: 'S1-20261204-0001',
      tier: 'urgent',
      owner: liNa,
      status: 'assigned',
    });
    expect((await suite.orders.of(order.workOrderId))?.recentEvents.map((e) => e.type)).toEqual([
      'reported',
      'triaged',
      'assigned',
    ]);
    expect(await suite.orders.slaDueAtOf(order.workOrderId, 'resolution')).toBe(at(270));
    // The facts kept live before the rebuild are still there, as the rebuild folded them again.
    expect(await suite.facts.find(order.workOrderId)).toBeDefined();
  });
});
