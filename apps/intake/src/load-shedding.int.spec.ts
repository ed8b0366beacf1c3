import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { eventually } from '@closeloop/testing';
import type { PoolClient } from 'pg';
import { IntakeUnderTest, startIntakeUnderTest } from './intake-under-test.spec';

/**
 * Load shedding of the intake service in this process, with a real database and broker (docs/adr/0015). The bounds
 * are made tiny (one report worked on at a time, two waiting) and the one admitted report is held inside the
 * database by a table lock the test takes on es_events, so "busy" is a fact of the test, not a race against a clock.
 */
describe('intake under more reports than it can take (in-process service, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let secondKey: string;
  let arrived = 0;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-shed', {
      SHED_MAX_IN_FLIGHT: '1',
      SHED_MAX_QUEUED: '2',
      // Long enough that the requests sent after a queued one reach the service while it still waits.
      SHED_MAX_QUEUE_WAIT_MS: '3000',
      // A key may hold one of the three places (in flight + queue) while another key wants one.
      SHED_CALLER_SHARE: '0.5',
    });
    secondKey = await intake.registerIntegrator({
      integratorId: 'second-hotline',
      name: 'Second hotline',
      sites: ['S1'],
    });
    intake.app.getHttpServer().on('request', (request: IncomingMessage) => {
      if (request.url?.startsWith('/v1/reports')) arrived++;
    });
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  const post = (idempotencyKey: string, apiKey = intake.apiKey) => {
    const before = arrived;
    const response = fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'idempotency-key': idempotencyKey },
      // A building of its own per report: none joins another's order or waits for another's place lock.
      body: JSON.stringify({
        siteId: 'S1',
        building: `B-${idempotencyKey}`,
        channel: 'phone',
        description: `Kitchen tap dripping (${idempotencyKey})`,
      }),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> }));
    // The next request is sent only once the service has this one: the order of arrival is the test's, not the network's.
    return {
      response,
      arrived: eventually(
        'the request to reach the service',
        async () => (arrived > before ? true : undefined),
        10_000,
        5,
      ),
    };
  };

  /** Holds every report that gets as far as writing its events, until the returned function is called. */
  const holdWrites = async (): Promise<() => Promise<void>> => {
    const client: PoolClient = await intake.db.pool.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE es_events IN EXCLUSIVE MODE');
    return async () => {
      await client.query('COMMIT');
      client.release();
    };
  };

  /** Everything a report could write: streams and events, numbers taken, key decisions, rate-limit counts. */
  const written = async () =>
    (
      await intake.db.pool.query<{ streams: number; numbers: number; keys: number; hits: number }>(
        `SELECT (SELECT count(*) FROM es_streams)::int AS streams,
                (SELECT coalesce(sum(last_value), 0) FROM intake_number_sequences)::int AS numbers,
                (SELECT count(*) FROM intake_report_keys)::int AS keys,
                (SELECT coalesce(sum(hits), 0) FROM access_rate_limits)::int AS hits`,
      )
    ).rows[0];

  const expectRetryAdvice = (headers: Headers) => {
    const millis = Number(headers.get('retry-after-ms'));
    expect(Number.isInteger(millis) && millis >= 1).toBe(true);
    expect(headers.get('retry-after')).toBe(String(Math.max(1, Math.ceil(millis / 1000))));
  };

  it('past the bound answers 503 OVERLOADED with Retry-After, writes nothing for what it refused, and takes the same reports once under the bound', async () => {
    const keys = Array.from({ length: 4 }, (_, i) => `shed-${i}-${randomUUID()}`);
    const before = await written();
    const release = await holdWrites();
    let first: ReturnType<typeof post>['response'];
    const refusals: Awaited<ReturnType<typeof post>['response']>[] = [];
    try {
      // One worked on (stuck on the lock), two waiting, and the fourth finds the queue full.
      const sent = [];
      for (const key of keys) {
        const request = post(key);
        await request.arrived;
        sent.push(request.response);
      }
      first = sent[0] as ReturnType<typeof post>['response'];
      const queueFull = await sent[3];
      expect(queueFull.status).toBe(503);
      expect(queueFull.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(queueFull.body).toMatchObject({
        status: 503,
        code: 'OVERLOADED',
        detail: expect.stringMatching(/queue full/),
      });
      expectRetryAdvice(queueFull.headers);
      // Health is never shed: the service is alive, only busy.
      expect((await fetch(`${intake.baseUrl}/health`)).status).toBe(200);
      // The two waiting are refused once they have waited the longest allowed, still without a slot.
      for (const waited of [await sent[1], await sent[2]]) {
        expect(waited.status).toBe(503);
        expect(waited.body).toMatchObject({
          code: 'OVERLOADED',
          detail: expect.stringMatching(/no slot within 3000 ms/),
        });
        expectRetryAdvice(waited.headers);
        refusals.push(waited);
      }
      refusals.push(queueFull);
    } finally {
      await release();
    }
    // The one admitted is committed once its write can go through.
    const accepted = await first;
    expect(accepted.status).toBe(202);
    const after = await written();
    // One order, one number, one key decision, and one request counted by the rate limiter: the refused three
    // never reached authentication, let alone the event store.
    expect(after).toEqual({
      streams: before.streams + 1,
      numbers: before.numbers + 1,
      keys: before.keys + 1,
      hits: before.hits + 1,
    });
    expect(refusals).toHaveLength(3);

    // Under the bound, the refused reports are taken with the same keys, each as a new order (nothing to replay).
    for (const key of keys.slice(1)) {
      const retried = await post(key).response;
      expect(retried.status).toBe(202);
      expect(retried.headers.get('idempotent-replayed')).toBeNull();
    }
    expect((await written()).streams).toBe(before.streams + 4);
  });

  it('refuses with 429 CALLER_OVER_SHARE a key that holds its share while another key waits, and writes nothing for it', async () => {
    const before = await written();
    const release = await holdWrites();
    let mine: ReturnType<typeof post>['response'];
    let theirs: ReturnType<typeof post>['response'];
    try {
      const first = post(`share-a-${randomUUID()}`);
      await first.arrived;
      mine = first.response;
      const other = post(`share-b-${randomUUID()}`, secondKey);
      await other.arrived;
      theirs = other.response;
      const over = await post(`share-c-${randomUUID()}`).response;
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ status: 429, code: 'CALLER_OVER_SHARE' });
      expectRetryAdvice(over.headers);
    } finally {
      await release();
    }
    // The other key's request waited its turn and was taken; so was the first.
    expect((await mine).status).toBe(202);
    expect((await theirs).status).toBe(202);
    expect(await written()).toMatchObject({ streams: before.streams + 2, hits: before.hits + 2 });
  });
});
