import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { createPool } from '@closeloop/database';
import { Pool } from 'pg';
import { NotificationConfig } from '../notification.config';
import { AlertService } from './alert.service';

describe('AlertService locks on a real PostgreSQL', () => {
  let db: TestDatabase;
  let smallPool: Pool;
  let alerts: AlertService;

  beforeAll(async () => {
    db = await freshDatabase('alert_locks');
    // A shared pool far smaller than the number of alerts worked on at once, as under a burst of breaches.
    smallPool = createPool(db.url, 'alert-locks-test', 2);
    alerts = new AlertService(new PostgresEventStore(smallPool), smallPool, {
      DATABASE_URL: db.url,
    } as NotificationConfig);
  });

  afterAll(async () => {
    await alerts.onApplicationShutdown();
    await smallPool.end();
    await db.drop();
  });

  it('works on many alerts at once without the lock holders starving the shared pool', async () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());
    const done = await Promise.all(
      ids.map((id) =>
        alerts.withAlertLock(
          id,
          async () =>
            (await smallPool.query<{ id: string }>('SELECT $1::text AS id, pg_sleep(0.02)', [id])).rows[0]?.id,
        ),
      ),
    );
    expect(done).toEqual(ids);
  });

  it('runs the work of one alert one at a time, in the order the locks were taken', async () => {
    const alertId = randomUUID();
    const log: string[] = [];
    const step = (name: string) =>
      alerts.withAlertLock(alertId, async () => {
        log.push(`${name}:start`);
        await smallPool.query('SELECT pg_sleep(0.05)');
        log.push(`${name}:end`);
      });
    await Promise.all([step('send'), step('acknowledge'), step('close')]);
    expect(log).toHaveLength(6);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]?.replace(':start', ':end'));
  });
});
