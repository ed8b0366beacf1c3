import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { SlaPolicySchema, slaStream } from '@closeloop/sla-domain';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { TimerStore } from '../callback-timers/timer-store';
import { PolicyRecomputationService } from './policy-recomputation.service';
import { SlaClockService } from './sla-clock.service';

const policy = (version: number, closedOn: string[]) =>
  SlaPolicySchema.parse({
    id: 'office',
    version,
    calendar: { timeZone: 'Asia/Shanghai', opens: '08:30', closes: '17:30', closedOn },
    tiers: {
      urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
      normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
      planned: { clock: 'working-time', responseSeconds: 64800, resolutionSeconds: 648000 },
    },
  });

describe('recomputing open orders when sla-timer starts with a corrected policy (real PostgreSQL)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  beforeAll(async () => {
    db = await freshDatabase('sla_recompute');
    store = new PostgresEventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('moves running deadlines past a holiday added late, once, with the change on each timeline, and reschedules the timers', async () => {
    const v1 = policy(1, []);
    const clocksV1 = new SlaClockService(store, v1, new TimerStore(db.pool));
    const clock = { now: () => new Date('2026-11-28T10:00:00+08:00') };
    await new PolicyRecomputationService(db.pool, v1, clock, clocksV1).recomputeIfNewer();
    const open = randomUUID();
    await clocksV1.apply({ type: 'StartSlaClock', workOrderId: open, siteId: 'S1', tier: 'normal', reportedAt: new Date('2026-11-27T16:00:00+08:00') }, { correlationId: 'c', causationId: `t-${open}` });

    const v2 = policy(2, ['2026-11-30']);
    const clocksV2 = new SlaClockService(store, v2, new TimerStore(db.pool));
    const recomputation = new PolicyRecomputationService(db.pool, v2, clock, clocksV2);
    expect(await recomputation.recomputeIfNewer()).toBe(1);
    expect(await recomputation.recomputeIfNewer()).toBe(0);

    const recorded = await store.readStream(slaStream(open));
    const recomputed = recorded.filter((e) => e.type === EventTypes.SlaDeadlinesRecomputed);
    expect(recomputed).toHaveLength(1);
    expect(recomputed[0]?.data).toMatchObject({ policyVersion: 2, resolutionDueAt: '2026-12-01T08:00:00.000Z' });
    expect(recomputed[0]?.metadata['causationId']).toBe('policy:office:v2');
    const { rows } = await db.pool.query<{ kind: string }>('SELECT kind FROM sla_timers WHERE work_order_id = $1 AND kind LIKE $2', [open, 'sla:resolution:breach@%']);
    expect(rows.map((r) => r.kind).sort()).toEqual(['sla:resolution:breach@2026-11-30T08:00:00.000Z', 'sla:resolution:breach@2026-12-01T08:00:00.000Z']);
  });
});
