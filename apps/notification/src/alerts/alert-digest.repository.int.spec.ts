import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@closeloop/event-store';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { NotificationConfig } from '../notification.config';
import { AlertDigestRepository } from './alert-digest.repository';
import { AlertService } from './alert.service';

// Two notification instances decide a burst of one site's alerts at once: the storm lock makes them agree on
// exactly which alerts are paged one by one, whatever the interleaving.

describe('storm decisions on a real PostgreSQL, from two instances at once', () => {
  let db: TestDatabase;
  const instances: { alerts: AlertService; digests: AlertDigestRepository }[] = [];

  beforeAll(async () => {
    db = await freshDatabase('alert_storm');
    for (let i = 0; i < 2; i++) {
      // Each with its own lock pool, as two processes have.
      instances.push({
        alerts: new AlertService(new PostgresEventStore(db.pool), db.pool, {
          DATABASE_URL: db.url,
        } as NotificationConfig),
        digests: new AlertDigestRepository(db.pool),
      });
    }
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.alerts.onApplicationShutdown()));
    await db.drop();
  });

  const decide = (instance: number, memberKey: string, counted = true) => {
    const { alerts, digests } = instances[instance % 2]!;
    return alerts.withSiteStormLock('S4', () => digests.decide(memberKey, 'S4', counted, 5, 60));
  };

  it('pages the first N one by one and holds every later alert in one window, the same answer when asked again', async () => {
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const batches = await Promise.all(keys.map((key, i) => decide(i, key)));
    expect(batches.filter((b) => b === undefined)).toHaveLength(5);
    const held = batches.filter((b) => b !== undefined);
    expect(held).toHaveLength(15);
    expect(new Set(held.map((b) => b!.openedAt.toISOString())).size).toBe(1);
    expect(held[0]!.closesAt.getTime() - held[0]!.openedAt.getTime()).toBe(60_000);

    // A redelivered raise, on either instance, finds its first answer.
    const again = await Promise.all(keys.map((key, i) => decide(i + 1, key)));
    expect(again.map((b) => b?.openedAt.toISOString())).toEqual(batches.map((b) => b?.openedAt.toISOString()));

    // A chain's fallback page during the storm is held too, but adds nothing to the count.
    expect(await decide(0, `${randomUUID()}:fallback`, false)).toEqual(held[0]);
    const { rows } = await db.pool.query<{ counted: number }>(
      `SELECT count(*)::int AS counted FROM notification_alert_storm_members WHERE site_id = 'S4' AND counted`,
    );
    expect(rows[0]?.counted).toBe(20);
  });

  it('decides a batch of alerts as one by one: mixed with single decisions from another instance, N paged in all', async () => {
    const site = 'S6';
    const many = (instance: number, keys: string[]) => {
      const { alerts, digests } = instances[instance]!;
      return alerts.withSiteStormLock(site, () => digests.decideMany(keys, site, 5, 60));
    };
    const one = (key: string) => {
      const { alerts, digests } = instances[1]!;
      return alerts.withSiteStormLock(site, () => digests.decide(key, site, true, 5, 60));
    };
    const first = Array.from({ length: 3 }, () => randomUUID());
    const singles = Array.from({ length: 4 }, () => randomUUID());
    const second = Array.from({ length: 8 }, () => randomUUID());
    const [a, ...b] = await Promise.all([many(0, first), ...singles.map(one)]);
    const c = await many(0, [...second, first[0]!]);
    const answers = [...first.map((k) => a!.get(k)), ...b, ...second.map((k) => c.get(k))];
    expect(answers.filter((x) => x === undefined)).toHaveLength(5);
    const held = answers.filter((x) => x !== undefined);
    expect(held).toHaveLength(10);
    expect(new Set(held.map((x) => x!.openedAt.toISOString())).size).toBe(1);
    // A member decided before keeps its answer when a later batch names it again.
    expect(c.get(first[0]!)).toEqual(a!.get(first[0]!));
    // The answers were kept: asked one by one, each is the same.
    for (const key of [...first, ...second]) expect(await one(key)).toEqual(c.get(key) ?? a!.get(key));
  });

  it('keeps each site to itself: another site below the threshold pages one by one', async () => {
    const { alerts, digests } = instances[0]!;
    expect(await alerts.withSiteStormLock('S5', () => digests.decide(randomUUID(), 'S5', true, 5, 60))).toBeUndefined();
  });
});
