import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { ResidentKeys } from '@closeloop/auth';
import {
  ceilingLeakReported,
  publishedWorkOrderEvent,
  ServiceEnvironment,
  startServiceEnvironment,
} from '@closeloop/testing';
import { WorkOrderProjectionKafkaController } from '../projection/work-order-projection.kafka.controller';
import { RESIDENT_KEYS } from '../query.config';
import { startQueryUnderTest } from '../query-under-test.spec';

// The query service in this process with a real PostgreSQL; events are handed to its Kafka controller as its
// consumer hands them. Mr Sun of B7-0802 rings about his tap again, eleven days after the last leak was closed.

const PHONE = '13600001111';

/** The answer as this spec reads it (a problem+json for a refusal). */
interface CallerLookup {
  readonly phone: string;
  readonly openOrders: readonly { readonly number: string }[];
  readonly recentOrders: readonly { readonly number: string; readonly matchedBy: string }[];
  readonly repeatComplaint: unknown;
  readonly priority: { readonly registered: boolean; readonly registrations: unknown };
  readonly issues?: unknown;
}
const DAY = 24 * 3600 * 1000;

describe('GET /v1/callers/{phone}: caller recognition (real PostgreSQL, the projection)', () => {
  let environment: ServiceEnvironment;
  let app: INestApplication;
  let baseUrl: string;
  let dispatcher: string;
  let technician: string;
  let otherSite: string;
  let projection: WorkOrderProjectionKafkaController;
  let sequence = 0;
  const now = Date.now();
  const at = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();

  beforeAll(async () => {
    environment = await startServiceEnvironment('query-callers', 'closeloop-query-callers');
    ({ app, baseUrl } = await startQueryUnderTest(environment));
    projection = app.get(WorkOrderProjectionKafkaController);
    dispatcher = await environment.staffToken({ staffId: 'd1', roles: ['dispatcher'], sites: ['S1'] });
    technician = await environment.staffToken({ staffId: 't1', roles: ['technician'], sites: ['S1'] });
    otherSite = await environment.staffToken({ staffId: 'd2', roles: ['dispatcher'], sites: ['S2'] });
  });

  afterAll(async () => {
    await app?.close();
    await environment?.remove();
  });

  const project = async (key: string, event: DomainEvent, time: string): Promise<void> => {
    const published = publishedWorkOrderEvent(key, event, ++sequence, time);
    await projection.onEvent({ event: published } as never);
    // A redelivery changes nothing.
    await projection.onEvent({ event: published } as never);
  };

  /** An order at B7's flat, reported `daysAgo`, triaged plumbing; closed `closedDaysAgo` when given. */
  const order = async (
    number: string,
    daysAgo: number,
    particulars: { unit?: string; phone?: string; category?: string; closedDaysAgo?: number } = {},
  ): Promise<string> => {
    const workOrderId = randomUUID();
    const reported = ceilingLeakReported(workOrderId, number, {
      unit: particulars.unit ?? '0802',
      reporter: { name: 'Sun Jie', ...(particulars.phone ? { phone: particulars.phone } : {}) },
    });
    await project(
      workOrderId,
      { ...reported, data: { ...reported.data, reportedAt: at(daysAgo) } } as DomainEvent,
      at(daysAgo),
    );
    await project(
      workOrderId,
      {
        type: EventTypes.WorkOrderTriaged,
        data: {
          workOrderId,
          tier: 'normal',
          category: particulars.category ?? 'plumbing',
          ruleId: 'normal-repairs',
          reason: 'repairs',
          triagedAt: at(daysAgo),
        },
      },
      at(daysAgo),
    );
    if (particulars.closedDaysAgo !== undefined) {
      const closedAt = at(particulars.closedDaysAgo);
      await project(
        workOrderId,
        { type: EventTypes.WorkOrderClosed, data: { workOrderId, outcome: 'confirmed', rating: 4, closedAt } },
        closedAt,
      );
    }
    return workOrderId;
  };

  const lookUp = async (phone: string, site = 'S1', token = dispatcher) => {
    const response = await fetch(`${baseUrl}/v1/callers/${encodeURIComponent(phone)}?site=${site}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as CallerLookup };
  };

  it('finds the caller’s orders by phone and by their unit, flags the repeat, and shows their registration', async () => {
    await order('S1-A', 400, { phone: PHONE, closedDaysAgo: 399 });
    await order('S1-B', 20, { phone: PHONE, closedDaysAgo: 12 });
    // Reported by his wife, from another phone, at the same flat: his unit's order.
    const repeat = await order('S1-C', 1, { phone: '13700002222' });
    await order('S1-D', 3, { phone: PHONE, category: 'electrical' });
    await order('S1-E', 2, { unit: '0901', phone: '13800003333' });

    const registrationId = randomUUID();
    const keys = app.get<ResidentKeys>(RESIDENT_KEYS);
    await project(
      registrationId,
      {
        type: EventTypes.PriorityResidentRegistered,
        data: {
          registrationId,
          siteId: 'S1',
          building: 'B7',
          unit: '0802',
          phoneDigest: keys.phoneDigest(PHONE),
          phoneMasked: '136****1111',
          need: 'disability',
          consent: { givenBy: 'the resident', recordedBy: { staffId: 'd1', name: 'D' }, givenOn: '2026-12-01' },
          reviewOn: '2027-12-01',
          registeredAt: at(5),
        },
      },
      at(5),
    );

    const { status, body } = await lookUp(`+86 136-0000-1111`);
    expect(status).toBe(200);
    expect(body.phone).toBe('136****1111');
    expect(body.openOrders.map((o) => o.number)).toEqual(['S1-C', 'S1-D']);
    expect(body.recentOrders.map((o) => [o.number, o.matchedBy])).toEqual([
      ['S1-C', 'unit'],
      ['S1-D', 'phone'],
      ['S1-B', 'phone'],
    ]);
    expect(body.repeatComplaint).toEqual({
      likely: true,
      windowDays: 30,
      orders: [{ number: 'S1-C', repeats: ['S1-B'] }],
      repeats: ['S1-B'],
    });
    expect(body.priority).toEqual({
      registered: true,
      registrations: [
        expect.objectContaining({ registrationId, need: 'disability', unit: '0802', matchedBy: 'phone' }),
      ],
    });
    expect(JSON.stringify(body)).not.toContain('13700002222');
    expect(repeat).toBeDefined();

    // The registry's events are no order's: nothing of them on the orders' tables.
    const { rows } = await environment.db.pool.query('SELECT 1 FROM query_timeline WHERE work_order_id = $1', [
      registrationId,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('shows a removed registration no more', async () => {
    const registrationId = randomUUID();
    const keys = app.get<ResidentKeys>(RESIDENT_KEYS);
    const phone = '13500005555';
    const registered: DomainEvent = {
      type: EventTypes.PriorityResidentRegistered,
      data: {
        registrationId,
        siteId: 'S1',
        unit: '1501',
        phoneDigest: keys.phoneDigest(phone),
        phoneMasked: '135****5555',
        need: 'medical-need',
        consent: { givenBy: 'the resident', recordedBy: { staffId: 'd1', name: 'D' }, givenOn: '2026-12-01' },
        reviewOn: '2027-12-01',
        registeredAt: at(3),
      },
    };
    await project(registrationId, registered, at(3));
    expect((await lookUp(phone)).body.priority.registered).toBe(true);
    await project(
      registrationId,
      {
        type: EventTypes.PriorityResidentRemoved,
        data: {
          registrationId,
          siteId: 'S1',
          reason: 'moved',
          removedBy: { staffId: 'd1', name: 'D' },
          removedAt: at(1),
        },
      },
      at(1),
    );
    expect((await lookUp(phone)).body).toMatchObject({
      priority: { registered: false, registrations: [] },
      openOrders: [],
      recentOrders: [],
      repeatComplaint: { likely: false, repeats: [] },
    });
  });

  it('answers the site’s dispatchers only, and refuses what is not a phone number without repeating it', async () => {
    expect((await lookUp(PHONE, 'S1', otherSite)).status).toBe(403);
    expect((await lookUp(PHONE, 'S1', technician)).status).toBe(403);
    const refused = await lookUp('call-me-maybe');
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body.issues)).not.toContain('call-me-maybe');
  });
});
