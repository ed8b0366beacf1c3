import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { InboundCloudEvent } from '@closeloop/messaging';
import { SlaPolicySchema, slaStream } from '@closeloop/sla-domain';
import { freshDatabase, roundTheClockSlaTiers, TestDatabase } from '@closeloop/testing';
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
  let db: TestDatabase;
  let store: PostgresEventStore;
  let lifecycle: OrderLifecycleRepository;
  let clockEvents: SlaClockOnWorkOrderEvents;
  let resolutions: ScheduleCallbackKafkaController;
  let position = 1_000;

  beforeAll(async () => {
    db = await freshDatabase('sla_lifecycle');
    store = new PostgresEventStore(db.pool);
    const timers = new TimerStore(db.pool);
    const clocks = new SlaClockService(store, policy, timers);
    lifecycle = new OrderLifecycleRepository(db.pool);
    clockEvents = new SlaClockOnWorkOrderEvents(clocks, lifecycle);
    const config = { CALLBACK_AFTER_SECONDS: DAY, CLOSE_UNCONFIRMED_AFTER_SECONDS: 3 * DAY } as SlaTimerConfig;
    resolutions = new ScheduleCallbackKafkaController(timers, lifecycle, config, clocks);
  });

  afterAll(() => db?.drop());

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
      await db.pool.query<{ timer_id: string; kind: string; round: number; due_at: Date }>(
        `SELECT timer_id, kind, round, due_at FROM sla_timer_timers WHERE work_order_id = $1 AND kind NOT LIKE 'sla:%' ORDER BY round, kind`,
        [workOrderId],
      )
    ).rows.map((r) => ({ ...r, due_at: r.due_at.toISOString() }));

  it('starts the clocks from the report it recorded, without reading the work-order stream', async () => {
    const workOrderId = randomUUID();
    await clockEvents.onReported(reported(workOrderId, '2026-11-23T01:00:00.000Z'));
    await clockEvents.onTriaged(triaged(workOrderId, '2026-11-23T01:05:00.000Z'));

    const [set] = await store.readStream(slaStream(workOrderId));
    expect(set).toMatchObject({
      type: EventTypes.SlaTargetsSet,
      data: expect.objectContaining({ siteId: 'S1', responseDueAt: '2026-11-23T01:30:00.000Z' }),
    });
    expect(await store.readStream(`workorder-${workOrderId}`)).toEqual([]);
  });

  it('records a report delivered twice once, the first report winning', async () => {
    const workOrderId = randomUUID();
    const report = reported(workOrderId, '2026-11-23T01:00:00.000Z');
    await clockEvents.onReported(report);
    await clockEvents.onReported(report);
    await clockEvents.onReported(reported(workOrderId, '2026-11-24T01:00:00.000Z'));
    expect(await lifecycle.startOf(workOrderId)).toEqual({
      siteId: 'S1',
      reportedAt: new Date('2026-11-23T01:00:00.000Z'),
    });
  });

  it('dead-letters a triage whose report it never saw, as a missing order', async () => {
    await expect(clockEvents.onTriaged(triaged(randomUUID(), '2026-11-23T01:05:00.000Z'))).rejects.toMatchObject({
      kind: 'not-found',
    });
  });

  it("gives each resolution's timers the round of the reopens before it, redelivered or replayed out of order", async () => {
    const workOrderId = randomUUID();
    await clockEvents.onReported(reported(workOrderId, '2026-11-23T01:00:00.000Z'));
    await clockEvents.onTriaged(triaged(workOrderId, '2026-11-23T01:05:00.000Z'));
    const first = resolved(workOrderId, '2026-11-23T02:00:00.000Z');
    const reopen = reopened(workOrderId, 1, '2026-11-23T03:00:00.000Z');
    const second = resolved(workOrderId, '2026-11-23T04:00:00.000Z');

    await resolutions.onResolved(first);
    await clockEvents.onReopened(reopen);
    await resolutions.onResolved(second);
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
    await clockEvents.onReopened(reopen);
    await resolutions.onResolved(second);
    await resolutions.onResolved(first);
    expect(await loopTimers(workOrderId)).toEqual(expected);
  });

  it('places a resolution by the reopens before it in the log, whatever order the reopens arrived in', async () => {
    const workOrderId = randomUUID();
    await lifecycle.recordReopened(workOrderId, 2, '300');
    await lifecycle.recordReopened(workOrderId, 1, '100');
    await lifecycle.recordReopened(workOrderId, 2, '300');
    expect(await Promise.all(['50', '200', '400'].map((at) => lifecycle.roundAt(workOrderId, at)))).toEqual([0, 1, 2]);
    expect(await lifecycle.roundAt(workOrderId, undefined)).toBe(2);
    expect(await lifecycle.roundAt(randomUUID(), '400')).toBe(0);
  });
});
