import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { LinkDigestBackfill, ResidentKeys } from '@closeloop/auth';
import { CloudEventContentTypes, EventTypes, IntakeEventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { WorkOrderCommand } from '@closeloop/work-order-domain';
import { FUZZ_SOURCE, IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { RESIDENT_KEYS } from '../intake.config';

// The resident's side of a status link at intake (docs/adr/0026-resident-status-links.md): the link a report is
// answered with, and the resident's actions by it, against the intake service in this process and a real database.
// What staff do in between (acknowledge, start, resolve) is recorded through the same command path dispatch uses.

const wangWei = { staffId: 's1-wang-wei', name: 'Wang Wei' };

describe('status links at intake: residentLink on every report, and the resident’s actions by it', () => {
  let intake: IntakeUnderTest;
  let keys: ResidentKeys;
  let commands: WorkOrderCommands;
  let clients = 0;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-resident-link');
    keys = intake.app.get<ResidentKeys>(RESIDENT_KEYS);
    commands = new WorkOrderCommands(new PostgresEventStore(intake.db.pool));
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  const report = (unit = randomUUID().slice(0, 6), description = 'Water leaking from the bathroom ceiling') => ({
    siteId: 'S1',
    building: 'B7',
    unit,
    channel: 'app',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    category: 'plumbing',
    description,
  });
  const submit = async (body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': intake.apiKey, ...headers },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { workOrderId: string; residentLink: string; linkedAsDuplicate?: unknown };
  };
  /** Each test a client of its own, as the console's proxy on loopback forwards it. */
  const client = () => ({ 'x-forwarded-for': `198.51.100.${++clients}`, 'x-correlation-id': 'resident-link-spec' });
  const act = async (token: string, action: string, body: unknown, headers: Record<string, string> = client()) => {
    const response = await fetch(`${intake.baseUrl}/v1/resident/orders/${token}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const staff = async (workOrderId: string, command: (now: Date) => WorkOrderCommand, now = new Date()) =>
    commands.execute(workOrderId, () => command(now), {
      actor: { kind: 'staff', id: wangWei.staffId },
      correlationId: randomUUID(),
      causationId: randomUUID(),
      producer: 'dispatch',
    });
  const resolve = async (workOrderId: string, at = new Date()) => {
    await staff(workOrderId, (now) => ({ type: 'Acknowledge', by: wangWei, now }), at);
    await staff(workOrderId, (now) => ({ type: 'StartWork', by: wangWei, now }), at);
    await staff(
      workOrderId,
      (now) => ({ type: 'Resolve', by: wangWei, notes: 'Sealed the joint', photoRefs: [], now }),
      at,
    );
  };
  const recorded = async (workOrderId: string, type: string) =>
    (
      await intake.db.pool.query<{ data: Record<string, unknown>; actor: unknown }>(
        `SELECT data, metadata->'actor' AS actor FROM es_events WHERE stream_id = $1 AND event_type = $2`,
        [`workorder-${workOrderId}`, type],
      )
    ).rows;

  it('answers a report, a retry, a duplicate joining it and a CloudEvent each with the order’s one link', async () => {
    const unit = randomUUID().slice(0, 6);
    const key = { 'idempotency-key': `call-${randomUUID()}` };
    const first = await submit(report(unit), key);
    const link = `http://127.0.0.1:3006/r/${keys.linkToken(first.workOrderId)}`;
    expect(first.residentLink).toBe(link);
    expect((await submit(report(unit), key)).residentLink).toBe(link);
    const duplicate = await submit(report(unit, 'The bathroom ceiling is leaking water'));
    expect(duplicate).toMatchObject({ workOrderId: first.workOrderId, residentLink: link });
    expect(duplicate.linkedAsDuplicate).toBeDefined();

    const event = (id: string) => ({
      specversion: '1.0',
      id,
      source: FUZZ_SOURCE,
      type: IntakeEventTypes.ReportSubmitted,
      data: report(),
    });
    const structured = await fetch(`${intake.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': CloudEventContentTypes.structured, 'x-api-key': intake.apiKey },
      body: JSON.stringify(event(randomUUID())),
    });
    const accepted = (await structured.json()) as { workOrderId: string; residentLink: string };
    expect(accepted.residentLink).toBe(`http://127.0.0.1:3006/r/${keys.linkToken(accepted.workOrderId)}`);
    const batch = await fetch(`${intake.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': CloudEventContentTypes.batch, 'x-api-key': intake.apiKey },
      body: JSON.stringify([event(randomUUID())]),
    });
    const [result] = ((await batch.json()) as { results: { workOrderId: string; residentLink: string }[] }).results;
    expect(result?.residentLink).toBe(`http://127.0.0.1:3006/r/${keys.linkToken(result?.workOrderId as string)}`);
  });

  it('adds the resident’s note to an open order, as the resident by the status link, and leaves the order where it was', async () => {
    const { workOrderId } = await submit(report());
    const token = keys.linkToken(workOrderId);
    const noted = await act(token, 'notes', { note: ' Home after 18:00 ', photoRefs: ['app/ms-lin/ceiling.jpg'] });
    expect(noted).toEqual({
      status: 202,
      body: { number: expect.any(String), status: 'triaged', events: [EventTypes.ResidentNoteAdded] },
    });
    expect(await recorded(workOrderId, EventTypes.ResidentNoteAdded)).toEqual([
      {
        data: {
          workOrderId,
          note: 'Home after 18:00',
          photoRefs: ['app/ms-lin/ceiling.jpg'],
          addedAt: expect.any(String),
        },
        actor: { kind: 'resident', id: 'via:status-link' },
      },
    ]);
    expect((await act(token, 'notes', {})).status).toBe(422);
    expect((await act(token, 'notes', { note: 'x', extra: true })).status).toBe(422);
  });

  it('refuses to confirm an order not yet resolved, naming what the resident may do now', async () => {
    const { workOrderId } = await submit(report());
    const refused = await act(keys.linkToken(workOrderId), 'confirmation', { rating: 4 });
    expect(refused).toMatchObject({
      status: 409,
      body: { code: 'ILLEGAL_TRANSITION', currentStatus: 'triaged', allowedCommands: ['follow-up', 'note'] },
    });
  });

  it('closes a resolved order with the resident’s 4 stars, once, and reopens another they say is not fixed', async () => {
    const fixed = await submit(report());
    await resolve(fixed.workOrderId);
    const token = keys.linkToken(fixed.workOrderId);
    const retry = { ...client(), 'idempotency-key': `tap-${randomUUID()}` };
    const confirmed = await act(token, 'confirmation', { rating: 4, comment: 'Quick and tidy' }, retry);
    expect(confirmed).toMatchObject({ status: 202, body: { status: 'closed', events: [EventTypes.WorkOrderClosed] } });
    expect(await act(token, 'confirmation', { rating: 4, comment: 'Quick and tidy' }, retry)).toMatchObject({
      status: 202,
      body: { status: 'closed' },
    });
    expect((await recorded(fixed.workOrderId, EventTypes.WorkOrderClosed)).map((r) => r.data)).toEqual([
      expect.objectContaining({ outcome: 'confirmed', rating: 4, comment: 'Quick and tidy' }),
    ]);
    expect((await act(token, 'confirmation', { rating: 6 })).status).toBe(422);
    expect((await act(token, 'notes', { note: 'one more thing' })).status).toBe(409);

    const dripping = await submit(report());
    await resolve(dripping.workOrderId);
    const rejected = await act(keys.linkToken(dripping.workOrderId), 'rejection', { reason: 'Still dripping' });
    expect(rejected).toMatchObject({
      status: 202,
      body: { status: 'assigned', events: [EventTypes.ResolutionRejected, EventTypes.WorkOrderReopened] },
    });
    expect((await recorded(dripping.workOrderId, EventTypes.ResolutionRejected))[0]?.data).toMatchObject({
      comment: 'Still dripping',
    });
  });

  it('answers an unknown, a malformed and an expired link with one 404, word for word', async () => {
    const old = await submit(report());
    const longAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    await resolve(old.workOrderId, longAgo);
    await staff(old.workOrderId, (now) => ({ type: 'ConfirmResolution', rating: 5, now }), longAgo);
    const tokens = [keys.linkToken(old.workOrderId), keys.linkToken(randomUUID()), 'short', `${'A'.repeat(43)}!`];
    const answers = [];
    for (const token of tokens) {
      const { status, body } = await act(token, 'notes', { note: 'hello' });
      const { instance: _instance, ...rest } = body;
      answers.push({ status, rest });
    }
    expect(answers[0]).toEqual({
      status: 404,
      rest: {
        type: 'urn:closeloop:problem:not_found',
        title: 'Not Found',
        status: 404,
        code: 'NOT_FOUND',
        detail: 'This status link is not known, or has expired',
        correlationId: 'resident-link-spec',
      },
    });
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
    // The link is checked before the request: a body that would be refused does not tell a real link from a guess.
    expect((await act(keys.linkToken(randomUUID()), 'confirmation', { rating: 99 })).status).toBe(404);
  });

  it('gives orders opened before the digest existed theirs when the service starts', async () => {
    const { workOrderId } = await submit(report());
    await intake.db.pool.query('UPDATE intake_reports SET link_digest = NULL WHERE work_order_id = $1', [workOrderId]);
    expect((await act(keys.linkToken(workOrderId), 'notes', { note: 'hello' })).status).toBe(404);
    expect(await intake.app.get(LinkDigestBackfill).run()).toBeGreaterThanOrEqual(1);
    expect((await act(keys.linkToken(workOrderId), 'notes', { note: 'hello' })).status).toBe(202);
  });
});
