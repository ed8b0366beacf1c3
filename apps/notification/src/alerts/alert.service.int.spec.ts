import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@closeloop/event-store';
import { useSuiteDatabase } from '@closeloop/testing';
import { createPool } from '@closeloop/database';
import { NotificationConfig } from '../notification.config';
import { AlertService } from './alert.service';

describe('AlertService locks on a real PostgreSQL', () => {
  const suite = useSuiteDatabase('alert_locks', {
    with: ({ db }) => {
      // A shared pool far smaller than the number of alerts worked on at once, as under a burst of breaches.
      const smallPool = createPool(db.url, 'alert-locks-test', 2);
      const config = { DATABASE_URL: db.url } as NotificationConfig;
      return { smallPool, alerts: new AlertService(new PostgresEventStore(smallPool), smallPool, config) };
    },
    stop: async ({ alerts, smallPool }) => {
      await alerts.onApplicationShutdown();
      await smallPool.end();
    },
  });

  it('works on many alerts at once without the lock holders starving the shared pool', async () => {
    const ids = Array.from({ length: 12 }, () => randomUUID());
    const done = await Promise.all(
      ids.map((id) =>
        suite.alerts.withAlertLock(
          id,
          async () =>
            (await suite.smallPool.query<{ id: string }>('SELECT $1::text AS id, pg_sleep(0.02)', [id])).rows[0]?.id,
        ),
      ),
    );
    expect(done).toEqual(ids);
  });

  it('runs the work of one alert one at a time, in the order the locks were taken', async () => {
    const alertId = randomUUID();
    const log: string[] = [];
    const step = (name: string) =>
      suite.alerts.withAlertLock(alertId, async () => {
        log.push(`${name}:start`);
        await suite.smallPool.query('SELECT pg_sleep(0.05)');
        log.push(`${name}:end`);
      });
    await Promise.all([step('send'), step('acknowledge'), step('close')]);
    expect(log).toHaveLength(6);
    for (let i = 0; i < log.length; i += 2) expect(log[i + 1]).toBe(log[i]?.replace(':start', ':end'));
  });
});
