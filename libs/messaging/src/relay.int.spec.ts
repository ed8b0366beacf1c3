import { randomUUID } from 'node:crypto';
import { BEGIN_APPENDING_SQL } from '@closeloop/event-store';
import { createPool } from '@closeloop/database';
import { eventually } from '@closeloop/testing';
import { Pool } from 'pg';
import { RelayUnderTest, relayUnderTest, workOrderEvent } from './relay-under-test.spec';

describe('EventRelay through a real broker', () => {
  let env: RelayUnderTest;
  const relayPools: Pool[] = [];

  beforeAll(async () => {
    env = await relayUnderTest('relay');
  }, 60_000);

  afterEach(async () => {
    await env.stopRelays();
  });

  afterAll(async () => {
    await Promise.all(relayPools.map((p) => p.end()));
    await env?.close();
  });

  const startRelay = () => env.startRelay({ idleMillis: 50 });

  const orderEvent = (workOrderId: string, n: number) => workOrderEvent(workOrderId, { n });

  const receivedOf = (ids: readonly string[]) => env.received.filter((r) => ids.includes(r.eventId));

  it('publishes every committed event once, keyed by work order, each order in version order, despite a slow transaction', async () => {
    startRelay();
    startRelay(); // a second instance must stay a standby, or events would arrive twice
    const orders = Array.from({ length: 12 }, () => randomUUID());
    const appended: string[] = [];

    // A writer that takes a position early and commits last: the classic cause of skipped events.
    const slowOrder = randomUUID();
    const slowEvent = orderEvent(slowOrder, 1);
    const slow = await env.db.pool.connect();
    await slow.query('BEGIN');
    await slow.query(BEGIN_APPENDING_SQL);
    await slow.query(
      `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, 1, $2, $3, $4, $5)`,
      [
        `workorder-${slowOrder}`,
        slowEvent.eventId,
        slowEvent.type,
        JSON.stringify(slowEvent.data),
        JSON.stringify(slowEvent.metadata),
      ],
    );

    await Promise.all(
      orders.map(async (order) => {
        for (let n = 1; n <= 5; n++) {
          const e = orderEvent(order, n);
          await env.store.append(`workorder-${order}`, [e], n - 1);
          appended.push(e.eventId);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500)); // the relay keeps polling while the slow transaction is open
    await slow.query('COMMIT');
    slow.release();
    appended.push(slowEvent.eventId);

    const all = await eventually('every appended event on the topic', async () => {
      const got = receivedOf(appended);
      return new Set(got.map((r) => r.eventId)).size === appended.length ? got : undefined;
    });
    await new Promise((r) => setTimeout(r, 500)); // give a duplicate the chance to show
    expect(receivedOf(appended)).toHaveLength(appended.length);

    for (const order of orders) {
      const mine = all.filter((r) => r.key === order);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const versions = await env.store.readStream(`workorder-${order}`);
      expect(mine.map((r) => r.eventId)).toEqual(versions.map((v) => v.eventId));
    }
  }, 60_000);

  it('resumes from its durable checkpoint after a restart, losing nothing', async () => {
    const order = randomUUID();
    const first = startRelay();
    const before = orderEvent(order, 1);
    await env.store.append(`workorder-${order}`, [before], 'no-stream');
    await eventually('the first event', async () => (receivedOf([before.eventId]).length > 0 ? true : undefined));
    await first.stop();

    const whileDown = orderEvent(order, 2);
    await env.store.append(`workorder-${order}`, [whileDown], 1);
    startRelay();
    await eventually('the event appended while no relay ran', async () =>
      receivedOf([whileDown.eventId]).length > 0 ? true : undefined,
    );
    expect(receivedOf([before.eventId])).toHaveLength(1);
  }, 60_000);

  /** A relay on a pool of its own, named so that its sessions can be told apart in pg_stat_activity. */
  const startRelayNamed = (applicationName: string) => {
    const pool = createPool(env.db.url, applicationName, 3);
    relayPools.push(pool);
    return env.startRelay({ pool, idleMillis: 50 });
  };

  /** The session holding the relay's leadership lock, as docs/operations.md finds it. */
  const leaderSession = () =>
    eventually('a relay to lead', async () => {
      const { rows } = await env.db.pool.query<{ pid: number; application_name: string }>(
        `SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)
          WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted AND a.datname = current_database()
            AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
        [`relay:${env.topic}`],
      );
      return rows[0];
    });

  const appendAndTime = async (what: string) => {
    const order = randomUUID();
    const event = orderEvent(order, 1);
    const started = Date.now();
    await env.store.append(`workorder-${order}`, [event], 'no-stream');
    await eventually(what, async () => (receivedOf([event.eventId]).length > 0 ? true : undefined), 20_000, 20);
    return { eventId: event.eventId, millis: Date.now() - started };
  };

  it('hands the lead to the standby within seconds when the leader is killed, and publishes on without a gap', async () => {
    startRelayNamed('relay-a');
    startRelayNamed('relay-b');
    await appendAndTime('an event before the leader dies');
    const leader = await leaderSession();

    // What a SIGKILL of the leading process does to its session: PostgreSQL ends it and frees the lock.
    await env.db.pool.query('SELECT pg_terminate_backend($1)', [leader.pid]);
    const { eventId, millis } = await appendAndTime('an event appended the moment the leader died');
    const next = await leaderSession();
    console.log(
      `relay fail-over: ${leader.application_name} killed, ${next.application_name} leads, first event published ${millis} ms after the kill`,
    );
    expect(millis).toBeLessThan(5_000);
    expect(next.pid).not.toBe(leader.pid);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate from the old leader would show by now
    expect(receivedOf([eventId])).toHaveLength(1);
  }, 60_000);

  it('publishes on, without a restart, after every session of its database is ended (a PostgreSQL restart, seen from the client)', async () => {
    startRelayNamed('relay-c');
    startRelayNamed('relay-d');
    await appendAndTime('an event before the restart');
    await leaderSession();

    const admin = new Pool({ connectionString: env.db.url, max: 1 });
    try {
      const { rows } = await admin.query<{ ended: number }>(
        `SELECT count(*)::int AS ended FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()) t`,
      );
      expect(rows[0]?.ended).toBeGreaterThanOrEqual(2); // at least the leader's session and the standby's pool
    } finally {
      await admin.end();
    }
    // The test's own pool may hand out a client that has not yet heard its session end; like any caller, it retries.
    await eventually('the test pool to answer again', async () => (await env.db.pool.query('SELECT 1')) && true);
    const { millis } = await appendAndTime('an event appended after the restart');
    console.log(`relay after every database session was ended: first event published ${millis} ms later`);
    expect(millis).toBeLessThan(10_000);
    await leaderSession();
  }, 60_000);
});
