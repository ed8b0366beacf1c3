import { randomUUID } from 'node:crypto';
import { CloudEvent, DomainEvent, EventTypes, toDomainEvents } from '@closeloop/contracts';
import { migrate } from '@closeloop/database';
import { attachPrincipal } from '@closeloop/http';
import {
  ceilingLeakReported,
  ceilingLeakSlaRestarted,
  ceilingLeakSlaTargetsSet,
  freshDatabase,
  tablesAsBeforeOwnerNames,
  TestDatabase,
} from '@closeloop/testing';
import type { Request } from 'express';
import { foldWorkOrderView } from '../projection/work-order-view';
import { projectEvent } from '../projection/work-order.projection';
import { storeTimelineRows } from '../projection/timeline-rows.spec';
import { SlaHttpController } from './sla.http.controller';
import { WorkOrderViewsRepository } from '../work-orders/work-order-views.repository';

// Ms Lin's ceiling leak (libs/testing), whose resolution escalated to level 2, was resolved late, rejected by the
// resident and reopened.

const supervisor = {} as Request;
attachPrincipal(supervisor, {
  kind: 'staff',
  staffId: 's1-supervisor',
  name: 'Test',
  roles: ['supervisor'],
  sites: ['S1'],
});
const now = new Date('2026-11-24T02:00:00.000Z');

const history = (workOrderId: string): { event: DomainEvent; at: string }[] => {
  const escalated = (target: 'response' | 'resolution', level: number, at: string) => ({
    event: { type: EventTypes.SlaEscalated, data: { workOrderId, target, level, escalatedAt: at } },
    at,
  });
  return [
    {
      at: '2026-11-23T01:00:00.000Z',
      event: ceilingLeakReported(workOrderId, 'S1-20261123-0030', { description: 'Leak' }),
    },
    { at: '2026-11-23T01:00:01.000Z', event: ceilingLeakSlaTargetsSet(workOrderId) },
    escalated('response', 1, '2026-11-23T01:30:00.000Z'),
    {
      at: '2026-11-23T01:40:00.000Z',
      event: {
        type: EventTypes.SlaTargetMet,
        data: {
          workOrderId,
          target: 'response',
          dueAt: '2026-11-23T01:30:00.000Z',
          metAt: '2026-11-23T01:40:00.000Z',
          onTime: false,
        },
      },
    },
    escalated('resolution', 1, '2026-11-23T05:00:00.000Z'),
    escalated('resolution', 2, '2026-11-23T06:00:00.000Z'),
    {
      at: '2026-11-23T07:00:00.000Z',
      event: {
        type: EventTypes.SlaTargetMet,
        data: {
          workOrderId,
          target: 'resolution',
          dueAt: '2026-11-23T05:00:00.000Z',
          metAt: '2026-11-23T07:00:00.000Z',
          onTime: false,
        },
      },
    },
    { at: '2026-11-24T01:00:00.000Z', event: ceilingLeakSlaRestarted(workOrderId) },
  ];
};

describe('the SLA view of an order (real PostgreSQL)', () => {
  let db: TestDatabase;
  let controller: SlaHttpController;

  beforeAll(async () => {
    db = await freshDatabase('query_sla');
    controller = new SlaHttpController(new WorkOrderViewsRepository(db.pool), { now: () => now });
  });
  afterAll(() => db.drop());

  /** Projects an order's events as the query service's consumer does, in store order. */
  const project = async (workOrderId: string, events: { event: DomainEvent; at: string }[]): Promise<void> => {
    const client = await db.pool.connect();
    try {
      for (const [i, { event, at }] of events.entries()) {
        const published: CloudEvent = {
          specversion: '1.0',
          id: randomUUID(),
          source: 'test',
          type: event.type,
          time: at,
          data: event.data,
          workorderid: workOrderId,
          sequence: String(i + 1),
        };
        await projectEvent(client, published);
      }
    } finally {
      client.release();
    }
  };

  it('shows each target’s escalation level in its current round, and the highest the order ever reached', async () => {
    const workOrderId = randomUUID();
    await project(workOrderId, history(workOrderId));

    expect(await controller.forOrder(workOrderId, supervisor)).toMatchObject({
      escalationLevel: 2,
      targets: [
        { target: 'response', state: 'met', onTime: false, escalationLevel: 1 },
        { target: 'resolution', state: 'running', dueAt: '2026-11-24T05:00:00.000Z', escalationLevel: 0 },
      ],
    });
  });

  it('lists at-risk orders with how much of their running target has elapsed, its band and its escalation level', async () => {
    await db.pool.query('DELETE FROM query_work_orders');
    // Reopened at 01:00 on the 24th, the resolution round due 05:00: at 02:00 a quarter of it has run.
    const reopened = randomUUID();
    await project(reopened, history(reopened));
    // Reported at 01:00 on the 23rd, its response (due 01:30) escalated to level 1 and never met.
    const unanswered = randomUUID();
    await project(unanswered, history(unanswered).slice(0, 3));

    const { items } = await controller.atRisk({ site: 'S1' }, supervisor);

    expect(items).toMatchObject([
      {
        workOrderId: unanswered,
        nextDueTarget: 'response',
        elapsedPercent: 5000,
        band: 'breached',
        nextDueEscalationLevel: 1,
      },
      {
        workOrderId: reopened,
        nextDueTarget: 'resolution',
        elapsedPercent: 25,
        band: 'under-50',
        nextDueEscalationLevel: 0,
        escalationLevel: 2,
      },
    ]);
  });

  it('gives orders projected before the levels were kept per target the levels the fold would give them', async () => {
    // The database as a deployment from before the migration has it: no per-target columns, the migration not applied.
    await db.pool.query(
      'ALTER TABLE query_work_orders DROP COLUMN response_escalation_level, DROP COLUMN resolution_escalation_level',
    );
    await db.pool.query("DELETE FROM schema_migrations WHERE version = '0018_sla_escalation_level_per_target.sql'");

    const reopened = randomUUID();
    const escalatedOnly = randomUUID();
    const quiet = randomUUID();
    // Each order's events in store order, numbered by their sequence.
    const histories = {
      [reopened]: history(reopened),
      [escalatedOnly]: history(escalatedOnly).slice(0, 6),
      [quiet]: history(quiet).slice(0, 2),
    };
    for (const [workOrderId, events] of Object.entries(histories)) {
      // Arriving newest first: the fold and the migration go by sequence, not by arrival.
      await storeTimelineRows(db.pool, workOrderId, events, true);
      await db.pool.query(
        `INSERT INTO query_work_orders (work_order_id, number, site_id, channel, description, status, reported_at, updated_at)
         VALUES ($1, $2, 'S1', 'phone', 'Leak', 'assigned', '2026-11-23T01:00:00Z', '2026-11-24T01:00:00Z')`,
        [workOrderId, `S1-${workOrderId.slice(0, 8)}`],
      );
    }

    await tablesAsBeforeOwnerNames(db.pool);
    expect(await migrate(db.pool)).toEqual([
      '0018_sla_escalation_level_per_target.sql',
      '0024_tables_named_by_owner.sql',
    ]);

    const { rows } = await db.pool.query<{
      work_order_id: string;
      response_escalation_level: number;
      resolution_escalation_level: number;
    }>(
      'SELECT work_order_id, response_escalation_level, resolution_escalation_level FROM query_work_orders WHERE work_order_id = ANY($1)',
      [Object.keys(histories)],
    );
    const migrated = Object.fromEntries(
      rows.map((r) => [r.work_order_id, [r.response_escalation_level, r.resolution_escalation_level]]),
    );
    const folded = Object.fromEntries(
      Object.entries(histories).map(([workOrderId, events]) => {
        const view = foldWorkOrderView(
          toDomainEvents(events.map(({ event }) => event)).map((event, i) => ({
            event,
            occurredAt: events[i]?.at as string,
          })),
        );
        return [workOrderId, [view?.responseEscalationLevel, view?.resolutionEscalationLevel]];
      }),
    );
    expect(migrated).toEqual(folded);
    expect(folded).toEqual({ [reopened]: [1, 0], [escalatedOnly]: [1, 2], [quiet]: [0, 0] });
  });
});
