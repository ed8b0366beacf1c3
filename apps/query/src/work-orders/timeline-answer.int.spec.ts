import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { get } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { principalOf } from '@closeloop/http';
import {
  ceilingLeakReported,
  freshDatabase,
  publishedWorkOrderEvent,
  ServiceEnvironment,
  startServiceEnvironment,
  TestDatabase,
} from '@closeloop/testing';
import fc from 'fast-check';
import type { Request } from 'express';
import { WorkOrderProjectionKafkaController } from '../projection/work-order-projection.kafka.controller';
import { startQueryUnderTest } from '../query-under-test.spec';
import { maskEventData } from '../projection/timeline-data';
import { insertTimelineRows } from '../projection/work-order-rows.repository';
import { seesFullPhone, WorkOrdersHttpController } from './work-orders.http.controller';
import { WorkOrderViewsRepository } from './work-order-views.repository';
import { staffRequest } from '../staff-request.spec';

// The timeline's answer is put together from texts the projection wrote (docs/adr/0047-timeline-data-written-as-shown.md).
// It must be, byte for byte, the answer the service gave when it read the rows back and let express serialise them:
// for every caller, with and without `asOf`, for any data an event can carry, and for rows stored before the texts;
// and over HTTP it must carry the ETag express gave it and answer 304 to a caller who has that.

const callers = [
  staffRequest(['supervisor']),
  staffRequest(['dispatcher']),
  staffRequest(['technician']),
  staffRequest(['on-call']),
  staffRequest(['admin']),
];

/**
 * The answer as the service made it before ADR 47: pg's rows, an object per event, JSON.stringify (express);
 * undefined where it answered 404 (no event by `asOf`).
 */
const answerAsBefore = async (db: TestDatabase, workOrderId: string, request: Request, asOf?: string) => {
  const { rows } = await db.pool.query(
    `SELECT * FROM query_timeline WHERE work_order_id = $1 AND ($2::timestamptz IS NULL OR occurred_at <= $2)
     ORDER BY sequence NULLS LAST, arrival`,
    [workOrderId, asOf === undefined ? null : new Date(asOf)],
  );
  if (rows.length === 0) return undefined;
  return JSON.stringify({
    workOrderId,
    ...(asOf === undefined ? {} : { asOf: new Date(asOf).toISOString() }),
    events: rows.map((r) => ({
      eventId: r.event_id,
      type: r.event_type,
      occurredAt: r.occurred_at,
      source: r.source,
      actor: r.actor,
      correlationId: r.correlation_id,
      causationId: r.causation_id,
      data: maskEventData(r.data, seesFullPhone(principalOf(request))),
    })),
  });
};

/** Text PostgreSQL stores: no NUL character (jsonb and text refuse it) and no lone surrogate (not UTF-8). */
const storable = (text: string) =>
  !text.includes('\u0000') && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
/** The same of a JSON value, whose NULs and lone surrogates JSON.stringify writes as escapes. */
const storableJson = (value: unknown) => !/\\u(0000|d[89a-f][0-9a-f]{2})/i.test(JSON.stringify(value) ?? '');
const jsonData = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).filter(storableJson);
const text = fc.string({ unit: 'binary', maxLength: 12 }).filter(storable);
const phone = fc.constantFrom('13812345678', '+86 139 0000 2222', '+1 312 555 0199', '1234', '', undefined);
const resident = fc.record({ name: text, phone }, { requiredKeys: ['name'] });
/** Data as events carry it: anything, or a report's reporter or a follow-up's caller among other fields. */
const eventData = fc.oneof(
  jsonData,
  fc.record({ reporter: fc.oneof(resident, fc.constant(null), text), channel: text, '10': fc.integer() }),
  fc.record({ caller: resident, note: text, contactNumber: fc.integer(), 名: text, é: jsonData, ab: jsonData }),
);
/** Instants as CloudEvents carry them: milliseconds or finer, any offset. */
const instant = fc
  .tuple(
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom('', '123', '4567', '999999'),
    fc.constantFrom('Z', '+08:00', '-05:30'),
  )
  .map(([date, digits, zone]) => {
    const shifted = zone === 'Z' ? date : new Date(date.getTime() + (zone === '+08:00' ? 480 : -330) * 60_000);
    return `${shifted.toISOString().slice(0, 19)}${digits ? `.${digits}` : ''}${zone}`;
  });

describe('the timeline’s answer, put together from texts (real PostgreSQL)', () => {
  let db: TestDatabase;
  let controller: WorkOrdersHttpController;

  beforeAll(async () => {
    db = await freshDatabase('query_timeline_answer');
    controller = new WorkOrdersHttpController(new WorkOrderViewsRepository(db.pool));
  });
  afterAll(() => db.drop());

  const openOrder = (workOrderId: string) =>
    db.pool.query(
      `INSERT INTO query_work_orders (work_order_id, number, site_id, building, unit, channel, category, description,
         status, reported_at, updated_at)
       VALUES ($1, $2, 'S1', 'B3', '1502', 'phone', 'plumbing', 'Leak', 'in-progress', now(), now())`,
      [workOrderId, `S1-20261205-${workOrderId.slice(0, 6)}`],
    );

  it('is the answer pg’s rows serialised by express were, for every caller and instant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            data: eventData,
            time: instant,
            actor: fc.option(text, { nil: undefined }),
            correlationid: fc.option(text, { nil: undefined }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (events) => {
          const workOrderId = randomUUID();
          await openOrder(workOrderId);
          const client = await db.pool.connect();
          try {
            await insertTimelineRows(
              client,
              events.map((e, i): CloudEvent & { workorderid: string } => ({
                specversion: '1.0',
                id: randomUUID().toUpperCase(),
                source: 'closeloop/intake',
                type: 'closeloop.workorder.follow-up-contact-recorded.v1',
                time: e.time,
                data: e.data,
                workorderid: workOrderId,
                sequence: String(events.length - i),
                ...(e.actor === undefined ? {} : { actor: e.actor }),
                ...(e.correlationid === undefined ? {} : { correlationid: e.correlationid }),
                causationid: 'cause "1"',
              })),
            );
          } finally {
            client.release();
          }
          for (const asOf of [undefined, events[0]?.time, '2050-01-01T00:00:00+08:00']) {
            for (const caller of callers) {
              const query = asOf === undefined ? {} : { asOf };
              const before = await answerAsBefore(db, workOrderId, caller, asOf);
              if (before === undefined)
                await expect(controller.timelineAnswer(workOrderId, caller, query)).rejects.toMatchObject({
                  code: 'NOT_FOUND',
                });
              else expect(String(await controller.timelineAnswer(workOrderId, caller, query))).toBe(before);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('shows events stored before the texts were written as it showed them then', async () => {
    const workOrderId = randomUUID();
    await openOrder(workOrderId);
    await db.pool.query(
      `INSERT INTO query_timeline (event_id, work_order_id, event_type, occurred_at, source, actor, sequence, data)
       VALUES ($1, $2, 'closeloop.workorder.reported.v1', '2026-11-23T01:00:00.123456+08:00', 'intake', 'staff:s1-d', 1, $3),
              ($4, $2, 'closeloop.workorder.follow-up-contact-recorded.v1', '2026-11-23T02:00:00Z', 'intake', NULL, 2, $5)`,
      [
        randomUUID(),
        workOrderId,
        JSON.stringify({ workOrderId, reporter: { name: '林女士', phone: '13812345678' }, description: '漏水' }),
        randomUUID(),
        JSON.stringify({ workOrderId, caller: { name: 'Mr Lee', phone: '+1 312 555 0199' }, contactNumber: 2 }),
      ],
    );
    for (const caller of callers) {
      const answer = String(await controller.timelineAnswer(workOrderId, caller));
      expect(answer).toBe(await answerAsBefore(db, workOrderId, caller));
      const phones = (JSON.parse(answer) as { events: { data: { reporter?: { phone: string } } }[] }).events.map(
        (e) => e.data.reporter?.phone,
      );
      expect(phones[0]).toBe(seesFullPhone(principalOf(caller)) ? '13812345678' : '138****5678');
    }
  });
});

describe('GET /v1/work-orders/{id}/timeline over HTTP (real PostgreSQL, the projection)', () => {
  let environment: ServiceEnvironment;
  let app: INestApplication;
  let baseUrl: string;
  let supervisorToken: string;
  const workOrderId = randomUUID();

  beforeAll(async () => {
    environment = await startServiceEnvironment('query-timeline', 'closeloop-query-timeline');
    ({ app, baseUrl } = await startQueryUnderTest(environment));
    supervisorToken = await environment.staffToken({ staffId: 's1', roles: ['supervisor'], sites: ['S1'] });
    const projection = app.get(WorkOrderProjectionKafkaController);
    const reported = ceilingLeakReported(workOrderId, 'S1-20261123-0001');
    await projection.onEvent({ event: publishedWorkOrderEvent(workOrderId, reported, 1) } as never);
  });

  afterAll(async () => {
    await app?.close();
    await environment?.remove();
  });

  const timeline = (headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}/v1/work-orders/${workOrderId}/timeline`, {
      headers: { authorization: `Bearer ${supervisorToken}`, ...headers },
    });

  it('answers the JSON with its ETag, and 304 to a caller who has it', async () => {
    const response = await timeline();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = Buffer.from(await response.arrayBuffer());
    // express's weak ETag of the body (the etag package's: length and SHA-1), as when it serialised the answer itself.
    const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
    expect(response.headers.get('etag')).toBe(`W/"${body.length.toString(16)}-${hash}"`);
    const { events } = JSON.parse(String(body)) as { events: { type: string; data: { reporter: unknown } }[] };
    expect(events.map((e) => e.type)).toEqual([EventTypes.WorkOrderReported]);
    expect(events[0]?.data.reporter).toMatchObject({ phone: expect.stringContaining('****') });

    // Over node:http: fetch adds `Cache-Control: no-cache` to a conditional request, which no server answers with 304.
    const again = await new Promise<{ status?: number; body: string }>((resolve, reject) =>
      get(
        `${baseUrl}/v1/work-orders/${workOrderId}/timeline`,
        {
          headers: {
            authorization: `Bearer ${supervisorToken}`,
            'if-none-match': response.headers.get('etag') as string,
          },
        },
        (answer) => {
          let body = '';
          answer.on('data', (chunk: Buffer) => (body += String(chunk)));
          answer.on('end', () => resolve({ status: answer.statusCode, body }));
        },
      ).on('error', reject),
    );
    expect(again).toEqual({ status: 304, body: '' });
  });

  it('answers 404 as problem+json for an order that is not there', async () => {
    const response = await fetch(`${baseUrl}/v1/work-orders/${randomUUID()}/timeline`, {
      headers: { authorization: `Bearer ${supervisorToken}` },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
