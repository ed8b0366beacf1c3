import { randomUUID } from 'node:crypto';
import { ResidentKeys } from '@closeloop/auth';
import { EventTypes, localDateOf } from '@closeloop/contracts';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { callJson } from '@closeloop/testing';
import { RESIDENT_KEYS } from '../intake.config';
import { IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { SiteCalendar } from '../site-calendar';
import { PriorityRegistryHandler } from './priority-registry.handler';
import { PriorityResidentsRepository } from './priority-residents.repository';

// Mrs Zhao, 82, lives alone in 3-1202 at site S1; her daughter agreed to the registration on her behalf.

const PHONE = '13912345678';
const DAY = 24 * 3600 * 1000;
const dateIn = (days: number) => localDateOf(new Date(Date.now() + days * DAY), 'Asia/Shanghai');

describe('the priority registry and lane (in-process intake, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let dispatcher: string;
  let otherSite: string;
  let registrationId: string;

  const call = (method: string, path: string, token: string, body?: unknown) =>
    callJson(intake.baseUrl, method, path, { authorization: `Bearer ${token}` }, body);
  const registration = (over: Record<string, unknown> = {}) => ({
    siteId: 'S1',
    building: '3',
    unit: '1202',
    phone: PHONE,
    name: 'Zhao Lan',
    need: 'elderly-living-alone',
    consent: { givenBy: 'her daughter, Zhao Min', givenOn: dateIn(0) },
    reviewOn: dateIn(180),
    ...over,
  });
  const report = (over: Record<string, unknown> = {}) =>
    call('POST', '/v1/reports', dispatcher, {
      siteId: 'S1',
      building: '3',
      unit: '1202',
      channel: 'phone',
      category: 'plumbing',
      description: `The kitchen tap is leaking (${randomUUID()})`,
      reporter: { name: 'Zhao Lan' },
      ...over,
    });
  const triagedOf = async (workOrderId: string) =>
    (
      await intake.db.pool.query<{ data: Record<string, unknown> }>(
        `SELECT data FROM es_events WHERE event_type = $1 AND data->>'workOrderId' = $2`,
        [EventTypes.WorkOrderTriaged, workOrderId],
      )
    ).rows[0]?.data;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-priority-registry');
    dispatcher = await intake.staffToken({
      staffId: 'wang-fang',
      name: 'Wang Fang',
      roles: ['dispatcher'],
      sites: ['S1'],
    });
    otherSite = await intake.staffToken({ staffId: 'li-na', roles: ['dispatcher'], sites: ['S2'] });
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  it('registers a resident with consent, showing the phone masked and keeping it only as a digest', async () => {
    const created = await call('POST', '/v1/residents', dispatcher, registration());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      siteId: 'S1',
      unit: '1202',
      phone: '139****5678',
      need: 'elderly-living-alone',
      consent: { givenBy: 'her daughter, Zhao Min', recordedBy: { staffId: 'wang-fang', name: 'Wang Fang' } },
    });
    registrationId = created.body['registrationId'] as string;
    const stored = await intake.db.pool.query<{ text: string }>(
      `SELECT data::text AS text FROM es_events WHERE stream_id = $1
       UNION ALL SELECT row_to_json(r)::text FROM intake_priority_residents r`,
      [`priority-resident-${registrationId}`],
    );
    expect(stored.rows).toHaveLength(2);
    for (const { text } of stored.rows) expect(text).not.toContain(PHONE);
    const keys = intake.app.get<ResidentKeys>(RESIDENT_KEYS);
    expect(stored.rows[0]?.text).toContain(keys.phoneDigest(`+86 ${PHONE}`));

    const listed = await call('GET', '/v1/residents?site=S1', dispatcher);
    expect(listed.status).toBe(200);
    expect(listed.body['residents']).toEqual([expect.objectContaining({ registrationId, phone: '139****5678' })]);
    expect(JSON.stringify(listed.body)).not.toContain(PHONE);
  });

  it('refuses another site’s staff, a review date in the past and an unknown need', async () => {
    expect((await call('POST', '/v1/residents', otherSite, registration())).status).toBe(403);
    expect((await call('GET', '/v1/residents?site=S1', otherSite)).status).toBe(403);
    expect((await call('POST', '/v1/residents', dispatcher, registration({ reviewOn: dateIn(-1) }))).status).toBe(422);
    expect((await call('POST', '/v1/residents', dispatcher, registration({ need: 'vip' }))).status).toBe(422);
  });

  it('raises her normal leak to urgent, by her unit or her phone, with the reason on the triage', async () => {
    const byUnit = await report();
    expect(byUnit.status).toBe(202);
    expect(byUnit.body['tier']).toBe('urgent');
    const triaged = await triagedOf(byUnit.body['workOrderId'] as string);
    expect(triaged).toMatchObject({
      tier: 'urgent',
      ruleId: 'normal-repairs',
      priorityLane: { registrationId, need: 'elderly-living-alone', raisedFrom: 'normal', matchedBy: 'unit' },
    });
    expect(triaged?.['reason']).toMatch(/^Priority lane: plumbing reported by an elderly resident living alone/);

    const byPhone = await report({ building: '9', unit: '0101', reporter: { phone: `+86 ${PHONE}` } });
    expect(byPhone.body['tier']).toBe('urgent');
    expect(await triagedOf(byPhone.body['workOrderId'] as string)).toMatchObject({
      priorityLane: { matchedBy: 'phone' },
    });
  });

  it('leaves a complaint that is not safety-related, and a neighbour’s leak, as the rules triage them', async () => {
    const noise = await report({ category: 'noise', description: `Barking dog upstairs (${randomUUID()})` });
    expect(noise.body['tier']).toBe('normal');
    expect(await triagedOf(noise.body['workOrderId'] as string)).not.toHaveProperty('priorityLane');
    const neighbour = await report({ unit: '1203' });
    expect(neighbour.body['tier']).toBe('normal');
  });

  it('removes a registration with a reason, after which her reports go by the rules again', async () => {
    expect((await call('DELETE', `/v1/residents/${registrationId}`, dispatcher)).status).toBe(422);
    expect((await call('DELETE', `/v1/residents/${registrationId}?reason=moved`, otherSite)).status).toBe(404);
    expect((await call('DELETE', `/v1/residents/${randomUUID()}?reason=moved`, dispatcher)).status).toBe(404);
    const removed = await call(
      'DELETE',
      `/v1/residents/${registrationId}?reason=moved%20to%20a%20care%20home`,
      dispatcher,
    );
    expect(removed.status).toBe(204);
    expect((await call('DELETE', `/v1/residents/${registrationId}?reason=again`, dispatcher)).status).toBe(409);
    expect((await call('GET', '/v1/residents?site=S1', dispatcher)).body['residents']).toEqual([]);
    expect((await report()).body['tier']).toBe('normal');
    const events = await intake.db.pool.query<{ event_type: string; data: { reason?: string } }>(
      'SELECT event_type, data FROM es_events WHERE stream_id = $1 ORDER BY global_position',
      [`priority-resident-${registrationId}`],
    );
    expect(events.rows.map((e) => e.event_type)).toEqual([
      EventTypes.PriorityResidentRegistered,
      EventTypes.PriorityResidentRemoved,
    ]);
    expect(events.rows[1]?.data.reason).toBe('moved to a care home');
  });

  it('lapses a registration on its review date, as an event', async () => {
    const created = await call(
      'POST',
      '/v1/residents',
      dispatcher,
      registration({ unit: '0707', reviewOn: dateIn(30) }),
    );
    const id = created.body['registrationId'] as string;
    const residents = intake.app.get(PriorityResidentsRepository);
    expect(await residents.dueForReview(dateIn(29), 100)).not.toContain(id);
    expect(await residents.dueForReview(dateIn(30), 100)).toContain(id);
    // The registry as it will be on the review date: the same parts, a clock 30 days on.
    const later = new PriorityRegistryHandler(
      intake.app.get<EventStore>(EVENT_STORE),
      { now: () => new Date(Date.now() + 30 * DAY) },
      intake.app.get(SiteCalendar),
      intake.app.get<ResidentKeys>(RESIDENT_KEYS),
      residents,
    );
    const context = { actor: { kind: 'system', id: 'test' }, correlationId: 'c', causationId: 'c' } as const;
    await later.expire(id, context);
    await later.expire(id, context);
    expect(await residents.find(id)).toBeUndefined();
    const events = await intake.db.pool.query<{ event_type: string }>(
      'SELECT event_type FROM es_events WHERE stream_id = $1 ORDER BY global_position',
      [`priority-resident-${id}`],
    );
    expect(events.rows.map((e) => e.event_type)).toEqual([
      EventTypes.PriorityResidentRegistered,
      EventTypes.PriorityResidentExpired,
    ]);
  });
});
