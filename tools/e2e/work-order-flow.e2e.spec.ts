import { randomUUID } from 'node:crypto';
import { IntegratorKeyStore } from '@closeloop/auth';
import { DeadLetterHeaders, EventTypes, TopicBaseNames, topicName } from '@closeloop/contracts';
import { eventually, TestDatabase, useDeadLetters } from '@closeloop/testing';
import { Producer } from 'kafkajs';
import { get, post, startTestStack, TestStack, TimelineEvent, timelineWith, urls } from './test-stack';

const intake = urls.intake;
const query = urls.query;

interface Problem {
  status: number;
  code: string;
  correlationId: string;
  issues?: { path: string; message: string }[];
}

// A flat of its own per report, so the duplicate rule never joins two tests' reports.
const report = (overrides: Record<string, unknown> = {}) => ({
  siteId: 'S1',
  building: 'B3',
  unit: randomUUID().slice(0, 8),
  channel: 'phone',
  reporter: { name: 'Ms Lin', phone: '13812345678' },
  description: 'Burst pipe under the kitchen sink, water on the floor',
  ...overrides,
});

const cloudEvent = (data: unknown, overrides: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/integrators/e2e-hotline',
  type: 'closeloop.intake.report-submitted.v1',
  datacontenttype: 'application/json',
  data,
  ...overrides,
});

const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  post(`${intake}${path}`, body, headers);
const getJson = (path: string) => get(`${query}${path}`);
const settledTimeline = timelineWith;

const ASSIGNED_TIMELINE = [
  EventTypes.WorkOrderReported,
  EventTypes.WorkOrderTriaged,
  EventTypes.SlaTargetsSet,
  EventTypes.WorkOrderAssigned,
];

describe('a report travels intake → event store → Kafka → dispatch and sla-timer → query, as separate processes', () => {
  let stack: TestStack;
  let db: TestDatabase;
  let producer: Producer;
  /** Where integrators send CloudEvents to intake, under this run's topic prefix. */
  const intakeTopic = () => topicName(TopicBaseNames.intake, stack.prefix);

  beforeAll(async () => {
    stack = await startTestStack('e2e-intake');
    db = stack.db;
    producer = stack.kafka.producer();
    await producer.connect();
  }, 180_000);

  const deadLetters = useDeadLetters(() => ({ kafka: stack.kafka, topic: intakeTopic(), prefix: stack.prefix }));

  afterAll(async () => {
    await producer?.disconnect();
    await stack?.stop();
  });

  it('assigns an HTTP report and tells its whole story on the timeline', async () => {
    const correlationId = `e2e-${randomUUID()}`;
    const started = Date.now();
    const accepted = await postJson('/v1/reports', report(), { 'x-correlation-id': correlationId });
    expect(accepted.status).toBe(202);
    expect(accepted.body['number']).toMatch(/^S1-\d{8}-\d{4}$/);
    expect(accepted.body['tier']).toBe('urgent');
    const workOrderId = accepted.body['workOrderId'] as string;

    const events = await settledTimeline(workOrderId, ASSIGNED_TIMELINE);
    console.log(`e2e: POST /v1/reports to a complete timeline in ${Date.now() - started} ms`);

    expect(events.slice(0, 2).map((e) => e.type)).toEqual([EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged]);
    // The report's own events carry its correlation id; the notices the resident is sent are notification's own
    // deliveries, each correlated by its notice (ADR 27).
    const ownEvents = events.filter((e) => !e.type.startsWith('closeloop.resident-notice.'));
    expect(ownEvents.length).toBeGreaterThan(2);
    expect(ownEvents.every((e) => e.correlationId === correlationId)).toBe(true);
    const triaged = events.find((e) => e.type === EventTypes.WorkOrderTriaged) as TimelineEvent;
    const assigned = events.find((e) => e.type === EventTypes.WorkOrderAssigned) as TimelineEvent;
    const sla = events.find((e) => e.type === EventTypes.SlaTargetsSet) as TimelineEvent;
    expect(assigned.causationId).toBe(triaged.eventId);
    expect(sla.causationId).toBe(triaged.eventId);
    expect(assigned.actor).toBe('system:dispatch');
    expect(assigned.data['owner']).toEqual(expect.objectContaining({ staffId: expect.stringMatching(/^s1-/) }));
    expect((events[0]?.data['reporter'] as { phone: string }).phone).toBe('138****5678');

    const order = await getJson(`/v1/work-orders/${workOrderId}`);
    expect(order.body).toMatchObject({
      status: 'assigned',
      tier: 'urgent',
      category: 'plumbing',
      technician: { teamId: 's1-plumbing' },
    });
    const due = order.body['sla'] as { responseDueAt: string; resolutionDueAt: string };
    const reportedAt = Date.parse(order.body['reportedAt'] as string);
    expect(Date.parse(due.responseDueAt) - reportedAt).toBe(30 * 60 * 1000);
    expect(Date.parse(due.resolutionDueAt) - reportedAt).toBe(2 * 60 * 60 * 1000);

    // An urgent order pages whoever is on call at level 1 (here nobody is: the site's dispatcher queue).
    const alerts = await eventually('the urgent order to raise an alert', async () => {
      const { body } = await get(`${urls.notification}/v1/alerts?workOrderId=${workOrderId}`);
      const list = body['alerts'] as { kind: string; recipients: { staffId: string; role: string }[] }[];
      return list.length > 0 ? list : undefined;
    });
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'urgent-order',
        recipients: [expect.objectContaining({ staffId: 'dispatch:S1', role: 'dispatcher' })],
      }),
    ]);
  });

  it('gives the same work order for the same Idempotency-Key, and refuses the key for a different report', async () => {
    const key = `ivr-call-${randomUUID()}`;
    const corridorLight = report({ description: 'Corridor light out on floor 12' });
    const first = await postJson('/v1/reports', corridorLight, { 'idempotency-key': key });
    const again = await postJson('/v1/reports', corridorLight, { 'idempotency-key': key });
    expect(again.status).toBe(202);
    expect(again.body['workOrderId']).toBe(first.body['workOrderId']);
    expect(again.body['number']).toBe(first.body['number']);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const reused = await postJson('/v1/reports', report({ description: 'Something else entirely' }), {
      'idempotency-key': key,
    });
    expect(reused.status).toBe(409);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((reused.body as unknown as Problem).code).toBe('IDEMPOTENCY_KEY_REUSED');

    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM es_events WHERE event_type = $1 AND data->>'workOrderId' = $2",
      [EventTypes.WorkOrderReported, first.body['workOrderId']],
    );
    expect(rows[0].n).toBe(1);
  });

  it('takes a CloudEvent from the Kafka intake topic once, even when the integrator sends it twice', async () => {
    const event = cloudEvent(
      report({ channel: 'wechat', category: 'noise', description: 'Renovation drilling next door before 8 am' }),
    );
    const message = { key: event.id, value: JSON.stringify(event) };
    await producer.send({ topic: intakeTopic(), messages: [message] });
    await producer.send({ topic: intakeTopic(), messages: [message] });

    const order = await eventually('the Kafka-submitted order to be assigned', async () => {
      const { rows } = await db.pool.query<{ work_order_id: string }>(
        "SELECT work_order_id FROM query_work_orders WHERE description LIKE 'Renovation drilling%' AND status = 'assigned'",
      );
      return rows[0];
    });
    const events = await settledTimeline(order.work_order_id, ASSIGNED_TIMELINE);
    expect(events[0]?.actor).toBe('integrator:e2e-hotline');
    // The integrator finds the order its Kafka event created by the event's id.
    const found = await getJson(`/v1/work-orders?causedBy=${encodeURIComponent(event.id)}`);
    expect((found.body['items'] as { workOrderId: string }[]).map((o) => o.workOrderId)).toEqual([order.work_order_id]);
    expect(events[0]?.causationId).toBe(event.id);
    await new Promise((r) => setTimeout(r, 1_000)); // time for the second copy to be consumed
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM query_work_orders WHERE description LIKE 'Renovation drilling%'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('accepts a CloudEvents batch whole, or rejects it whole naming every bad field', async () => {
    const site = `E${Date.now().toString(36).slice(-6)}`;
    const headers = { 'content-type': 'application/cloudevents-batch+json' };
    const rejected = await postJson(
      '/v1/events',
      [cloudEvent(report({ siteId: site })), cloudEvent(report({ siteId: site, channel: 'fax' })), cloudEvent({})],
      headers,
    );
    expect(rejected.status).toBe(422);
    const paths = ((rejected.body as unknown as Problem).issues ?? []).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['[1].data.channel', '[2].data.siteId', '[2].data.description']));
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM es_events WHERE data->>'siteId' = $1", [site]);
    expect(rows[0].n).toBe(0);

    const accepted = await postJson(
      '/v1/events',
      [cloudEvent(report({ siteId: site })), cloudEvent(report({ siteId: site, building: 'T2' }))],
      headers,
    );
    expect(accepted.status).toBe(202);
    const results = accepted.body['results'] as { workOrderId: string; number: string }[];
    expect(results.map((r) => r.number)).toEqual([
      `${site}-${results[0]?.number.split('-')[1]}-0001`,
      `${site}-${results[0]?.number.split('-')[1]}-0002`,
    ]);

    // The site has no roster: the order waits in plain sight in the dispatcher queue.
    const queued = await settledTimeline(results[0]?.workOrderId as string, [
      EventTypes.WorkOrderQueuedForDispatch,
      EventTypes.SlaTargetsSet,
    ]);
    expect(queued.find((e) => e.type === EventTypes.WorkOrderQueuedForDispatch)?.data['queueId']).toBe(
      `${site}-dispatch`,
    );
    const waiting = await eventually('both orders in the dispatcher queue', async () => {
      const list = await getJson(`/v1/work-orders?site=${site}&status=awaiting-dispatch`);
      const items = list.body['items'] as { number: string }[];
      return items.length === 2 ? items : undefined;
    });
    expect(waiting.map((o) => o.number).sort()).toEqual(results.map((r) => r.number).sort());
  });

  it('carries out a valid batch event by event, reporting one the state refuses in its place', async () => {
    const headers = { 'content-type': 'application/cloudevents-batch+json' };
    const unknownOrder = cloudEvent(
      { number: 'S1-20200101-9999', rating: 5 },
      { type: 'closeloop.intake.resolution-confirmed.v1' },
    );
    const fine = cloudEvent(report({ description: 'Corridor light out by the bike store' }));
    const result = await postJson('/v1/events', [unknownOrder, fine], headers);
    expect(result.status).toBe(202);
    const [refused, accepted] = result.body['results'] as Record<string, unknown>[];
    expect(refused).toMatchObject({ id: unknownOrder.id, outcome: 'rejected', problem: { code: 'NOT_FOUND' } });
    expect(accepted).toMatchObject({ id: fine.id, outcome: 'accepted', number: expect.stringMatching(/^S1-/) });
    await settledTimeline(accepted?.['workOrderId'] as string, ASSIGNED_TIMELINE); // quiet before the next test counts events
  });

  it('answers bad HTTP input with problem+json and writes nothing', async () => {
    // The orders' own streams: the other services' follow-ups to the orders of the tests before (their SLA clocks,
    // a resident's notices) are their own streams and may still land in the store meanwhile.
    const orderEvents = async (): Promise<number> =>
      (await db.pool.query("SELECT count(*)::int AS n FROM es_events WHERE stream_id LIKE 'workorder-%'")).rows[0].n;
    const before = await orderEvents();

    const malformed = await postJson('/v1/reports', '{"siteId": "S1",');
    expect(malformed.status).toBe(400);
    expect((malformed.body as unknown as Problem).code).toBe('MALFORMED_JSON');

    const missing = await postJson('/v1/reports', { channel: 'phone', description: 'Corridor light out', extra: 1 });
    expect(missing.status).toBe(422);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((missing.body as unknown as Problem).issues ?? []).map((i) => i.path)).toEqual(
      expect.arrayContaining(['siteId', '(body)']),
    );
    expect((missing.body as unknown as Problem).correlationId).toBeTruthy();

    const wrongType = await postJson('/v1/reports', report(), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);

    const tooLarge = await postJson('/v1/reports', report({ description: 'x'.repeat(70_000) }));
    expect(tooLarge.status).toBe(413);

    // Plain JSON is binary content mode (ce- headers, the data as the body): a structured event sent as plain JSON
    // lacks those headers, and the problem names them.
    const notStructured = await postJson('/v1/events', cloudEvent(report()));
    expect(notStructured.status).toBe(422);
    expect(JSON.stringify(notStructured.body)).toContain('ce-specversion');

    const badEnvelope = await postJson(
      '/v1/events',
      { ...cloudEvent(report()), specversion: '0.3' },
      { 'content-type': 'application/cloudevents+json' },
    );
    expect(badEnvelope.status).toBe(422);
    expect(((badEnvelope.body as unknown as Problem).issues ?? [])[0]?.path).toBe('specversion');

    expect(await orderEvents()).toBe(before);

    const unknown = await getJson(`/v1/work-orders/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect((unknown.body as unknown as Problem).code).toBe('NOT_FOUND');
  });

  it('dead-letters bad messages on the Kafka intake topic with their reason, and keeps consuming', async () => {
    const topic = intakeTopic();
    const garbage = `garbage ${randomUUID()}`;
    const wrongType = cloudEvent(report(), { type: 'closeloop.intake.unknown.v1' });
    const invalidReport = cloudEvent({ siteId: 'S1', channel: 'carrier-pigeon', description: 'x' });
    // Only registered integrators, within their sites: an unknown source and another site's integrator are refused.
    await new IntegratorKeyStore(db.pool, () => new Date()).register({
      integratorId: 'e2e-s2-desk',
      name: 'S2 front desk',
      sites: ['S2'],
      eventTypes: ['*'],
    });
    const unknownSource = cloudEvent(report(), { source: '/integrators/nobody-we-know' });
    const otherSite = cloudEvent(report(), { source: '/integrators/e2e-s2-desk' });
    const good = cloudEvent(report({ description: `Lift fault in tower ${randomUUID()}`, category: 'lift' }));
    await producer.send({
      topic,
      messages: [
        garbage,
        JSON.stringify(wrongType),
        JSON.stringify(invalidReport),
        JSON.stringify(unknownSource),
        JSON.stringify(otherSite),
        JSON.stringify(good),
      ].map((value) => ({ key: 'one-partition', value })),
    });

    const letterFor = deadLetters.letterContaining;
    expect((await letterFor(garbage)).headers[DeadLetterHeaders.errorCode]).toBe('MALFORMED_CLOUDEVENT');
    expect((await letterFor(wrongType.id)).headers[DeadLetterHeaders.errorCode]).toBe('UNSUPPORTED_EVENT_TYPE');
    const invalid = await letterFor(invalidReport.id);
    expect(invalid.headers[DeadLetterHeaders.errorCode]).toBe('VALIDATION_FAILED');
    expect(invalid.headers[DeadLetterHeaders.reason]).toMatch(/channel/);
    expect((await letterFor(unknownSource.id)).headers[DeadLetterHeaders.errorCode]).toBe('UNKNOWN_SOURCE');
    expect((await letterFor(otherSite.id)).headers[DeadLetterHeaders.errorCode]).toBe('SITE_NOT_ALLOWED');

    await eventually('the good message behind the bad ones to become an order', async () => {
      const { rows } = await db.pool.query(
        "SELECT 1 FROM query_work_orders WHERE description = $1 AND status = 'assigned'",
        [good.data && (good.data as { description: string }).description],
      );
      return rows[0];
    });
  });
});
