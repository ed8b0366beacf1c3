import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { SlaPolicySchema, slaStream } from '@closeloop/sla-domain';
import { useSuiteDatabase } from '@closeloop/testing';
import { TimerStore } from '../callback-timers/timer-store';
import { SlaClockService } from './sla-clock.service';
import { startClocksAtS1 } from './sla-clock-under-test.spec';

const policy = SlaPolicySchema.parse({
  id: 'int-test',
  tiers: {
    urgent: { responseSeconds: 1800, resolutionSeconds: 7200 },
    normal: { clock: 'working-time', responseSeconds: 14400, resolutionSeconds: 32400 },
    planned: { responseSeconds: 259200, resolutionSeconds: 2592000 },
  },
});

describe('SlaClockService on real PostgreSQL', () => {
  const suite = useSuiteDatabase('sla_clock', {
    with: ({ db, store }) => ({ clocks: new SlaClockService(store, policy, new TimerStore(db.pool)) }),
  });

  const started = async () => {
    const workOrderId = randomUUID();
    await startClocksAtS1(
      suite.clocks,
      workOrderId,
      'urgent',
      new Date('2026-11-23T09:00:00+08:00'),
      `triaged-${workOrderId}`,
    );
    return workOrderId;
  };

  it('schedules the warning and breach timers of both targets with the clock', async () => {
    const workOrderId = await started();
    const { rows } = await suite.db.pool.query<{ kind: string; due_at: Date }>(
      'SELECT kind, due_at FROM sla_timer_timers WHERE work_order_id = $1 ORDER BY due_at',
      [workOrderId],
    );
    expect(rows.map((r) => r.kind.replace(/@.*/, ''))).toEqual([
      'sla:response:warning',
      'sla:response:breach',
      'sla:resolution:warning',
      'sla:resolution:breach',
    ]);
    expect(rows[0]?.due_at.toISOString()).toBe('2026-11-23T01:24:00.000Z'); // 80 % of 30 minutes
  });

  it('counts a normal order in working time on the site calendar, skipping the National Day week', async () => {
    const workOrderId = randomUUID();
    const [set] = await startClocksAtS1(
      suite.clocks,
      workOrderId,
      'normal',
      new Date('2026-09-30T15:00:00+08:00'),
      `triaged-${workOrderId}`,
    );
    expect(set?.data).toMatchObject({
      siteId: 'S1',
      responseDueAt: '2026-10-08T02:00:00.000Z',
      resolutionDueAt: '2026-10-08T07:00:00.000Z',
    });
  });

  it('does nothing again for an event it already handled: a replayed hold does not pause the clock twice', async () => {
    const workOrderId = await started();
    const hold = {
      type: 'ObserveWorkOrder',
      workOrderId,
      happened: 'waiting-on-resident',
      at: new Date('2026-11-23T09:10:00+08:00'),
    } as const;
    const resume = {
      type: 'ObserveWorkOrder',
      workOrderId,
      happened: 'resumed',
      at: new Date('2026-11-23T09:40:00+08:00'),
    } as const;
    expect(await suite.clocks.apply(hold, { correlationId: 'c', causationId: 'hold-1' })).toHaveLength(1);
    expect(await suite.clocks.apply(resume, { correlationId: 'c', causationId: 'resume-1' })).toHaveLength(1);
    expect(await suite.clocks.apply(hold, { correlationId: 'c', causationId: 'hold-1' })).toEqual([]);
    expect(await suite.clocks.apply(resume, { correlationId: 'c', causationId: 'resume-1' })).toEqual([]);

    const recorded = await suite.store.readStream(slaStream(workOrderId));
    const resumed = recorded.filter((e) => e.type === EventTypes.SlaClockResumed);
    expect(resumed).toHaveLength(1);
    expect(resumed[0]?.data).toMatchObject({ pausedSeconds: 1800, resolutionDueAt: '2026-11-23T03:30:00.000Z' });
  });
});
