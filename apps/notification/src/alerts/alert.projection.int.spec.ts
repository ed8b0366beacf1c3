import { randomUUID } from 'node:crypto';
import { BEGIN_APPENDING_SQL } from '@closeloop/event-store';
import { lockReadModelExclusive, rebuildReadModel } from '@closeloop/messaging';
import { useSuiteDatabase } from '@closeloop/testing';
import { PoolClient } from 'pg';
import { NotificationConfig } from '../notification.config';
import { alertReadModel, NOTIFICATION_READ_MODEL, rebuildAlertReadModel } from './alert.projection';
import { AlertService } from './alert.service';
import { queueWebhookDelivery, raiseWebhookEscalation } from './delivery-worker-under-test.spec';

const system = {
  correlationId: 'rebuild-spec',
  causationId: 'rebuild-spec',
  actor: { kind: 'system' as const, id: 'spec' },
};

describe('rebuilding the alerts table beside the live one and swapping it in, on a real PostgreSQL', () => {
  const suite = useSuiteDatabase('alert_rebuild', {
    with: ({ db, store }) => ({
      alerts: new AlertService(store, db.pool, { DATABASE_URL: db.url } as NotificationConfig),
    }),
    stop: ({ alerts }) => alerts.onApplicationShutdown(),
  });

  const raise = async (siteId: string) => {
    const alertId = randomUUID();
    const workOrderId = randomUUID();
    await raiseWebhookEscalation(suite.alerts, { alertId, workOrderId, siteId, staffId: 'oc-1' }, system);
    await queueWebhookDelivery(suite.db.pool, alertId, 'oc-1', '{}');
    return alertId;
  };

  /** An append that stays open holds the store's commit-ordered read back: nothing appended after it is handed out. */
  const holdBackTheStore = async (): Promise<PoolClient> => {
    const client = await suite.db.pool.connect();
    await client.query('BEGIN');
    await client.query(BEGIN_APPENDING_SQL);
    await client.query('SELECT pg_current_xact_id()');
    return client;
  };

  const release = async (client: PoolClient) => {
    await client.query('ROLLBACK');
    client.release();
  };

  const rowsOf = async (table: string) => (await suite.db.pool.query(`SELECT * FROM ${table} ORDER BY alert_id`)).rows;

  const schemaOf = async () => {
    const indexes = await suite.db.pool.query(
      `SELECT indexname, regexp_replace(indexdef, 'ON \\S+', 'ON t') AS definition FROM pg_indexes WHERE tablename = 'notification_alerts' ORDER BY indexname`,
    );
    const constraints = await suite.db.pool.query(
      `SELECT conname, conrelid::regclass::text AS on_table, pg_get_constraintdef(oid) AS definition FROM pg_constraint
        WHERE conrelid = 'notification_alerts'::regclass OR confrelid = 'notification_alerts'::regclass ORDER BY conname`,
    );
    return { indexes: indexes.rows, constraints: constraints.rows };
  };

  it('swaps in a table equal to the live one, under the same names, with the deliveries’ key pointing at it', async () => {
    const first = await raise('S1');
    await suite.alerts.execute(
      first,
      randomUUID(),
      { type: 'AcknowledgeAlert', by: { staffId: 'oc-1', name: 'Zhou Min' }, via: 'api', at: new Date() },
      system,
    );
    await raise('S2');
    const live = await rowsOf('notification_alerts');
    const schema = await schemaOf();

    const report = await rebuildAlertReadModel({ pool: suite.db.pool, store: suite.store, swap: true });

    expect(report).toMatchObject({
      readModel: 'notification',
      swapped: true,
      reconciled: 0,
      rows: { notification_alerts: 2 },
    });
    expect(await rowsOf('notification_alerts')).toEqual(live);
    expect(await schemaOf()).toEqual(schema);
    const { rows } = await suite.db.pool.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE '%\\_\\_rebuild'`,
    );
    expect(rows[0].n).toBe(0);
    // The key still refuses a delivery of an alert that does not exist, now against the new table.
    await expect(
      suite.db.pool.query(
        `INSERT INTO notification_alert_deliveries (alert_id, staff_id, channel, destination, status, next_attempt_at)
         VALUES ($1, 'x', 'sms', '{}', 'pending', now())`,
        [randomUUID()],
      ),
    ).rejects.toMatchObject({
      code: '23503',
    });
  });

  it('keeps an alert the service wrote from an append the store could not hand out yet', async () => {
    const held = await holdBackTheStore();
    // Committed and in the live table, but past the open append.
    const alertId = await raise('S3').catch(async (error) => {
      await release(held);
      throw error;
    });
    try {
      const unseen = await rebuildReadModel(
        { ...alertReadModel(suite.store), reconcile: undefined },
        { pool: suite.db.pool, store: suite.store, swap: false },
      );
      // The commit-ordered read alone misses it: that is why the swap reconciles.
      expect((await rowsOf('notification_alerts__rebuild')).map((r) => r.alert_id)).not.toContain(alertId);
      expect(unseen.swapped).toBe(false);

      const report = await rebuildAlertReadModel({ pool: suite.db.pool, store: suite.store, swap: true });
      expect(report.reconciled).toBe(1);
    } finally {
      await release(held);
    }
    expect((await rowsOf('notification_alerts')).map((r) => r.alert_id)).toContain(alertId);
  });

  it('makes a live write that comes during the swap wait for it, and land in the new table', async () => {
    const alertId = await raise('S4');
    // The swap's exclusive lock, held by hand: a live write must wait for it.
    const swap = await suite.db.pool.connect();
    await swap.query('BEGIN');
    await lockReadModelExclusive(swap, NOTIFICATION_READ_MODEL);
    const write = suite.alerts.execute(
      alertId,
      randomUUID(),
      { type: 'CloseAlert', reason: 'order-resolved', at: new Date() },
      system,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect((await rowsOf('notification_alerts')).find((r) => r.alert_id === alertId)?.status).toBe('open');
    await swap.query('COMMIT');
    swap.release();
    await write;
    expect((await rowsOf('notification_alerts')).find((r) => r.alert_id === alertId)?.status).toBe('closed');
  });
  it('gives up a swap that cannot take its locks within 5 s, leaving the live table as it was', async () => {
    await raise('S5');
    const live = await rowsOf('notification_alerts');
    const reader = await suite.db.pool.connect();
    await reader.query('BEGIN');
    await reader.query('SELECT count(*) FROM notification_alerts'); // a long report holds the table
    try {
      await expect(rebuildAlertReadModel({ pool: suite.db.pool, store: suite.store, swap: true })).rejects.toThrow(
        'the swap could not take its locks within 5 s',
      );
    } finally {
      await reader.query('ROLLBACK');
      reader.release();
    }
    expect(await rowsOf('notification_alerts')).toEqual(live);
    // The service writes on, undisturbed.
    const next = await raise('S6');
    expect((await rowsOf('notification_alerts')).map((r) => r.alert_id)).toContain(next);
  }, 30_000);

  it('refuses to swap in a table made before a migration changed the live one', async () => {
    await raise('S7');
    const live = await rowsOf('notification_alerts');
    const definition = alertReadModel(suite.store);
    // A migration of a new release, run after the rebuild copied the table's shape (here: just before the swap).
    const migratedMeanwhile = {
      ...definition,
      reconcile: async (client: PoolClient) => (
        await client.query('ALTER TABLE notification_alerts ADD COLUMN digest_id uuid'),
        0
      ),
    };
    await expect(
      rebuildReadModel(migratedMeanwhile, { pool: suite.db.pool, store: suite.store, swap: true }),
    ).rejects.toThrow('notification_alerts changed while it was rebuilt (a migration?)');
    expect(await rowsOf('notification_alerts')).toEqual(live);
  });
});
