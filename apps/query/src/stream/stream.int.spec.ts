import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { loadConfig } from '@closeloop/config';
import { CloudEvent, DomainEvent, EventTypes } from '@closeloop/contracts';
import { inTransaction } from '@closeloop/database';
import { startService } from '@closeloop/runtime';
import {
  ceilingLeakReported,
  EventStreamReader,
  inProcessServiceEnv,
  ServiceEnvironment,
  startServiceEnvironment,
} from '@closeloop/testing';
import { projectEvent } from '../projection/work-order.projection';
import { queryConfigSchema } from '../query.config';
import { queryModule } from '../query.module';
import { FEED_KEEPS_MILLIS } from './order-change-feed';
import { OrderChangesRepository } from './order-changes.repository';

// The query service in this process with a real PostgreSQL; its consumer's work is done here by projecting events
// as it projects them, one transaction each. GET /v1/stream is read as a console reads it, with fetch.

describe('GET /v1/stream: the live board (real PostgreSQL, the projection)', () => {
  let environment: ServiceEnvironment;
  let app: INestApplication;
  let baseUrl: string;
  let supervisorS1: Record<string, string>;
  const open: EventStreamReader[] = [];

  beforeAll(async () => {
    environment = await startServiceEnvironment('query-stream', 'closeloop-query-stream');
    app = await startService(queryModule(loadConfig(queryConfigSchema, inProcessServiceEnv(environment))), {
      host: '127.0.0.1',
      port: 0,
      logLevel: 'error',
    });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    supervisorS1 = {
      authorization: `Bearer ${await environment.staffToken({ staffId: 's1-supervisor', roles: ['supervisor'], sites: ['S1'] })}`,
    };
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((reader) => reader.close()));
  });

  afterAll(async () => {
    await app?.close();
    await environment?.remove();
  });

  const connect = async (site: string, headers: Record<string, string> = supervisorS1): Promise<EventStreamReader> => {
    const reader = await EventStreamReader.open(`${baseUrl}/v1/stream?site=${site}`, headers);
    open.push(reader);
    return reader;
  };

  let sequence = 0;
  /** One event of an order, projected as the query service's consumer projects it: in a transaction of its own. */
  const project = async (workOrderId: string, event: DomainEvent): Promise<void> => {
    const published: CloudEvent = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'test',
      type: event.type,
      time: new Date().toISOString(),
      data: event.data,
      workorderid: workOrderId,
      sequence: String(++sequence),
    };
    await inTransaction(environment.db.pool, (client) => projectEvent(client, published));
  };

  /** A new leak report at a flat of its own of this site; resolves with the order's id. */
  const report = async (siteId = 'S1'): Promise<string> => {
    const workOrderId = randomUUID();
    const unit = randomUUID().slice(0, 6);
    await project(workOrderId, ceilingLeakReported(workOrderId, `${siteId}-20261205-${unit}`, { siteId, unit }));
    return workOrderId;
  };

  const assign = (workOrderId: string): Promise<void> =>
    project(workOrderId, {
      type: EventTypes.WorkOrderAssigned,
      data: {
        workOrderId,
        owner: { staffId: 's1-wang-wei', name: 'Wang Wei' },
        teamId: 's1-plumbing',
        ruleId: 'roster',
        reason: 'plumbers',
        assignedAt: new Date().toISOString(),
      },
    });

  it('sends a new order and its status change on an open stream, each as the list shows the order', async () => {
    const stream = await connect('S1');
    expect(await stream.next()).toMatchObject({ event: 'ready', data: { site: 'S1', resumed: false } });

    const workOrderId = await report();
    const reported = await stream.next();
    await assign(workOrderId);
    const assigned = await stream.next();

    expect(reported).toMatchObject({ event: 'work-order', data: { workOrderId, status: 'reported', owner: null } });
    expect(assigned).toMatchObject({
      event: 'work-order',
      data: { workOrderId, status: 'assigned', owner: { staffId: 's1-wang-wei', name: 'Wang Wei' } },
    });
    expect(BigInt(assigned.id as string)).toBeGreaterThan(BigInt(reported.id as string));
    // The same shape as an item of GET /v1/work-orders, the resident's phone masked for a supervisor.
    const list = (await (await fetch(`${baseUrl}/v1/work-orders?site=S1`, { headers: supervisorS1 })).json()) as {
      items: Record<string, unknown>[];
    };
    expect(assigned.data).toEqual(list.items.find((item) => item['workOrderId'] === workOrderId));
  });

  it('replays the changes missed while disconnected once each and in order, then the live ones', async () => {
    const first = await connect('S1');
    await first.next(); // ready
    const workOrderId = await report();
    const seen = await first.next();
    await first.close();

    const missed = [await report(), await report()];
    await assign(workOrderId);
    const resumed = await connect('S1', { ...supervisorS1, 'last-event-id': seen.id as string });
    expect(await resumed.next()).toMatchObject({ event: 'ready', id: seen.id, data: { resumed: true } });
    const replayed = [await resumed.next(), await resumed.next(), await resumed.next()];
    const live = await report();
    const afterwards = await resumed.next();

    expect(replayed.map((e) => [e.event, e.data['workOrderId'], e.data['status']])).toEqual([
      ['work-order', missed[0], 'reported'],
      ['work-order', missed[1], 'reported'],
      ['work-order', workOrderId, 'assigned'],
    ]);
    const ids = replayed.map((e) => BigInt(e.id as string));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
    expect(afterwards.data['workOrderId']).toBe(live);
  });

  it('never sends another site’s changes', async () => {
    const stream = await connect('S1');
    await stream.next(); // ready
    const elsewhere = await report('S2');
    await assign(elsewhere);
    const own = await report('S1');

    // Committed after S2's two changes: had either been sent, it would have come first.
    expect((await stream.next()).data['workOrderId']).toBe(own);
  });

  it('refuses a caller without a token (401), an integrator and another site (403), a Last-Event-ID it never sent (422)', async () => {
    const apiKey = await environment.registerIntegrator({
      integratorId: 'stream-s1',
      name: 'Stream S1',
      sites: ['S1'],
    });
    const status = async (site: string, headers: Record<string, string>) => {
      const response = await fetch(`${baseUrl}/v1/stream?site=${site}`, { headers });
      const problem = (await response.json()) as { code: string };
      return [response.status, response.headers.get('content-type')?.split(';')[0], problem.code];
    };

    expect(await status('S1', {})).toEqual([401, 'application/problem+json', 'UNAUTHENTICATED']);
    expect((await status('S1', { 'x-api-key': apiKey }))[0]).toBe(403);
    expect(await status('S2', supervisorS1)).toEqual([403, 'application/problem+json', 'SITE_NOT_ALLOWED']);
    expect(await status('S1', { ...supervisorS1, 'last-event-id': 'abc' })).toEqual([
      422,
      'application/problem+json',
      'VALIDATION_FAILED',
    ]);
  });

  it('tells a console whose Last-Event-ID is older than the feed keeps to reload, then streams on', async () => {
    const workOrderId = await report();
    const { rows } = await environment.db.pool.query<{ id: string }>(
      'SELECT min(id)::text AS id FROM query_order_changes',
    );
    const longAgo = (BigInt(rows[0]?.id as string) - 1n).toString();
    await environment.db.pool.query("UPDATE query_order_changes SET changed_at = now() - interval '2 days'");
    await new OrderChangesRepository(environment.db.pool).prune(new Date(Date.now() - FEED_KEEPS_MILLIS));
    const { rows: left } = await environment.db.pool.query<{ id: string }>(
      'SELECT id::text AS id FROM query_order_changes',
    );

    const stream = await connect('S1', { ...supervisorS1, 'last-event-id': longAgo });
    const reset = await stream.next();
    await assign(workOrderId);
    const next = await stream.next();

    expect(left).toHaveLength(1);
    expect(reset).toEqual({ id: left[0]?.id, event: 'reset', data: { site: 'S1', reason: 'changes-pruned' } });
    expect(next.data).toMatchObject({ workOrderId, status: 'assigned' });
  });
});
