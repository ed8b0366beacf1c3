import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '@closeloop/contracts';
import { BEGIN_APPENDING_SQL, GENESIS_HASH, PostgresEventStore } from '@closeloop/event-store';
import { attachPrincipal } from '@closeloop/http';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import type { Request } from 'express';
import { recordReportAsIntake } from '../reports-under-test.spec';
import { WorkOrderAuditHttpController } from './work-order-audit.http.controller';

/**
 * The order's audit recomputes its chain from the stored events (docs/adr/0033-tamper-evident-event-chain.md): an
 * event changed in the database behind the store's back, as a superuser can, is reported, and only that one.
 */
describe('GET /v1/work-orders/{id}/audit', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let controller: WorkOrderAuditHttpController;
  const now = new Date('2026-11-25T02:00:00Z');

  beforeAll(async () => {
    db = await freshDatabase('dispatch_audit');
    store = new PostgresEventStore(db.pool);
    controller = new WorkOrderAuditHttpController(store);
  });

  afterAll(async () => {
    await db?.drop();
  });

  const asStaff = (roles: string[], sites: string[]): Request => {
    const request = {} as Request;
    attachPrincipal(request, { kind: 'staff', staffId: 's1-sup', name: 'Sup', roles: roles as never, sites });
    return request;
  };
  const supervisor = () => asStaff(['supervisor'], ['S1']);

  const reported = async (): Promise<string> => {
    const workOrderId = randomUUID();
    await recordReportAsIntake(
      store,
      { siteId: 'S1', building: 'B2', channel: 'phone', reporter: {}, description: '厨房水管爆裂，水漫一地' },
      `S1-20261125-${workOrderId.slice(0, 4)}`,
      now,
      workOrderId,
    );
    return workOrderId;
  };

  it('answers every link of an untouched order as verified, chained from the genesis hash', async () => {
    const id = await reported();
    const audit = await controller.audit(id, supervisor());
    expect(audit.verifies).toBe(true);
    expect(audit.firstBreak).toBeNull();
    expect(audit.events.length).toBeGreaterThanOrEqual(2);
    expect(audit.events[0]).toMatchObject({ version: 1, prevHash: GENESIS_HASH, verifies: true });
    expect(audit.events.every((e) => /^[0-9a-f]{64}$/.test(e.hash ?? ''))).toBe(true);
    expect(audit.headHash).toBe(audit.events.at(-1)?.hash);
  });

  it('reports exactly the event a superuser changed', async () => {
    const id = await reported();
    const [, second] = await store.readStream(workOrderStream(id));
    const client = await db.pool.connect();
    try {
      // The trigger that refuses changes is a replication-role trigger's ordinary kind: a superuser can step past it.
      await client.query('BEGIN');
      await client.query("SET LOCAL session_replication_role = 'replica'");
      await client.query(`UPDATE es_events SET data = jsonb_set(data, '{reason}', '"tampered"') WHERE event_id = $1`, [
        second!.eventId,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const audit = await controller.audit(id, supervisor());
    expect(audit.verifies).toBe(false);
    expect(audit.firstBreak).toMatchObject({ eventId: second!.eventId, version: 2, reason: 'hash-mismatch' });
    expect(audit.events.filter((e) => !e.verifies).map((e) => e.eventId)).toEqual([second!.eventId]);
  });

  it('answers 404 for an order of a site the reader does not work for, and for no order', async () => {
    const id = await reported();
    await expect(controller.audit(id, asStaff(['supervisor'], ['S2']))).rejects.toBeInstanceOf(NotFoundError);
    await expect(controller.audit(randomUUID(), supervisor())).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('es_events is append-only', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let eventId: string;

  beforeAll(async () => {
    db = await freshDatabase('append_only');
    store = new PostgresEventStore(db.pool);
    eventId = randomUUID();
    await store.append(
      `test-${randomUUID()}`,
      [{ eventId, type: 'test.x.v1', data: { n: 1 }, metadata: {} }],
      'no-stream',
    );
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Runs statements as the services' role (migration 0038), as a deployment's services log in. */
  const asServices = async (sql: string, params: unknown[] = [], before: string[] = []) => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE closeloop_services');
      for (const statement of before) await client.query(statement);
      return await client.query(sql, params);
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  };

  it('refuses the services’ role an UPDATE or DELETE of an event, by privilege', async () => {
    await expect(asServices("UPDATE es_events SET data = '{}' WHERE event_id = $1", [eventId])).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('permission denied'),
    });
    await expect(asServices('DELETE FROM es_events WHERE event_id = $1', [eventId])).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('lets the services’ role read and append', async () => {
    const read = await asServices('SELECT count(*)::int AS n FROM es_events');
    expect(read.rows[0].n).toBe(1);
    const inserted = await asServices(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, 1, $2, 'test.y.v1', '{}', '{}')`,
      [`test-${randomUUID()}`, randomUUID()],
      [BEGIN_APPENDING_SQL],
    );
    expect(inserted.rowCount).toBe(1);
  });

  it('refuses even the tables’ owner a change, a removal or an emptying, by trigger', async () => {
    await expect(db.pool.query("UPDATE es_events SET data = '{}' WHERE event_id = $1", [eventId])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.pool.query('DELETE FROM es_events WHERE event_id = $1', [eventId])).rejects.toThrow(/append-only/);
    await expect(db.pool.query('TRUNCATE es_events')).rejects.toThrow(/append-only/);
    const { rows } = await db.pool.query('SELECT data FROM es_events WHERE event_id = $1', [eventId]);
    expect(rows[0].data).toEqual({ n: 1 });
  });
});
