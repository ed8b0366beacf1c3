import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { BatchedCloudEvent, inConsumerTransaction, InboundCloudEvent } from '@closeloop/messaging';
import { SlaPolicySchema, slaStream } from '@closeloop/sla-domain';
import { roundTheClockSlaTiers, useSuiteDatabase } from '@closeloop/testing';
import { ScheduleCallbackKafkaController } from '../callback-timers/schedule-callback.kafka.controller';
import { TimerStore, timerIdOf } from '../callback-timers/timer-store';
import { SlaTimerConfig } from '../sla-timer.config';
import { SlaClockOnWorkOrderEvents } from '../start-clock/sla-clock-on-work-order-events.kafka.controller';
import { SlaClockService } from '../start-clock/sla-clock.service';
import { OrderLifecycleRepository } from './order-lifecycle.repository';

const policy = SlaPolicySchema.parse({ id: 'int-test', tiers: roundTheClockSlaTiers });
const DAY = 24 * 3600;

/**
 * sla-timer's own lifecycle view, kept from `workorders.events` (real PostgreSQL, the controllers the Kafka transport
 * calls): the clocks start from the report it recorded, and a resolution's timers get the round of the reopens
 * before it in the log, whether events arrive twice or a dead-lettered one is replayed after later ones.
 */
describe("sla-timer's view of the order's lifecycle", () => {
  const suite = useSuiteDatabase('sla_lifecycle', {
    with: ({ db, store }) => {
      const timers = new TimerStore(db.pool);
      const clocks = new SlaClockService(store, policy, timers);
      const lifecycle = new OrderLifecycleRepository(db.pool);
      const config = { CALLBACK_AFTER_SECONDS: DAY, CLOSE_UNCONFIRMED_AFTER_SECONDS: 3 * DAY } as SlaTimerConfig;
      return {
        lifecycle,
        clockEvents: new SlaClockOnWorkOrderEvents(clocks, lifecycle),
        resolutions: new ScheduleCallbackKafkaController(timers, lifecycle, config, clocks),
      };
    },
  });
  let position = 1_000;

  /** An event as the relay publishes it: the next position in the log. */
  const published = (
    workOrderId: string,
    type: string,
    data: Record<string, unknown>,
    time: string,
  ): InboundCloudEvent => {
    const event: CloudEvent = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'closeloop/dispatch',
      type,
      time,
      datacontenttype: 'application/json',
      data: { workOrderId, ...data },
      workorderid: workOrderId,
      correlationid: randomUUID(),
      sequence: String(++position),
    };
    return { event, topic: 'workorders.events', partition: 0, offset: String(position), key: workOrderId };
  };

  const reported = (workOrderId: string, reportedAt: string) =>
    published(
      workOrderId,
      EventTypes.WorkOrderReported,
      {
        number: 'S1-20261123-0001',
        siteId: 'S1',
        channel: 'phone',
        reporter: {},
        description: 'Lift stuck on floor 3',
        reportedAt,
      },
      reportedAt,
    );
  const triaged = (workOrderId: string, at: string) =>
    published(
      workOrderId,
      EventTypes.WorkOrderTriaged,
      { tier: 'urgent', category: 'lift', ruleId: 'lift', reason: 'lifts are urgent', triagedAt: at },
      at,
    );
  const resolved = (workOrderId: string, resolvedAt: string) =>
    published(
      workOrderId,
      EventTypes.WorkOrderResolved,
      { by: { staffId: 's1-li-na', name: 'Li Na' }, notes: 'Reset the controller', photoRefs: [], resolvedAt },
      resolvedAt,
    );
  const reopened = (workOrderId: string, round: number, reopenedAt: string) =>
    published(
      workOrderId,
      EventTypes.WorkOrderReopened,
      { trigger: 'resident-rejected', reason: 'still stuck', round, reopenedAt },
      reopenedAt,
    );

  const loopTimers = async (workOrderId: string) =>
    (
      await suite.db.pool.query<{ timer_id: string; kind: string; round: number; due_at: Date }>(
        `SELECT timer_id, kind, round, due_at FROM sla_timer_timers WHERE work_order_id = $1 AND kind NOT LIKE 'sla:%' ORDER BY round, kind`,
        [workOrderId],
      )
    ).rows.map((r) => ({ ...r, due_at: r.due_at.toISOString() }));

  it('starts the clocks from the report it recorded, without reading the work-order stream', async () => {
    const workOrderId = randomUUID();
    await suite.clockEvents.onReported(reported(workOrderId, '2026-11-23T01:00:00.000Z'));
    await suite.clockEvents.onTriaged(triaged(workOrderId, '2026-11-23T01:05:00.000Z'));

    const [set] = await suite.store.readStream(slaStream(workOrderId));
    expect(set).toMatchObject({
      type: EventTypes.SlaTargetsSet,
      data: expect.objectContaining({ siteId: 'S1', responseDueAt: '2026-11-23T01:30:00.000Z' }),
    });
    expect(await suite.store.readStream(`workorder-${workOrderId}`)).toEqual([]);
  });

  const slaTimers = async (workOrderId: string) =>
    (
      await suite.db.pool.query<{ kind: string }>(
        `SELECT kind FROM sla_timer_timers WHERE work_order_id = $1 AND kind LIKE 'sla:%' ORDER BY kind`,
        [workOrderId],
      )
    ).rows.map((r) => r.kind);

  /** Hands the records to the controller as one partition batch, in one transaction, as the consumer does (ADR 36). */
  const deliverInBatch = (records: readonly InboundCloudEvent[]) =>
    inConsumerTransaction(suite.db.pool, async (transaction) => {
      for (const record of records) {
        const batched: BatchedCloudEvent = { ...record, transaction };
        if (record.event.type === EventTypes.WorkOrderReported) await suite.clockEvents.onReported(batched);
        else await suite.clockEvents.onTriaged(batched);
      }
    });

  it("starts the clocks of a batch's orders from reports in the same batch, and schedules their timers with it", async () => {
    const orders = [randomUUID(), randomUUID()];
    await deliverInBatch(
      orders.flatMap((id) => [reported(id, '2026-11-23T01:00:00.000Z'), triaged(id, '2026-11-23T01:05:00.000Z')]),
    );
    for (const id of orders) {
      expect((await suite.store.readStream(slaStream(id))).map((e) => e.type)).toEqual([EventTypes.SlaTargetsSet]);
      expect(await slaTimers(id)).toHaveLength(4);
    }
  });

  it('keeps no view row nor timer of a batch that fails half-way, and its records handled again append nothing twice', async () => {
    const workOrderId = randomUUID();
    const records = [
      reported(workOrderId, '2026-11-23T01:00:00.000Z'),
      triaged(workOrderId, '2026-11-23T01:05:00.000Z'),
      // Never reported: fails the batch after the first order's clocks were appended.
      triaged(randomUUID(), '2026-11-23T01:06:00.000Z'),
    ];
    await expect(deliverInBatch(records)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await suite.lifecycle.startOf(workOrderId)).toBeUndefined();
    expect(await slaTimers(workOrderId)).toEqual([]);
    // The append is the store's own (ADR 36): it stays, and is the cause's one act on the clocks.
    expect(await suite.store.readStream(slaStream(workOrderId))).toHaveLength(1);

    // What the consumer then does: each record on its own, the poison one refused again.
    await suite.clockEvents.onReported(records[0]!);
    await suite.clockEvents.onTriaged(records[1]!);
    await expect(suite.clockEvents.onTriaged(records[2]!)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await suite.lifecycle.startOf(workOrderId)).toEqual({
      siteId: 'S1',
      reportedAt: new Date('2026-11-23T01:00:00.000Z'),
    });
    expect(await suite.store.readStream(slaStream(workOrderId))).toHaveLength(1);
    expect(await slaTimers(workOrderId)).toHaveLength(4);
  });

  it('records a report delivered twice once, the first report winning', async () => {
    const workOrderId = randomUUID();
    const report = reported(workOrderId, '2026-11-23T01:00:00.000Z');
    await suite.clockEvents.onReported(report);
    await suite.clockEvents.onReported(report);
    await suite.clockEvents.onReported(reported(workOrderId, '2026-11-24T01:00:00.000Z'));
    expect(await suite.lifecycle.startOf(workOrderId)).toEqual({
      siteId: 'S1',
      reportedAt: new Date('2026-11-23T01:00:00.000Z'),
    });
  });

  it('dead-letters a triage whose report it never saw, as a missing order', async () => {
    await expect(suite.clockEvents.onTriaged(triaged(randomUUID(), '2026-11-23T01:05:00.000Z'))).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it("gives each resolution's timers the round of the reopens before it, redelivered or replayed out of order", async () => {
    const workOrderId = randomUUID();
    await suite.clockEvents.onReported(reported(workOrderId, '2026-11-23T01:00:00.000Z'));
    await suite.clockEvents.onTriaged(triaged(workOrderId, '2026-11-23T01:05:00.000Z'));
    const first = resolved(workOrderId, '2026-11-23T02:00:00.000Z');
    const reopen = reopened(workOrderId, 1, '2026-11-23T03:00:00.000Z');
    const second = resolved(workOrderId, '2026-11-23T04:00:00.000Z');

    await suite.resolutions.onResolved(first);
    await suite.clockEvents.onReopened(reopen);
    await suite.resolutions.onResolved(second);
    const expected = [
      {
        timer_id: timerIdOf(workOrderId, 'callback-due', 0),
        kind: 'callback-due',
        round: 0,
        due_at: '2026-11-24T02:00:00.000Z',
      },
      {
        timer_id: timerIdOf(workOrderId, 'close-unconfirmed', 0),
        kind: 'close-unconfirmed',
        round: 0,
        due_at: '2026-11-26T02:00:00.000Z',
      },
      {
        timer_id: timerIdOf(workOrderId, 'callback-due', 1),
        kind: 'callback-due',
        round: 1,
        due_at: '2026-11-24T04:00:00.000Z',
      },
      {
        timer_id: timerIdOf(workOrderId, 'close-unconfirmed', 1),
        kind: 'close-unconfirmed',
        round: 1,
        due_at: '2026-11-26T04:00:00.000Z',
      },
    ];
    expect(await loopTimers(workOrderId)).toEqual(expected);

    // Everything again, the first resolution last, as a replay from the dead-letter topic would deliver it.
    await suite.clockEvents.onReopened(reopen);
    await suite.resolutions.onResolved(second);
    await suite.resolutions.onResolved(first);
    expect(await loopTimers(workOrderId)).toEqual(expected);
  });

  it('places a resolution by the reopens before it in the log, whatever order the reopens arrived in', async () => {
    const workOrderId = randomUUID();
    await suite.lifecycle.recordReopened(workOrderId, 2, '300');
    await suite.lifecycle.recordReopened(workOrderId, 1, '100');
    await suite.lifecycle.recordReopened(workOrderId, 2, '300');
    expect(await Promise.all(['50', '200', '400'].map((at) => suite.lifecycle.roundAt(workOrderId, at)))).toEqual([
      0, 1, 2,
    ]);
    expect(await suite.lifecycle.roundAt(workOrderId, undefined)).toBe(2);
    expect(await suite.lifecycle.roundAt(randomUUID(), '400')).toBe(0);
  });
});
