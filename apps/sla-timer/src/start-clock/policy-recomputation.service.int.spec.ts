import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventTypes } from '@closeloop/contracts';
import { migrationsDirectory } from '@closeloop/database';
import { SlaPolicy, SlaPolicySchema, slaStream } from '@closeloop/sla-domain';
import { useSuiteDatabase } from '@closeloop/testing';
import { TimerStore } from '../callback-timers/timer-store';
import { OrderLifecycleRepository } from '../order-lifecycle/order-lifecycle.repository';
import { AppliedPolicyRepository } from './applied-policy.repository';
import { PolicyRecomputationService } from './policy-recomputation.service';
import { holidayData } from './site-calendars';
import { startClocksAtS1 } from './sla-clock-under-test.spec';
import { SlaClockService } from './sla-clock.service';

const policy = (version: number, closedOn: string[], warningFraction = 0.8) =>
  SlaPolicySchema.parse({
    id: 'office',
    version,
    warningFraction,
    calendar: { timeZone: 'Asia/Shanghai', opens: '08:30', closes: '17:30', closedOn },
    tiers: {
      urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
      normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
      planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
    },
  });

const clock = { now: () => new Date('2026-11-28T10:00:00+08:00') };

describe('recomputing open orders when sla-timer starts with a corrected policy or newer holiday data (real PostgreSQL)', () => {
  const suite = useSuiteDatabase('sla_recompute', { perTest: true });

  const clocksUnder = (slaPolicy: SlaPolicy) =>
    new SlaClockService(suite.store, slaPolicy, new TimerStore(suite.db.pool));
  const recomputation = (slaPolicy: SlaPolicy) =>
    new PolicyRecomputationService(
      new AppliedPolicyRepository(suite.db.pool),
      slaPolicy,
      clock,
      clocksUnder(slaPolicy),
    );
  const FRIDAY_16 = new Date('2026-11-27T16:00:00+08:00');
  /** The report as sla-timer's lifecycle view records it from workorders.events, before any clock of the order starts. */
  const known = (workOrderId: string) =>
    new OrderLifecycleRepository(suite.db.pool).recordReported(workOrderId, { siteId: 'S1', reportedAt: FRIDAY_16 });
  /** A normal order reported Friday 27 November 2026 at 16:00: one working day is due Monday 30 November at 16:00. */
  const reportedFriday = async (slaPolicy: SlaPolicy) => {
    const workOrderId = randomUUID();
    await known(workOrderId);
    await startClocksAtS1(clocksUnder(slaPolicy), workOrderId, 'normal', FRIDAY_16, `t-${workOrderId}`);
    return workOrderId;
  };
  const timeline = async (workOrderId: string) =>
    (await suite.store.readStream(slaStream(workOrderId))).map((e) => e.type);

  it('moves running deadlines past a holiday added late, once, with the change on each timeline, and reschedules the timers', async () => {
    const v1 = policy(1, []);
    await recomputation(v1).recomputeIfNewer();
    const open = await reportedFriday(v1);

    const v2 = policy(2, ['2026-11-30']);
    expect(await recomputation(v2).recomputeIfNewer()).toBe(1);
    expect(await recomputation(v2).recomputeIfNewer()).toBe(0);

    const recorded = await suite.store.readStream(slaStream(open));
    const recomputed = recorded.filter((e) => e.type === EventTypes.SlaDeadlinesRecomputed);
    expect(recomputed).toHaveLength(1);
    expect(recomputed[0]?.data).toMatchObject({ policyVersion: 2, resolutionDueAt: '2026-12-01T08:00:00.000Z' });
    expect(recomputed[0]?.metadata['causationId']).toBe(`policy:office:v2+${holidayData.source}`);
    const { rows } = await suite.db.pool.query<{ kind: string }>(
      'SELECT kind FROM sla_timer_timers WHERE work_order_id = $1 AND kind LIKE $2',
      [open, 'sla:resolution:breach@%'],
    );
    expect(rows.map((r) => r.kind).sort()).toEqual([
      'sla:resolution:breach@2026-11-30T08:00:00.000Z',
      'sla:resolution:breach@2026-12-01T08:00:00.000Z',
    ]);
  });

  it('counts only the orders whose deadlines moved, and leaves a closed order and one the correction does not reach untouched', async () => {
    const v1 = policy(1, []);
    await recomputation(v1).recomputeIfNewer();
    const moved = await reportedFriday(v1);
    const closed = await reportedFriday(v1);
    for (const [happened, at] of [
      ['acknowledged', '2026-11-27T16:10:00+08:00'],
      ['resolved', '2026-11-27T17:00:00+08:00'],
    ] as const) {
      await clocksUnder(v1).apply(
        { type: 'ObserveWorkOrder', workOrderId: closed, happened, at: new Date(at) },
        { correlationId: 'c', causationId: `${happened}-${closed}` },
      );
    }
    const unreached = randomUUID();
    await known(unreached);
    await startClocksAtS1(clocksUnder(v1), unreached, 'urgent', FRIDAY_16, `t-${unreached}`);
    const closedBefore = await timeline(closed);
    const unreachedBefore = await timeline(unreached);

    expect(await recomputation(policy(2, ['2026-11-30'])).recomputeIfNewer()).toBe(1);

    expect(await timeline(moved)).toContain(EventTypes.SlaDeadlinesRecomputed);
    expect(await timeline(closed)).toEqual(closedBefore);
    expect(await timeline(unreached)).toEqual(unreachedBefore);
  });

  it('reschedules a warning moved by a new warning fraction alone: a new timer at the new time, beside the old one, which does nothing', async () => {
    const v1 = policy(1, []);
    await recomputation(v1).recomputeIfNewer();
    const workOrderId = await reportedFriday(v1);
    const halfway = policy(2, [], 0.5);
    expect(await recomputation(halfway).recomputeIfNewer()).toBe(1);

    const { rows } = await suite.db.pool.query<{ kind: string; due_at: Date }>(
      'SELECT kind, due_at FROM sla_timer_timers WHERE work_order_id = $1 AND kind LIKE $2 ORDER BY due_at',
      [workOrderId, 'sla:response:warning@%'],
    );
    // 4 working hours from Friday 16:00: 80 % falls Monday 10:12, half Monday 09:00.
    expect(rows.map((r) => r.due_at.toISOString())).toEqual(['2026-11-30T01:00:00.000Z', '2026-11-30T02:12:00.000Z']);
    expect(rows.map((r) => r.kind)).toEqual([
      'sla:response:warning@2026-11-30T03:00:00.000Z/2026-11-30T01:00:00.000Z',
      'sla:response:warning@2026-11-30T03:00:00.000Z/2026-11-30T02:12:00.000Z',
    ]);

    const clocks = clocksUnder(halfway);
    const fireWarning = (firesAt: string) =>
      clocks.apply(
        {
          type: 'FireSlaTimer',
          workOrderId,
          target: 'response',
          kind: 'warning',
          dueAt: '2026-11-30T03:00:00.000Z',
          firesAt,
          now: new Date(firesAt),
        },
        { correlationId: `timer:${firesAt}`, causationId: `timer:${firesAt}` },
      );
    expect(await fireWarning('2026-11-30T02:12:00.000Z')).toEqual([]);
    expect(await fireWarning('2026-11-30T01:00:00.000Z')).toMatchObject([
      { type: EventTypes.SlaWarningRaised, data: { warnAt: '2026-11-30T01:00:00.000Z' } },
    ]);
  });

  /** A clock as it stood before the upgrade that listed clocks from the lifecycle view: its stream alone. */
  const clockStartedBeforeTheUpgrade = async (workOrderId: string) =>
    suite.store.append(
      slaStream(workOrderId),
      [
        {
          eventId: randomUUID(),
          type: EventTypes.SlaTargetsSet,
          data: {
            workOrderId,
            tier: 'normal',
            policyId: 'office',
            policyVersion: 2,
            siteId: 'S1',
            startedAt: '2026-09-30T07:00:00.000Z',
            responseDueAt: '2026-10-01T02:00:00.000Z',
            resolutionDueAt: '2026-10-01T07:00:00.000Z',
            responseWarnAt: '2026-10-01T01:12:00.000Z',
            resolutionWarnAt: '2026-10-01T05:12:00.000Z',
          },
          metadata: { workOrderId, correlationId: 'c', causationId: `t-${workOrderId}` },
        },
      ],
      'no-stream',
    );

  /** Migration 0026 as the migrator runs it, on a database that has not had it yet. */
  const migrationTo0026 = async () => {
    await suite.db.pool.query('DROP TABLE intake_reports');
    for (const file of ['0005_work_order_lifecycle.sql', '0007_duplicate_lookup.sql']) {
      const sql = readFileSync(join(migrationsDirectory, file), 'utf8');
      await suite.db.pool.query(/CREATE (UNIQUE )?INDEX es_events_[\s\S]*?;/.exec(sql)?.[0] as string);
    }
    await suite.db.pool.query(
      readFileSync(join(migrationsDirectory, '0026_own_tables_instead_of_event_tables.sql'), 'utf8'),
    );
  };

  it('recomputes under the same policy version when the holiday data is newer than the data last applied, once', async () => {
    const v2 = policy(2, []);
    await suite.db.pool.query(
      "INSERT INTO sla_timer_policy_applied (policy_id, version, holiday_data) VALUES ('office', 2, 'chinese-days@1.5.6')",
    );
    // Deadlines as data without the National Day holidays gave them: reported Wednesday 30 September 15:00, due
    // Thursday 1 October at 10:00 and 15:00.
    const workOrderId = randomUUID();
    await known(workOrderId);
    await clockStartedBeforeTheUpgrade(workOrderId);

    expect(await recomputation(v2).recomputeIfNewer()).toBe(1);
    expect(await recomputation(v2).recomputeIfNewer()).toBe(0);

    const recomputed = (await suite.store.readStream(slaStream(workOrderId))).filter(
      (e) => e.type === EventTypes.SlaDeadlinesRecomputed,
    );
    expect(recomputed.map((e) => e.data)).toEqual([
      expect.objectContaining({
        policyVersion: 2,
        responseDueAt: '2026-10-08T02:00:00.000Z',
        resolutionDueAt: '2026-10-08T07:00:00.000Z',
      }),
    ]);
    const { rows } = await suite.db.pool.query<{ version: number; holiday_data: string }>(
      'SELECT version, holiday_data FROM sla_timer_policy_applied',
    );
    expect(rows).toEqual([{ version: 2, holiday_data: holidayData.source }]);
  });

  it('finds a clock started before the upgrade on an order the lifecycle view lacks, once migration 0026 has listed it', async () => {
    await suite.db.pool.query(
      "INSERT INTO sla_timer_policy_applied (policy_id, version, holiday_data) VALUES ('office', 2, 'chinese-days@1.5.6')",
    );
    const workOrderId = randomUUID();
    await clockStartedBeforeTheUpgrade(workOrderId);

    await migrationTo0026();

    expect(await recomputation(policy(2, [])).recomputeIfNewer()).toBe(1);
    expect(await timeline(workOrderId)).toEqual([EventTypes.SlaTargetsSet, EventTypes.SlaDeadlinesRecomputed]);
  });

  it('leaves the clocks alone when neither the policy version nor the holiday data is newer, or the data is older (a rolling deploy)', async () => {
    const v2 = policy(2, ['2026-11-30']);
    const workOrderId = await reportedFriday(policy(1, []));
    await suite.db.pool.query(
      "INSERT INTO sla_timer_policy_applied (policy_id, version, holiday_data) VALUES ('office', 2, $1)",
      [holidayData.source],
    );
    expect(await recomputation(v2).recomputeIfNewer()).toBe(0);
    await suite.db.pool.query("UPDATE sla_timer_policy_applied SET holiday_data = 'chinese-days@99.0.0'");
    expect(await recomputation(v2).recomputeIfNewer()).toBe(0);
    expect(await timeline(workOrderId)).toEqual([EventTypes.SlaTargetsSet]);
  });
});
