import { randomUUID } from 'node:crypto';
import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { ceilingLeakReported, freshDatabase, TestDatabase } from '@closeloop/testing';
import fc from 'fast-check';
import { foldWorkOrderView } from '../projection/work-order-view';
import { projectHistory } from '../projection/timeline-rows.spec';
import { workOrderRowOf } from '../projection/work-order-rows.repository';
import { toView, WorkOrdersHttpController } from './work-orders.http.controller';
import { WorkOrderViewsRepository } from './work-order-views.repository';
import { staffRequest } from '../staff-request.spec';

// The state at any moment (docs/adr/0033-tamper-evident-event-chain.md): `asOf` folds the order's timeline up to the
// instant with the live row's fold, so at every event's time it is the fold of the history up to that event (and any
// event recorded at the same instant, as one append's events are), and at the last one it is the live row.

const supervisor = staffRequest(['supervisor']);

const wangWei = { staffId: 's1-wang-wei', name: 'Wang Wei' };

/** What can happen to Ms Lin's leak after it is reported, each step at the instant it is given. */
const steps: ((workOrderId: string, at: string) => DomainEvent)[] = [
  (workOrderId, at) => ({
    type: EventTypes.WorkOrderAssigned,
    data: { workOrderId, owner: wangWei, teamId: 's1-plumbing', ruleId: 'roster', reason: 'plumbers', assignedAt: at },
  }),
  (workOrderId, at) => ({
    type: EventTypes.DuplicateReportLinked,
    data: {
      workOrderId,
      reporter: { name: '王先生', phone: '13900001111' },
      channel: 'wechat',
      description: '楼上漏水',
      similarity: 0.8,
      reason: 'same flat',
      contactNumber: 2,
      linkedAt: at,
    },
  }),
  (workOrderId, at) => ({
    type: EventTypes.FollowUpContactRecorded,
    data: { workOrderId, channel: 'phone', note: 'Where is the plumber?', contactNumber: 3, contactedAt: at },
  }),
  (workOrderId, at) => ({
    type: EventTypes.WorkOrderResolved,
    data: { workOrderId, by: wangWei, notes: 'Fixed', photoRefs: [], resolvedAt: at },
  }),
  (workOrderId, at) => ({
    type: EventTypes.CallbackRequested,
    data: { workOrderId, round: 0, dueAt: at, requestedAt: at },
  }),
  (workOrderId, at) => ({
    type: EventTypes.WorkOrderClosed,
    data: { workOrderId, outcome: 'confirmed', rating: 4, comment: '师傅很专业', closedAt: at },
  }),
];

describe('GET /v1/work-orders/{id}?asOf= and the board as it was', () => {
  let db: TestDatabase;
  let controller: WorkOrdersHttpController;

  beforeAll(async () => {
    db = await freshDatabase('query_as_of');
    controller = new WorkOrdersHttpController(new WorkOrderViewsRepository(db.pool));
  });
  afterAll(() => db.drop());

  /** Projects a history as the consumer would; answers each event with the instant it occurred. */
  const project = (workOrderId: string, events: { event: DomainEvent; at: string }[]) =>
    projectHistory(db.pool, workOrderId, events);

  // A history: the report, then some of the steps in order, each 0 to 3 minutes after the one before (0: the same
  // instant, as events of one append are).
  const histories = fc.record({
    length: fc.integer({ min: 0, max: steps.length }),
    gaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
    unit: fc.integer({ min: 1000, max: 9999 }),
  });

  it('at every event’s time equals the fold of the history up to that instant, and the live row at the last', async () => {
    await fc.assert(
      fc.asyncProperty(histories, async ({ length, gaps, unit }) => {
        const workOrderId = randomUUID();
        let at = Date.parse('2026-11-23T01:00:00.000Z');
        const instant = () => new Date(at).toISOString();
        const history = [
          {
            at: instant(),
            event: ceilingLeakReported(workOrderId, `S1-20261123-${unit}`, { unit: String(unit), description: '漏水' }),
          },
        ];
        for (let i = 0; i < length; i++) {
          at += (gaps[i] as number) * 60_000;
          history.push({
            at: instant(),
            event: (steps[i] as (id: string, at: string) => DomainEvent)(workOrderId, instant()),
          });
        }
        await project(workOrderId, history);

        for (const { at: time } of history) {
          const upTo = history
            .filter((h) => Date.parse(h.at) <= Date.parse(time))
            .map((h) => ({ event: h.event, occurredAt: h.at }));
          const expected = toView(workOrderRowOf(foldWorkOrderView(upTo)!), false);
          const asOf = await controller.get(workOrderId, supervisor, { asOf: time });
          expect(asOf).toEqual({ ...expected, asOf: time });
          // The controller answers with the timeline's JSON text (docs/adr/0047-timeline-data-written-as-shown.md).
          const timeline = JSON.parse(
            String(await controller.timelineAnswer(workOrderId, supervisor, { asOf: time })),
          ) as {
            events: { type: string }[];
          };
          expect(timeline.events.map((e) => e.type)).toEqual(upTo.map((u) => u.event.type));
        }
        const { asOf: _at, ...last } = (await controller.get(workOrderId, supervisor, {
          asOf: history.at(-1)!.at,
        })) as Record<string, unknown>;
        expect(last).toEqual(await controller.get(workOrderId, supervisor, {}));
      }),
      { numRuns: 12 },
    );
  });

  it('answers 404 for an instant before the order was reported', async () => {
    const workOrderId = randomUUID();
    await project(workOrderId, [
      { at: '2026-11-24T01:00:00.000Z', event: ceilingLeakReported(workOrderId, 'S1-20261124-0001', { unit: '0001' }) },
    ]);
    await expect(controller.get(workOrderId, supervisor, { asOf: '2026-11-24T00:59:59.999Z' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('shows a site’s board as it was: the orders reported by then, each in the state it was in', async () => {
    const site = 'S1';
    const early = randomUUID();
    const late = randomUUID();
    await project(early, [
      {
        at: '2026-11-25T01:00:00.000Z',
        event: ceilingLeakReported(early, 'S1-20261125-0001', { unit: '0001', building: 'B-as-of' }),
      },
      {
        at: '2026-11-25T05:00:00.000Z',
        event: (steps[3] as (id: string, at: string) => DomainEvent)(early, '2026-11-25T05:00:00.000Z'),
      },
    ]);
    await project(late, [
      {
        at: '2026-11-25T04:00:00.000Z',
        event: ceilingLeakReported(late, 'S1-20261125-0002', { unit: '0002', building: 'B-as-of' }),
      },
    ]);
    const board = async (asOf: string, more: Record<string, unknown> = {}) =>
      (
        (await controller.list({ site, asOf, building: 'B-as-of', ...more }, supervisor)) as {
          items: { workOrderId: string; status: string }[];
        }
      ).items.map((o) => [o.workOrderId, o.status]);
    const reported = (await controller.get(late, supervisor, {})).status;
    expect(reported).not.toBe('resolved');
    expect(await board('2026-11-25T03:00:00Z')).toEqual([[early, reported]]);
    expect(await board('2026-11-25T04:30:00Z')).toEqual([
      [late, reported],
      [early, reported],
    ]);
    expect(await board('2026-11-25T06:00:00Z')).toEqual([
      [late, reported],
      [early, 'resolved'],
    ]);
    expect(await board('2026-11-25T06:00:00Z', { status: 'resolved' })).toEqual([[early, 'resolved']]);
    // Another site's board has none of the caller's orders, as the live list.
    expect(
      (
        (await controller.list({ site, asOf: '2026-11-25T06:00:00Z' }, staffRequest(['supervisor'], ['S2']))) as {
          items: [];
        }
      ).items,
    ).toEqual([]);
    await expect(controller.list({ asOf: '2026-11-25T06:00:00Z' }, supervisor)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
