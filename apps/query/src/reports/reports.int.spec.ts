import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamableFile } from '@nestjs/common';
import { StaffRole } from '@closeloop/auth';
import { CloudEvent, DomainEvent, EventTypes, ForbiddenError } from '@closeloop/contracts';
import { attachPrincipal } from '@closeloop/http';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { allowedCommandsIn, foldWorkOrder, WorkOrderCommand, workOrderDecider } from '@closeloop/work-order-domain';
import express, { Request, Response } from 'express';
import fc from 'fast-check';
import { InquiriesRepository } from '../inquiries/inquiries.repository';
import { REPORT_ROW_COLUMNS } from '../projection/work-order-rows.repository';
import { projectEvent } from '../projection/work-order.projection';
import { NOVEMBER, orderIdOf, STAFF } from './order-history-under-test.spec';
import { HotSpotReport, hotSpotReport } from './hot-spots';
import { hotSpotsInMemory } from './hot-spots-counted-in-memory.spec';
import { foldReportOrder, ReportOrder } from './report-order';
import { ReportRow, reportRowOf } from './report-row';
import { ReportNotesRepository } from './report-notes.repository';
import { ReportOrdersRepository } from './report-orders.repository';
import { ReportsHttpController } from './reports.http.controller';
import { previousWindowOf, windowOf } from './report-window';
import { serviceLevelReportInMemory } from './service-levels-counted-in-memory.spec';
import {
  ATTRIBUTE_GROUPINGS,
  attributeGroupingOf,
  ServiceLevelReport,
  serviceLevelReport,
  serviceLevelWindows,
  TIME_GROUPINGS,
} from './service-levels';
import { staffRequest } from '../staff-request.spec';

// The reports' read model on real PostgreSQL: the projection writes a report row per order as events arrive, in
// any delivery order the consumer can see (redeliveries included), and the report routes read those rows.

const requestAs = (roles: StaffRole[], accept = 'application/json'): Request => {
  // Express's own request prototype, so content negotiation (request.accepts) is the real one.
  const request = Object.create(express.request) as Request;
  request.headers = { accept };
  return staffRequest(roles, ['S1'], request);
};
const responseHeaders = () => {
  const headers: Record<string, string> = {};
  return {
    headers,
    response: { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response,
  };
};

let sequence = 0;
const published = (workOrderId: string, event: DomainEvent): CloudEvent => ({
  specversion: '1.0',
  id: randomUUID(),
  source: 'test',
  type: event.type,
  time: '2026-12-01T00:00:00.000Z',
  data: event.data,
  workorderid: workOrderId,
  sequence: String(++sequence),
});

describe('the reports read model (real PostgreSQL)', () => {
  let db: TestDatabase;
  let repository: ReportOrdersRepository;
  let controller: ReportsHttpController;

  /** Delivers each event, and then again every event so far that `redeliver` picks, as a consumer restart would. */
  const deliver = async (events: readonly CloudEvent[], redeliver: (index: number) => boolean = () => false) => {
    const client = await db.pool.connect();
    try {
      for (const [i, event] of events.entries()) {
        await projectEvent(client, event);
        if (redeliver(i)) for (const earlier of events.slice(0, i + 1)) await projectEvent(client, earlier);
      }
    } finally {
      client.release();
    }
  };
  const storedRow = async (workOrderId: string): Promise<ReportOrder | undefined> =>
    (
      await db.pool.query<{ facts: ReportOrder }>('SELECT facts FROM query_report_facts WHERE work_order_id = $1', [
        workOrderId,
      ])
    ).rows[0]?.facts;

  /** A site's report rows as stored, instants as numbers (pg reads bigint as text). */
  const storedRows = async (siteId: string): Promise<ReportRow[]> => {
    const { rows } = await db.pool.query<Record<string, unknown>>(
      `SELECT ${REPORT_ROW_COLUMNS.map(([, column]) => column).join(', ')} FROM query_report_orders WHERE site_id = $1`,
      [siteId],
    );
    const instant = (value: unknown) => (typeof value === 'string' ? Number(value) : value);
    return rows.map(
      (row) =>
        Object.fromEntries(
          REPORT_ROW_COLUMNS.map(([key, column]) => {
            const value = row[column];
            if (!key.endsWith('At')) return [key, value];
            return [key, Array.isArray(value) ? value.map(instant) : instant(value)];
          }),
        ) as unknown as ReportRow,
    );
  };

  beforeAll(async () => {
    db = await freshDatabase('query_reports');
    repository = new ReportOrdersRepository(db.pool);
    controller = new ReportsHttpController(
      repository,
      new ReportNotesRepository(db.pool),
      { now: () => new Date('2026-12-02T01:00:00Z') },
      new InquiriesRepository(db.pool),
    );
  });
  afterAll(() => db.drop());

  describe('November at S1, delivered with redeliveries', () => {
    const novemberRows = NOVEMBER.map((h) =>
      reportRowOf(foldReportOrder(h.events.map((event) => ({ event, occurredAt: '' }))) as ReportOrder),
    );
    beforeAll(async () => {
      for (const order of NOVEMBER) {
        await deliver(
          order.events.map((e) => published(order.workOrderId, e)),
          (i) => i % 3 === 1,
        );
      }
    });

    it('serves the service levels the pure figures give over the fixture', async () => {
      const report = await controller.serviceLevels(
        { site: 'S1', from: '2026-11-01', to: '2026-12-01' },
        requestAs(['supervisor']),
        responseHeaders().response,
      );
      const expected = serviceLevelReportInMemory({
        siteId: 'S1',
        timeZone: 'Asia/Shanghai',
        window: windowOf('2026-11-01', '2026-12-01', 'Asia/Shanghai'),
        orders: novemberRows,
      });
      // Beside the orders' figures, the inquiries' (none were asked in this fixture).
      const none = { received: 0, deflected: 0, turnedIntoOrders: 0, deflectionRate: null };
      expect(report).toEqual({ ...expected, inquiries: { current: none, previous: none } });
      expect(report).toMatchObject({ total: { current: { received: 6, closed: 2, closureRate: 0.4 } } });
    });

    it.each([...ATTRIBUTE_GROUPINGS, ...TIME_GROUPINGS])(
      'counts the figures grouped by %s in SQL as they are counted in memory',
      async (groupBy) => {
        const period = { from: '2026-10-15', to: '2026-12-03' };
        const { inquiries, ...report } = (await controller.serviceLevels(
          { site: 'S1', ...period, groupBy },
          requestAs(['supervisor']),
          responseHeaders().response,
        )) as ServiceLevelReport & { inquiries: unknown };
        expect(inquiries).toBeDefined();
        expect(report.groups.length).toBeGreaterThan(0);
        expect(report).toEqual(
          serviceLevelReportInMemory({
            siteId: 'S1',
            timeZone: 'Asia/Shanghai',
            window: windowOf(period.from, period.to, 'Asia/Shanghai'),
            groupBy,
            orders: novemberRows,
          }),
        );
      },
    );

    it('answers CSV with a header row when asked for text/csv, a row for the whole and one per group', async () => {
      const { headers, response } = responseHeaders();
      const csv = (await controller.serviceLevels(
        { site: 'S1', from: '2026-11-01', to: '2026-12-01', groupBy: 'tier' },
        requestAs(['dispatcher'], 'text/csv'),
        response,
      )) as unknown as string;
      expect(headers['Content-Type']).toBe('text/csv; charset=utf-8');
      const [header, total, ...groups] = csv.trim().split('\n');
      expect(header?.split(',').slice(0, 9)).toEqual([
        'site',
        'timeZone',
        'group',
        'key',
        'from',
        'to',
        'received',
        'closed',
        'cancelled',
      ]);
      expect(header).toContain('mtta.medianSeconds');
      expect(header).toContain('previous.received');
      expect(total?.startsWith('S1,Asia/Shanghai,total,,2026-11-01,2026-12-01,6,2,1,0.4,')).toBe(true);
      expect(groups.map((g) => g.split(',').slice(2, 7).join(','))).toEqual([
        'tier,normal,2026-11-01,2026-12-01,3',
        'tier,planned,2026-11-01,2026-12-01,0',
        'tier,urgent,2026-11-01,2026-12-01,2',
        'tier,,2026-11-01,2026-12-01,1',
      ]);
    });

    it('serves hot spots, repeats and the twelve months ending with the period', async () => {
      const report = await controller.hotSpots(
        { site: 'S1', from: '2026-11-01', to: '2026-12-01' },
        requestAs(['supervisor']),
        responseHeaders().response,
      );
      expect(report).toMatchObject({
        hotSpots: [
          { category: 'electrical', building: 'B5', received: 2 },
          { category: 'leak', building: 'B3', received: 2 },
          { category: 'lift', building: 'B3', received: 2 },
          { category: 'noise', building: 'B3', received: 0, previous: 1, change: -1 },
        ],
        repeats: [{ later: { number: 'S1-0007' } }, { later: { number: 'S1-0004' } }],
      });
      const { hotSpots, repeats, seasonality } = report as HotSpotReport;
      const period = {
        siteId: 'S1',
        timeZone: 'Asia/Shanghai',
        window: windowOf('2026-11-01', '2026-12-01', 'Asia/Shanghai'),
      };
      const counted = hotSpotReport({
        ...period,
        ...hotSpotsInMemory(novemberRows, period),
        months: [],
        monthCounts: [],
      });
      expect({ hotSpots, repeats }).toEqual({ hotSpots: counted.hotSpots, repeats: counted.repeats });
      expect(seasonality.map((m) => m.month)).toEqual([
        '2025-12',
        ...Array.from({ length: 11 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`),
      ]);
      expect(seasonality.slice(-2)).toEqual([
        { month: '2026-10', received: 1, byCategory: { noise: 1 } },
        { month: '2026-11', received: 6, byCategory: { electrical: 2, leak: 2, lift: 2 } },
      ]);
    });

    const monthly = (accept: string) => {
      const { headers, response } = responseHeaders();
      return controller
        .monthly({ site: 'S1', month: '2026-11' }, requestAs(['supervisor'], accept), response)
        .then((body) => ({ body, headers }));
    };

    it('publishes the monthly report: headline against October, missed targets with what was done, comments, notes', async () => {
      await expect(
        controller.putNotes(
          { site: 'S1', month: '2026-11' },
          { text: '电梯维保合同已续签，B3 漏水已排查。', readVersion: 0 },
          requestAs(['supervisor']),
        ),
      ).resolves.toMatchObject({ version: 1 });
      await expect(
        controller.putNotes({ site: 'S1', month: '2026-11' }, { text: 'stale', readVersion: 0 }, requestAs(['admin'])),
      ).rejects.toMatchObject({ code: 'NOTES_VERSION_CONFLICT', details: { currentVersion: 1 } });

      const { body } = await monthly('application/json');
      expect(body).toMatchObject({
        month: '2026-11',
        previousMonth: '2026-10',
        headline: { current: { received: 6, closed: 2 }, previous: { received: 1 } },
        missedTargets: [
          {
            number: 'S1-0002',
            target: 'resolution',
            owner: 'Li Na',
            escalationLevel: 2,
            outcome: 'closed',
            rating: 2,
          },
          { number: 'S1-0006', target: 'response', owner: null, escalationLevel: 0, outcome: 'open' },
        ],
        satisfaction: { meanRating: 3.5, comments: [{ number: 'S1-0002', rating: 2, comment: 'slow to come' }] },
        callbacks: { requested: 2, done: 1, unanswered: [{ number: 'S1-0003' }] },
        deskNotes: { version: 1, text: '电梯维保合同已续签，B3 漏水已排查。', author: { staffId: 's1-supervisor' } },
      });
    });

    it('prints the same report as an HTML page and as a PDF whose Chinese text reads back', async () => {
      const html = await monthly('text/html');
      expect(html.headers['Content-Type']).toBe('text/html; charset=utf-8');
      expect(html.body).toContain('月度热线报告 Monthly hotline report — S1 2026-11');
      expect(html.body).toContain('<td>S1-0002</td>');
      expect(html.body).toContain('电梯维保合同已续签');

      const pdf = await monthly('application/pdf');
      expect(pdf.headers['Content-Type']).toBe('application/pdf');
      const bytes = (pdf.body as StreamableFile).getStream().read() as Buffer;
      expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      const dir = mkdtempSync(join(tmpdir(), 'monthly-'));
      writeFileSync(join(dir, 'report.pdf'), bytes);
      const text = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
      expect(text).toContain('月度热线报告');
      expect(text).toContain('超时工单通报');
      expect(text).toContain('电梯维保合同已续签');
      expect(text).toContain('S1-0006');
    });

    it('exports the missed targets as CSV', async () => {
      const csv = await monthly('text/csv');
      const [header, ...rows] = (csv.body as string).trim().split('\n');
      expect(header).toBe(
        'site,timeZone,workOrderId,number,category,building,tier,target,dueAt,missedAt,owner,technician,escalationLevel,outcome,outcomeAt,rating',
      );
      expect(rows.map((r) => r.split(',')[3])).toEqual(['S1-0002', 'S1-0006']);
    });

    it('keeps another site’s supervisor out, and refuses a period that is not one', async () => {
      const elsewhere = Object.create(express.request) as Request;
      elsewhere.headers = {};
      attachPrincipal(elsewhere, { kind: 'staff', staffId: 's2', name: 'S2', roles: ['supervisor'], sites: ['S2'] });
      await expect(
        controller.serviceLevels(
          { site: 'S1', from: '2026-11-01', to: '2026-12-01' },
          elsewhere,
          responseHeaders().response,
        ),
      ).rejects.toBeInstanceOf(ForbiddenError);
      await expect(
        controller.serviceLevels(
          { site: 'S1', from: '2026-12-01', to: '2026-11-01' },
          requestAs(['supervisor']),
          responseHeaders().response,
        ),
      ).rejects.toMatchObject({ issues: [{ path: 'query:to', message: 'to must be after from' }] });
    });
  });

  describe('incremental projection against a fold of the whole log (fast-check)', () => {
    const wang = STAFF.wang;
    /** The commands a random walk tries, as the services would give them; the decider refuses what is not allowed. */
    const commandFor = (type: string, now: Date, choice: number): WorkOrderCommand | undefined => {
      const by = choice % 2 === 0 ? wang : STAFF.li;
      switch (type) {
        case 'AssignOwner':
          return { type, now, routing: { kind: 'team', teamId: 'team-a', owner: by, ruleId: 'R', reason: 'roster' } };
        case 'Acknowledge':
        case 'StartWork':
        case 'Resume':
          return { type, by, now };
        case 'PutOnHold':
          return { type, by, now, reason: 'waiting-on-parts' };
        case 'Resolve':
          return { type, by, now, notes: 'fixed', photoRefs: [] };
        case 'ReassignTechnician':
        case 'HandOverOwnership':
          return { type, by: wang, now, to: STAFF.li, reason: 'shift change' };
        case 'Cancel':
          return { type, by, now, reason: 'invalid' };
        case 'Reopen':
          return { type, by, now, reason: 'not fixed', reopenWindowSeconds: 7 * 86_400 };
        case 'ConfirmResolution':
          return { type, now, rating: (choice % 5) + 1 };
        case 'RejectResolution':
          return { type, now, comment: 'still leaking' };
        case 'RecordFollowUp':
          return { type, now, channel: 'phone' };
        default:
          return undefined;
      }
    };

    const FORWARD = [
      'AssignOwner',
      'Acknowledge',
      'StartWork',
      'Resume',
      'Resolve',
      'ConfirmResolution',
      'RejectResolution',
      'Reopen',
    ] as const satisfies readonly WorkOrderCommand['type'][];

    /** One order's events: a random walk through the lifecycle, with SLA verdicts and alerts between its steps. */
    const walk = (
      steps: readonly { pick: number; minutes: number; side: number }[],
      name: string,
      siteId: string,
    ): DomainEvent[] => {
      const workOrderId = orderIdOf(name);
      let now = Date.parse('2026-11-02T00:00:00Z');
      const events: DomainEvent[] = [
        ...workOrderDecider.decide(
          {
            type: 'ReportWorkOrder',
            workOrderId,
            number: `P-${name}`,
            report: {
              siteId,
              building: `B${name.length % 3}`,
              unit: '0101',
              channel: 'phone',
              reporter: {},
              category: 'leak',
              description: 'leak under the sink',
            },
            triage: { tier: 'normal', category: 'leak', ruleId: 'R', reason: 'by category' },
            now: new Date(now),
          },
          { status: 'none' },
        ),
      ];
      for (const { pick, minutes, side } of steps) {
        now += minutes * 60_000;
        const at = new Date(now).toISOString();
        const state = foldWorkOrder(events.filter((e) => e.type.startsWith('closeloop.workorder.')) as never);
        const allowed = allowedCommandsIn(state);
        // Two steps in three move the order along its loop, so walks reach resolutions, closes and reopens; the
        // third is any command the status allows (a hold, a hand-over, a cancel, a follow-up call...).
        const forward = pick % 3 !== 0 ? FORWARD.filter((t) => allowed.includes(t))[pick % 2] : undefined;
        const type = forward ?? allowed[pick % Math.max(1, allowed.length)] ?? '';
        const command = commandFor(type, new Date(now), pick);
        if (command) {
          try {
            events.push(...workOrderDecider.decide(command, state));
          } catch {
            // refused in this state with these particulars: the walk goes on
          }
        }
        const target = side % 2 === 0 ? 'response' : 'resolution';
        if (side % 5 === 0)
          events.push({
            type: EventTypes.SlaTargetMet,
            data: { workOrderId, target, dueAt: at, metAt: at, onTime: side % 3 === 0 },
          });
        if (side % 5 === 1)
          events.push({ type: EventTypes.SlaBreached, data: { workOrderId, target, dueAt: at, breachedAt: at } });
        if (side % 5 === 2)
          events.push({
            type: EventTypes.SlaEscalated,
            data: { workOrderId, target, level: (side % 3) + 1, escalatedAt: at },
          });
      }
      return events;
    };

    const stepArb = fc.record({
      pick: fc.nat({ max: 50 }),
      minutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
      side: fc.nat({ max: 40 }),
    });
    const ordersArb = fc.array(fc.array(stepArb, { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 4 });
    /**
     * Two walks tried before the random ones, so every run reaches the steps the figures turn on (random walks miss a
     * cancel or a reopen now and then): acknowledged, started, resolved, confirmed, reopened, each step breaching a
     * target; and acknowledged, then cancelled (a pick of 3 is the fourth command an acknowledged order allows).
     */
    const throughTheLoop = [1, 2, 2, 2, 2].map((pick) => ({ pick, minutes: 30, side: 1 }));
    const cancelledOnceAcknowledged = [1, 3].map((pick) => ({ pick, minutes: 30, side: 0 }));

    it('leaves every order’s report row equal to a fold of its whole timeline, and the report equal to one over those folds', async () => {
      let run = 0;
      const typesSeen = new Set<string>();
      await fc.assert(
        fc.asyncProperty(ordersArb, fc.array(fc.boolean(), { maxLength: 30 }), async (walks, redeliveries) => {
          run += 1;
          // A site of its own per run, so its reports count this run's orders alone.
          const site = `P${run}`;
          const orders = walks.map((steps, i) => {
            const name = `run${run}-order${i}`;
            const events = walk(steps, name, site);
            for (const e of events) typesSeen.add(e.type);
            return { workOrderId: (events[0]?.data as { workOrderId: string }).workOrderId, events };
          });
          // Kafka keeps one order's events in order on its partition; orders interleave as partitions do.
          const deliveries = orders.flatMap((o, i) => o.events.map((e, j) => ({ e, o, key: j * 10 + i })));
          deliveries.sort((a, b) => a.key - b.key);
          const cloud = new Map(orders.map((o) => [o.workOrderId, o.events.map((e) => published(o.workOrderId, e))]));
          const inDeliveryOrder = deliveries.map(
            ({ o, e }) => cloud.get(o.workOrderId)?.[o.events.indexOf(e)] as CloudEvent,
          );
          await deliver(inDeliveryOrder, (i) => redeliveries[i] === true);

          const folded = orders.map(
            (o) => foldReportOrder(o.events.map((event) => ({ event, occurredAt: '' }))) as ReportOrder,
          );
          for (const [i, o] of orders.entries()) expect(await storedRow(o.workOrderId)).toEqual(folded[i]);

          const byId = (a: ReportRow, b: ReportRow) => a.workOrderId.localeCompare(b.workOrderId);
          const rows = folded.map(reportRowOf).sort(byId);
          expect((await storedRows(site)).sort(byId)).toEqual(rows);

          // The figures the service counts in SQL over the stored rows equal those counted in memory over the folds.
          const timeZone = 'Asia/Shanghai';
          const window = windowOf('2026-11-01', '2026-12-15', timeZone);
          for (const groupBy of [undefined, 'week', 'technician'] as const) {
            const windows = serviceLevelWindows(window, groupBy ?? null, timeZone);
            const tallies = await repository.serviceLevelTallies(site, windows, attributeGroupingOf(groupBy));
            expect(serviceLevelReport({ siteId: site, timeZone, window, groupBy, tallies })).toEqual(
              serviceLevelReportInMemory({ siteId: site, timeZone, window, groupBy, orders: rows }),
            );
          }
          const period = { siteId: site, timeZone, window };
          const season = { months: [], monthCounts: [] };
          const [cells, repeats] = await Promise.all([
            repository.hotSpotCells(site, window, previousWindowOf(window, timeZone)),
            repository.repeatComplaints(site, window),
          ]);
          expect(hotSpotReport({ ...period, ...season, cells, repeats })).toEqual(
            hotSpotReport({ ...period, ...season, ...hotSpotsInMemory(rows, period) }),
          );
        }),
        { numRuns: 25, examples: [[[throughTheLoop, cancelledOnceAcknowledged], []]] },
      );
      // The walks reached the steps the figures turn on, so the property was tried on them.
      expect([...typesSeen]).toEqual(
        expect.arrayContaining([
          EventTypes.WorkOrderAcknowledged,
          EventTypes.WorkOrderResolved,
          EventTypes.WorkOrderClosed,
          EventTypes.WorkOrderReopened,
          EventTypes.WorkOrderCancelled,
          EventTypes.SlaBreached,
        ]),
      );
    });
  });
});
