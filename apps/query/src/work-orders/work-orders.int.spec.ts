import { randomUUID } from 'node:crypto';
import { DomainEvent, EventTypes, toDomainEvents } from '@closeloop/contracts';
import { migrate } from '@closeloop/database';
import { attachPrincipal } from '@closeloop/http';
import {
  ceilingLeakAssigned,
  ceilingLeakPlumber,
  ceilingLeakReported,
  freshDatabase,
  tablesAsBeforeOwnerNames,
  TestDatabase,
} from '@closeloop/testing';
import type { Request } from 'express';
import { foldWorkOrderView } from '../projection/work-order-view';
import { projectHistory, storeTimelineRows } from '../projection/timeline-rows.spec';
import { WorkOrdersHttpController } from './work-orders.http.controller';
import { WorkOrderViewsRepository } from './work-order-views.repository';
import { staffRequest } from '../staff-request.spec';

// Orders of site S1, projected as the query service's consumer projects them, read back through the controller.

const supervisor = staffRequest(['supervisor']);
const dispatcher = staffRequest(['dispatcher']);

const wangWei = ceilingLeakPlumber;

/** Ms Lin's ceiling leak (libs/testing) at this flat of S1, reported and assigned, plus whatever happened to it next. */
const history = (
  workOrderId: string,
  unit: string,
  next: ((at: string) => DomainEvent)[],
): { event: DomainEvent; at: string }[] => {
  const base: { event: DomainEvent; at: string }[] = [
    {
      at: '2026-11-23T01:00:00.000Z',
      event: ceilingLeakReported(workOrderId, `S1-20261123-${unit}`, { unit, description: 'Leak' }),
    },
    { at: '2026-11-23T01:00:05.000Z', event: ceilingLeakAssigned(workOrderId) },
  ];
  return [
    ...base,
    ...next.map((make, i) => ({
      at: `2026-11-23T0${2 + i}:00:00.000Z`,
      event: make(`2026-11-23T0${2 + i}:00:00.000Z`),
    })),
  ];
};

const resolved =
  (workOrderId: string) =>
  (at: string): DomainEvent => ({
    type: EventTypes.WorkOrderResolved,
    data: { workOrderId, by: wangWei, notes: 'Fixed', photoRefs: [], resolvedAt: at },
  });
const callbackRequested =
  (workOrderId: string) =>
  (at: string): DomainEvent => ({
    type: EventTypes.CallbackRequested,
    data: { workOrderId, round: 0, dueAt: at, requestedAt: at },
  });
const closed =
  (workOrderId: string, outcome: 'confirmed' | 'closed-without-confirmation') =>
  (at: string): DomainEvent => ({
    type: EventTypes.WorkOrderClosed,
    data:
      outcome === 'confirmed'
        ? { workOrderId, outcome, rating: 5, closedAt: at }
        : { workOrderId, outcome, closedAt: at },
  });

type EventData<T extends DomainEvent['type']> = Extract<DomainEvent, { type: T }>['data'];

/** Another report of the same leak, linked to the order as its `contactNumber`th contact. */
const duplicateReport =
  (
    workOrderId: string,
    reporter: { name: string; phone: string },
    channel: EventData<typeof EventTypes.DuplicateReportLinked>['channel'],
    contactNumber: number,
  ) =>
  (at: string): DomainEvent => ({
    type: EventTypes.DuplicateReportLinked,
    data: {
      workOrderId,
      reporter,
      channel,
      description: 'Leak',
      similarity: 0.8,
      reason: 'same flat',
      contactNumber,
      linkedAt: at,
    },
  });

/** A resident calling back about the order, its `contactNumber`th contact. */
const followUpCall =
  (
    workOrderId: string,
    call: Omit<EventData<typeof EventTypes.FollowUpContactRecorded>, 'workOrderId' | 'contactedAt'>,
  ) =>
  (at: string): DomainEvent => ({
    type: EventTypes.FollowUpContactRecorded,
    data: { workOrderId, ...call, contactedAt: at },
  });

describe('the query service’s work-order list and view (real PostgreSQL)', () => {
  let db: TestDatabase;
  let controller: WorkOrdersHttpController;

  const project = (workOrderId: string, events: { event: DomainEvent; at: string }[]) =>
    projectHistory(db.pool, workOrderId, events);
  const listed = async (query: Record<string, unknown>) =>
    ((await controller.list(query, supervisor)).items as { workOrderId: string }[]).map((o) => o.workOrderId);
  /** The timeline as a client reads it: the controller answers with its JSON text (ADR 47). */
  const timelineOf = async (workOrderId: string, request: Request) =>
    JSON.parse(String(await controller.timelineAnswer(workOrderId, request))) as {
      events: { type: string; data: unknown }[];
    };

  beforeAll(async () => {
    db = await freshDatabase('query_work_orders');
    controller = new WorkOrdersHttpController(new WorkOrderViewsRepository(db.pool));
  });
  afterAll(() => db.drop());

  describe('callbacks waiting, and how orders closed', () => {
    const ids = {
      open: randomUUID(),
      resolved: randomUUID(),
      callbackDue: randomUUID(),
      confirmed: randomUUID(),
      unconfirmed: randomUUID(),
    };

    beforeAll(async () => {
      await project(ids.open, history(ids.open, '0001', []));
      await project(ids.resolved, history(ids.resolved, '0002', [resolved(ids.resolved)]));
      await project(
        ids.callbackDue,
        history(ids.callbackDue, '0003', [resolved(ids.callbackDue), callbackRequested(ids.callbackDue)]),
      );
      for (const [workOrderId, unit, outcome] of [
        [ids.confirmed, '0004', 'confirmed'],
        [ids.unconfirmed, '0005', 'closed-without-confirmation'],
      ] as const)
        await project(
          workOrderId,
          history(workOrderId, unit, [
            resolved(workOrderId),
            callbackRequested(workOrderId),
            closed(workOrderId, outcome),
          ]),
        );
    });

    it('lists the resolved orders whose callback is due and that have not closed, and only those', async () => {
      expect(await listed({ callbackDue: 'true' })).toEqual([ids.callbackDue]);
      expect((await listed({ callbackDue: 'false' })).sort()).toEqual(
        [ids.open, ids.resolved, ids.confirmed, ids.unconfirmed].sort(),
      );
    });

    it('lists closed orders by how they closed', async () => {
      expect(await listed({ closure: 'confirmed' })).toEqual([ids.confirmed]);
      expect(await listed({ closure: 'closed-without-confirmation' })).toEqual([ids.unconfirmed]);
      expect(await listed({ closure: 'closed-without-confirmation', callbackDue: 'true' })).toEqual([]);
    });

    it('refuses a value it does not know with 422', async () => {
      await expect(controller.list({ callbackDue: 'yes' }, supervisor)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await expect(controller.list({ closure: 'closed' }, supervisor)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });
  });

  describe('contacts', () => {
    const workOrderId = randomUUID();

    beforeAll(async () => {
      await project(
        workOrderId,
        history(workOrderId, '0010', [
          duplicateReport(workOrderId, { name: 'Mr Lin', phone: '13900002222' }, 'wechat', 2),
          followUpCall(workOrderId, {
            channel: 'phone',
            caller: { name: 'Mrs Chen', phone: '+1 312 555 0199' },
            contactNumber: 3,
          }),
          followUpCall(workOrderId, { channel: 'phone', caller: { phone: '138 1234 5678' }, contactNumber: 4 }),
        ]),
      );
    });

    it('shows every contact once, with the phone numbers masked for a supervisor', async () => {
      const order = await controller.get(workOrderId, supervisor);
      expect(order.contactCount).toBe(4);
      expect(order.contacts).toEqual([
        {
          name: 'Ms Lin',
          phone: '138****5678',
          channel: 'phone',
          at: '2026-11-23T01:00:00.000Z',
          relation: 'reporter',
        },
        {
          name: 'Mr Lin',
          phone: '139****2222',
          channel: 'wechat',
          at: '2026-11-23T02:00:00.000Z',
          relation: 'duplicate-reporter',
        },
        {
          name: 'Mrs Chen',
          phone: '****0199',
          channel: 'phone',
          at: '2026-11-23T03:00:00.000Z',
          relation: 'follow-up',
        },
      ]);
    });

    it('shows the full numbers to a dispatcher, who calls them back', async () => {
      const order = await controller.get(workOrderId, dispatcher);
      expect(order.contacts.map((c) => c.phone)).toEqual(['13812345678', '13900002222', '+1 312 555 0199']);
    });

    it('masks a follow-up caller’s number on the timeline as the reporter’s is', async () => {
      const { events } = await timelineOf(workOrderId, supervisor);
      const followUps = events
        .filter((e) => e.type === EventTypes.FollowUpContactRecorded)
        .map((e) => (e.data as { caller: { phone: string } }).caller.phone);
      expect(followUps).toEqual(['****0199', '138****5678']);
    });
  });

  describe('the timeline', () => {
    const workOrderId = randomUUID();

    beforeAll(() => project(workOrderId, history(workOrderId, '0030', [resolved(workOrderId)])));

    it('shows the order’s events in store order', async () => {
      const { events } = await timelineOf(workOrderId, supervisor);
      expect(events.map((e) => e.type)).toEqual([
        EventTypes.WorkOrderReported,
        EventTypes.WorkOrderAssigned,
        EventTypes.WorkOrderResolved,
      ]);
    });

    it('answers 404 to staff of another site, as it does for an order that is not there', async () => {
      const elsewhere = {} as Request;
      attachPrincipal(elsewhere, {
        kind: 'staff',
        staffId: 's2-sup',
        name: 'Test',
        roles: ['supervisor'],
        sites: ['S2'],
      });
      await expect(controller.timelineAnswer(workOrderId, elsewhere)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(controller.timelineAnswer(randomUUID(), supervisor)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  it('gives orders projected before contacts were kept the list the fold would give them', async () => {
    // The database as a deployment from before the migration has it: no contacts column, the migration not applied.
    await db.pool.query('ALTER TABLE query_work_orders DROP COLUMN contacts');
    await db.pool.query("DELETE FROM schema_migrations WHERE version = '0015_work_order_contacts.sql'");

    const workOrderId = randomUUID();
    const events = history(workOrderId, '0020', [
      followUpCall(workOrderId, { channel: 'app', note: 'Any news?', contactNumber: 2 }),
      duplicateReport(workOrderId, { name: 'Mr Lin', phone: '139-0000-2222' }, 'wechat', 3),
      duplicateReport(workOrderId, { name: 'Ms Lin', phone: '+86 13812345678' }, 'app', 4),
      followUpCall(workOrderId, { channel: 'phone', caller: { name: 'Mr Wu' }, note: 'Any news?', contactNumber: 5 }),
      followUpCall(workOrderId, { channel: 'phone', caller: { name: 'mr wu' }, note: 'Still?', contactNumber: 6 }),
    ]);
    await storeTimelineRows(db.pool, workOrderId, events);
    await db.pool.query(
      `INSERT INTO query_work_orders (work_order_id, number, site_id, channel, description, status, reported_at, updated_at)
       VALUES ($1, 'S1-20261123-0020', 'S1', 'phone', 'Leak', 'assigned', '2026-11-23T01:00:00Z', '2026-11-23T05:00:00Z')`,
      [workOrderId],
    );

    await tablesAsBeforeOwnerNames(db.pool);
    expect(await migrate(db.pool)).toEqual(['0015_work_order_contacts.sql', '0024_tables_named_by_owner.sql']);

    const { rows } = await db.pool.query<{ contacts: unknown }>(
      'SELECT contacts FROM query_work_orders WHERE work_order_id = $1',
      [workOrderId],
    );
    const folded = foldWorkOrderView(
      toDomainEvents(events.map(({ event }) => event)).map((event, i) => ({
        event,
        occurredAt: events[i]?.at as string,
      })),
    );
    expect(rows[0]?.contacts).toEqual(folded?.contacts);
    expect(folded?.contacts.map((c) => [c.name, c.relation])).toEqual([
      ['Ms Lin', 'reporter'],
      ['Mr Lin', 'duplicate-reporter'],
      ['Mr Wu', 'follow-up'],
    ]);
  });
});
