import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { LinkDigestBackfill, ResidentKeys } from '@closeloop/auth';
import { DomainEvent, EventTypes } from '@closeloop/contracts';
import { inTransaction } from '@closeloop/database';
import {
  ceilingLeakAssigned,
  ceilingLeakPlumber,
  ceilingLeakReported,
  ceilingLeakSlaTargetsSet,
  publishedWorkOrderEvent,
  ServiceEnvironment,
  startServiceEnvironment,
} from '@closeloop/testing';
import { projectEvent } from '../projection/work-order.projection';
import { startQueryUnderTest } from '../query-under-test.spec';
import { linkDigestsOf, residentDigestsOf } from './link-digests';

// The query service in this process with a real PostgreSQL; events are projected as its consumer projects them.
// GET /v1/resident/orders/{token} is read as the resident's page reads it: no credential but the link's token.

const RATE_LIMIT = 20;

describe('GET /v1/resident/orders/{token}: the resident’s view by status link (real PostgreSQL)', () => {
  let environment: ServiceEnvironment;
  let app: INestApplication;
  let baseUrl: string;
  let keys: ResidentKeys;
  let addresses = 0;

  beforeAll(async () => {
    environment = await startServiceEnvironment('query-resident', 'closeloop-query-resident');
    keys = new ResidentKeys(environment.env['RESIDENT_SECRET'] as string);
    ({ app, baseUrl } = await startQueryUnderTest(environment, {
      RESIDENT_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    }));
  });

  afterAll(async () => {
    await app?.close();
    await environment?.remove();
  });

  let sequence = 0;
  const project = async (workOrderId: string, event: DomainEvent): Promise<void> => {
    const published = publishedWorkOrderEvent(workOrderId, event, ++sequence);
    await inTransaction(environment.db.pool, (client) => projectEvent(client, published, residentDigestsOf(keys)));
  };

  /** Behind the console's proxy on loopback, each test is a client of its own (the address the proxy forwards). */
  const asClient = () => ({ 'x-forwarded-for': `203.0.113.${++addresses}`, 'x-correlation-id': 'resident-spec' });
  const view = (token: string, headers: Record<string, string> = asClient()) =>
    fetch(`${baseUrl}/v1/resident/orders/${token}`, { headers });

  const wangWei = ceilingLeakPlumber;
  const reportedOrder = async (): Promise<string> => {
    const workOrderId = randomUUID();
    const unit = randomUUID().slice(0, 6);
    await project(workOrderId, ceilingLeakReported(workOrderId, `S1-20261123-${unit}`, { unit }));
    await project(workOrderId, {
      type: EventTypes.WorkOrderTriaged,
      data: {
        workOrderId,
        tier: 'normal',
        category: 'plumbing',
        ruleId: 'default',
        reason: 'leak',
        triagedAt: '2026-11-23T01:00:00.000Z',
      },
    });
    await project(workOrderId, ceilingLeakSlaTargetsSet(workOrderId));
    await project(workOrderId, ceilingLeakAssigned(workOrderId));
    return workOrderId;
  };

  it('shows the order’s number, status, steps, due time and actions, and no phone number or staff id', async () => {
    const workOrderId = await reportedOrder();
    await project(workOrderId, {
      type: EventTypes.WorkOrderAcknowledged,
      data: { workOrderId, by: wangWei, becameOwner: false, acknowledgedAt: '2026-11-23T01:04:00.000Z' },
    });
    const response = await view(keys.linkToken(workOrderId));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      status: 'acknowledged',
      category: 'plumbing',
      steps: [
        { step: 'received', at: '2026-11-23T01:00:00.000Z' },
        { step: 'assigned', technician: { givenName: 'Wei', team: 's1-plumbing' } },
        { step: 'acknowledged', technician: { givenName: 'Wei', team: 's1-plumbing' } },
      ],
      due: { at: '2026-11-23T05:00:00.000Z', paused: false },
      actions: { confirm: false, reject: false, note: true },
      linkExpiresAt: null,
    });
    for (const secret of ['13812345678', 's1-wang-wei', 'Wang Wei', 'Ms Lin', workOrderId])
      expect(text).not.toContain(secret);
  });

  it('answers an unknown, a malformed and an expired link with one 404, word for word', async () => {
    const closedLongAgo = await reportedOrder();
    await project(closedLongAgo, {
      type: EventTypes.WorkOrderResolved,
      data: {
        workOrderId: closedLongAgo,
        by: wangWei,
        notes: 'Sealed',
        photoRefs: [],
        resolvedAt: '2026-10-01T01:00:00.000Z',
      },
    });
    await project(closedLongAgo, {
      type: EventTypes.WorkOrderClosed,
      data: { workOrderId: closedLongAgo, outcome: 'confirmed', rating: 5, closedAt: '2026-10-02T01:00:00.000Z' },
    });
    const answers = await Promise.all(
      [
        keys.linkToken(closedLongAgo),
        keys.linkToken(randomUUID()),
        'not-a-token',
        `${keys.linkToken(randomUUID())}x`,
      ].map(async (token) => {
        const response = await view(token);
        const { instance, ...body } = (await response.json()) as Record<string, unknown>;
        expect(instance).toBe(`/v1/resident/orders/${token}`);
        return { status: response.status, type: response.headers.get('content-type'), body };
      }),
    );
    expect(answers[0]).toEqual({
      status: 404,
      type: expect.stringContaining('application/problem+json'),
      body: {
        type: 'urn:closeloop:problem:not_found',
        title: 'Not Found',
        status: 404,
        code: 'NOT_FOUND',
        detail: 'This status link is not known, or has expired',
        correlationId: 'resident-spec',
      },
    });
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);
  });

  it('gives rows projected before the digest existed theirs when the service starts, and again after the secret changed', async () => {
    const workOrderId = await reportedOrder();
    await environment.db.pool.query('UPDATE query_work_orders SET link_digest = NULL WHERE work_order_id = $1', [
      workOrderId,
    ]);
    expect((await view(keys.linkToken(workOrderId))).status).toBe(404);
    expect(await app.get(LinkDigestBackfill).run()).toBeGreaterThanOrEqual(1);
    expect((await view(keys.linkToken(workOrderId))).status).toBe(200);

    // Digests under an old secret: one that no longer matches re-keys every row.
    const old = linkDigestsOf('an-old-resident-secret-of-at-least-32-characters');
    await environment.db.pool.query('UPDATE query_work_orders SET link_digest = $2 WHERE work_order_id = $1', [
      workOrderId,
      old(workOrderId),
    ]);
    await environment.db.pool.query('UPDATE query_work_orders SET link_digest = NULL WHERE work_order_id <> $1', [
      workOrderId,
    ]);
    await app.get(LinkDigestBackfill).run();
    expect((await view(keys.linkToken(workOrderId))).status).toBe(200);
  });

  it('limits each client address, and only that address', async () => {
    const token = keys.linkToken(await reportedOrder());
    const client = asClient();
    const statuses: number[] = [];
    // Twice the budget and more: however the requests fall across a window's end, one window gets past its budget.
    for (let i = 0; i < 2 * RATE_LIMIT + 5; i++) {
      const response = await view(token, client);
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(((await response.json()) as { code: string }).code).toBe('RATE_LIMITED');
        break;
      }
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, RATE_LIMIT).every((s) => s === 200)).toBe(true);
    expect((await view(token, asClient())).status).toBe(200);
  });
});
