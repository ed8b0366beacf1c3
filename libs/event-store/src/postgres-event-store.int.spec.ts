import { randomUUID } from 'node:crypto';
import { eventually, freshDatabase, TestDatabase, useSuiteDatabase } from '@closeloop/testing';
import { EventStore, NewEvent } from './event-store.port';
import { BEGIN_APPENDING_SQL, PostgresEventStore } from './postgres-event-store';
import { verifyStream } from './event-chain';
import { eventStoreContract } from './testing';

let database: TestDatabase | undefined;
const sharedDatabase = async () => (database ??= await freshDatabase('event_store'));

eventStoreContract(
  'PostgreSQL',
  async () => new PostgresEventStore((await sharedDatabase()).pool),
  async () => database?.drop(),
);

const event = (type: string): NewEvent => ({ eventId: randomUUID(), type, data: {}, metadata: {} });

const drain = async (store: EventStore, after: string | undefined) => {
  const page = await store.readAll(after, 1000);
  return { events: page, checkpoint: page[page.length - 1]?.checkpoint ?? after };
};

/**
 * Reads on until `enough` holds. A committed event may show a moment later (an appender in this database that is
 * still running, or one caught between taking its transaction id and registering it, holds the horizon back for
 * that moment); that it shows, in order, is the point.
 */
const drainUntil = (
  store: EventStore,
  after: string | undefined,
  enough: (events: readonly { type: string; streamId: string }[]) => boolean,
) =>
  eventually('the committed events to become readable', async () => {
    const drained = await drain(store, after);
    return enough(drained.events) ? drained : undefined;
  });

describe('PostgreSQL readAll ordering', () => {
  const suite = useSuiteDatabase('numeric_order');

  it('orders positions as numbers across a digit boundary (9 before 10), within and across appends', async () => {
    const { store } = suite;
    await store.append(
      `order-${randomUUID()}`,
      Array.from({ length: 10 }, () => event('test.a.v1')),
      'no-stream',
    );
    await store.append(`order-${randomUUID()}`, [event('test.b.v1'), event('test.c.v1')], 'no-stream');
    const seen: string[] = [];
    let checkpoint: string | undefined;
    // Pages of five, each from the last one's checkpoint, until all twelve have shown (see drainUntil for why it may
    // take a moment).
    await eventually('all twelve events read', async () => {
      const page = await store.readAll(checkpoint, 5);
      seen.push(...page.map((e) => e.globalPosition));
      checkpoint = page[page.length - 1]?.checkpoint ?? checkpoint;
      return seen.length >= 12 ? true : undefined;
    });
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
  });
});

describe('PostgreSQL readAll with transactions that commit out of position order', () => {
  const suite = useSuiteDatabase('late_commit');

  // Inserts one event in a transaction the test keeps open, as a slow writer would.
  const openWriter = async (streamId: string, type: string, takeTransactionIdFirst: boolean) => {
    const client = await suite.db.pool.connect();
    await client.query('BEGIN');
    await client.query(BEGIN_APPENDING_SQL);
    if (takeTransactionIdFirst) await client.query('SELECT pg_current_xact_id()');
    const insert = () =>
      client.query(
        `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, 1, $2, $3, '{}', '{}')`,
        [streamId, randomUUID(), type],
      );
    return {
      insert,
      commit: async () => {
        await client.query('COMMIT');
        client.release();
      },
    };
  };

  it('holds back later commits until a slow transaction with a lower position commits, then returns both', async () => {
    let { checkpoint } = await drain(suite.store, undefined);
    const slow = await openWriter(`late-${randomUUID()}`, 'test.slow.v1', false);
    await slow.insert(); // takes the lower position, then stalls
    await suite.store.append(`fast-${randomUUID()}`, [event('test.fast.v1')], 'no-stream');

    const whileSlowIsOpen = await drain(suite.store, checkpoint);
    expect(whileSlowIsOpen.events.map((e) => e.type)).toEqual([]);
    checkpoint = whileSlowIsOpen.checkpoint;

    await slow.commit();
    const afterCommit = await drainUntil(suite.store, checkpoint, (events) => events.length >= 2);
    expect(afterCommit.events.map((e) => e.type)).toEqual(['test.slow.v1', 'test.fast.v1']);
  });

  it('never skips an event that took a higher position but an older transaction', async () => {
    let { checkpoint } = await drain(suite.store, undefined);
    const slow = await openWriter(`late-${randomUUID()}`, 'test.older-transaction.v1', true);
    await suite.store.append(`fast-${randomUUID()}`, [event('test.newer-transaction.v1')], 'no-stream');
    await slow.insert(); // a higher position than the fast event, from the older transaction

    const seen: string[] = [];
    const first = await drain(suite.store, checkpoint);
    seen.push(...first.events.map((e) => e.type));
    checkpoint = first.checkpoint;
    await slow.commit();
    const second = await drainUntil(suite.store, checkpoint, (events) => seen.length + events.length >= 2);
    seen.push(...second.events.map((e) => e.type));

    expect(seen.sort()).toEqual(['test.newer-transaction.v1', 'test.older-transaction.v1']);
  });

  it('is not held back by long transactions that do not append, in this database or another', async () => {
    const { checkpoint } = await drain(suite.store, undefined);
    const elsewhere = await freshDatabase('long_transaction_elsewhere');
    const holdOpen = async (pool: TestDatabase['pool']) => {
      const client = await pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()'); // a transaction id, as any writer gets
      return client;
    };
    const here = await holdOpen(suite.db.pool);
    const there = await holdOpen(elsewhere.pool);
    try {
      const streamId = `while-others-run-${randomUUID()}`;
      await suite.store.append(streamId, [event('test.appended-meanwhile.v1')], 'no-stream');
      const { events } = await drainUntil(suite.store, checkpoint, (read) => read.some((e) => e.streamId === streamId));
      expect(events.filter((e) => e.streamId === streamId).map((e) => e.type)).toEqual(['test.appended-meanwhile.v1']);
    } finally {
      for (const client of [here, there]) {
        await client.query('ROLLBACK');
        client.release();
      }
      await elsewhere.drop();
    }
  });

  it('refuses an insert into es_events from a transaction that did not mark itself as an appender', async () => {
    await expect(
      suite.db.pool.query(
        `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata) VALUES ($1, 1, $2, 'test.unmarked.v1', '{}', '{}')`,
        [`unmarked-${randomUUID()}`, randomUUID()],
      ),
    ).rejects.toThrow(/appender lock/);
  });

  it('stores chain links only as both absent or both lowercase hex SHA-256 (migration 0052: one check for three)', async () => {
    const hex = 'a'.repeat(64);
    const insertLinks = async (prevHash: string | null, hash: string | null) => {
      const client = await suite.db.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(BEGIN_APPENDING_SQL);
        await client.query(
          `INSERT INTO es_events (stream_id, stream_version, event_id, event_type, data, metadata, prev_hash, hash)
           VALUES ($1, 1, $2, 'test.links.v1', '{}', '{}', $3, $4)`,
          [`links-${randomUUID()}`, randomUUID(), prevHash, hash],
        );
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    };
    await expect(insertLinks(null, null)).resolves.toBeUndefined();
    await expect(insertLinks(hex, 'b'.repeat(64))).resolves.toBeUndefined();
    for (const [prevHash, hash] of [
      [hex, null],
      [null, hex],
      [hex, 'A'.repeat(64)],
      ['a'.repeat(63), hex],
    ] as const) {
      await expect(insertLinks(prevHash, hash)).rejects.toThrow(/es_events_chain_link_well_formed/);
    }
  });

  it('keeps one stream in version order across many concurrent appends', async () => {
    const { checkpoint } = await drain(suite.store, undefined);
    const streamId = `busy-${randomUUID()}`;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => suite.store.append(streamId, [event(`test.n${i}.v1`)], 'any')),
    );
    const { events } = await drainUntil(
      suite.store,
      checkpoint,
      (read) => read.filter((e) => e.streamId === streamId).length >= 20,
    );
    expect(events.filter((e) => e.streamId === streamId).map((e) => e.streamVersion)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('keeps every stream in version order, chained, when multi-stream appends race each other and single appends', async () => {
    const { checkpoint } = await drain(suite.store, undefined);
    const streams = Array.from({ length: 5 }, () => `busy-${randomUUID()}`);
    // Each batch names the streams in another order: the locks are taken in one order whatever the order asked.
    const batches = Array.from({ length: 10 }, (_, b) =>
      suite.store.appendMany(
        [...streams.slice(b % 5), ...streams.slice(0, b % 5)].map((streamId) => ({
          streamId,
          events: [event(`test.batch${b}.v1`)],
          expected: 'any' as const,
        })),
      ),
    );
    const singles = Array.from({ length: 10 }, (_, i) =>
      suite.store.append(streams[i % 5]!, [event(`test.single${i}.v1`)], 'any'),
    );
    await Promise.all([...batches, ...singles]);
    const { events } = await drainUntil(
      suite.store,
      checkpoint,
      (read) => read.filter((e) => streams.includes(e.streamId)).length >= 60,
    );
    for (const streamId of streams) {
      expect(events.filter((e) => e.streamId === streamId).map((e) => e.streamVersion)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      expect(verifyStream(streamId, await suite.store.readStream(streamId)).verifies).toBe(true);
    }
  });
});
