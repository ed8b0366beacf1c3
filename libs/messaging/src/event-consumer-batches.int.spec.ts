import { ValidationError } from '@closeloop/contracts';
import { eventually, freshDatabase, TestDatabase, testKafka } from '@closeloop/testing';
import { Kafka, Producer } from 'kafkajs';
import { PoolClient } from 'pg';
import {
  intakeCloudEvent,
  intakeConsumerUnderTest,
  IntakeConsumerUnderTest,
  intakeTopicUnderTest,
} from './consumer-under-test.spec';
import { InboundCloudEvent } from './event-consumer';
import { ensureTopics } from './kafka';
import { PostgresParkedMessages } from './parked-messages.repository';

describe('CloudEventConsumer batches in one PostgreSQL transaction, on a real broker', () => {
  const { prefix, topic } = intakeTopicUnderTest('consumer-batches');
  let db: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let intake: IntakeConsumerUnderTest;
  const batchAttempts = new Map<string, number>();
  const outcomes: string[] = [];
  const observedInBatch: string[] = [];
  const seenAfterCommit: number[] = [];
  let rolledBack: () => void;
  const batchRolledBack = new Promise<void>((resolve) => (rolledBack = resolve));
  let release: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  // No unique key on the effects: a record applied twice would show as two rows.
  const apply = (client: Pick<PoolClient, 'query'>, { event }: InboundCloudEvent) =>
    client.query('INSERT INTO batch_effects (event_id, subject) VALUES ($1, $2)', [event.id, event.subject]);

  // One key, so one partition, and one send, so one batch.
  const sendAll = (records: readonly object[]) =>
    producer.send({ topic, messages: records.map((r) => ({ key: 'same-partition', value: JSON.stringify(r) })) });

  const effects = async () =>
    (
      await db.pool.query<{ event_id: string; n: number }>(
        'SELECT event_id, count(*)::int AS n FROM batch_effects GROUP BY event_id',
      )
    ).rows;

  const committedOffset = async (): Promise<string | undefined> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId: `${prefix}intake`, topics: [topic] });
      const committed = offsets?.partitions.filter((p) => p.offset !== '-1') ?? [];
      return committed.length === 0 ? undefined : committed.map((p) => p.offset).join(',');
    } finally {
      await admin.disconnect();
    }
  };

  /** One event per subject, in order; the handlers act by subject. */
  const eventsAbout = (...subjects: string[]) => subjects.map((subject) => intakeCloudEvent(subject));

  /** Sends the records as one batch; what the consumer counted for each, once it has counted them all. */
  const outcomesOf = async (records: readonly { id: string }[]) => {
    const before = outcomes.length;
    await sendAll(records);
    await eventually('the records counted', async () =>
      outcomes.length - before === records.length ? true : undefined,
    );
    return outcomes.slice(before);
  };

  const effectsOf = async (records: readonly { id: string }[]) =>
    (await effects()).filter((r) => records.some((e) => e.id === r.event_id));

  const committedAt = (offset: string) =>
    eventually('the offset committed', async () => ((await committedOffset()) === offset ? true : undefined));

  const first = Array.from({ length: 10 }, (_, i) => intakeCloudEvent(i === 4 ? 'fails-once-in-batch' : 'fine'));

  beforeAll(async () => {
    db = await freshDatabase('consumer_batches');
    await db.pool.query('CREATE TABLE batch_effects (event_id uuid NOT NULL, subject text NOT NULL)');
    kafka = testKafka('consumer-batches-test');
    await ensureTopics(kafka, prefix);
    producer = kafka.producer();
    await producer.connect();
    // Waiting on the broker before the consumer starts: its first fetch takes all ten as one batch.
    await sendAll(first);
    intake = await intakeConsumerUnderTest(kafka, prefix, {
      parkedMessages: new PostgresParkedMessages(db.pool),
      maxAttempts: 2,
      retryBaseMillis: 20,
      // One by one, each in a transaction of its own: where a batch that failed goes.
      handle: async (message) => {
        rolledBack();
        await released;
        if (message.event.subject === 'poison') throw new ValidationError('never applies', []);
        await apply(db.pool, message);
      },
      batches: {
        pool: db.pool,
        joins: () => true,
        skips: (message) => message.event.subject === 'not-for-us',
        handle: async (message, { client, afterCommit }) => {
          const attempt = (batchAttempts.get(message.event.id) ?? 0) + 1;
          batchAttempts.set(message.event.id, attempt);
          await apply(client, message);
          if (message.event.subject === 'after-commit-fails')
            afterCommit(async () => {
              const { rows } = await db.pool.query<{ n: number }>(
                'SELECT count(*)::int AS n FROM batch_effects WHERE event_id = $1',
                [message.event.id],
              );
              seenAfterCommit.push(rows[0]?.n ?? 0);
              throw new Error('the work after the commit failed');
            });
          if (message.event.subject === 'fails-once-in-batch' && attempt === 1) throw new Error('connection reset');
          if (message.event.subject === 'poison') throw new ValidationError('never applies', []);
        },
      },
      observer: {
        consumed: (_topic, _type, outcome) => outcomes.push(outcome),
        handling: async (message, work) => {
          observedInBatch.push(message.event.id);
          return work();
        },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await intake?.close();
    await producer?.disconnect();
    await db?.drop();
  });

  it('leaves neither effects nor offsets behind when a batch fails half-way, then applies every record once', async () => {
    await batchRolledBack;
    // The batch got to its fifth record, wrote four rows and the fifth, and failed: none of them is left, and the
    // group has committed no offset, so a crash here would hand all ten to the next consumer.
    expect(first.map((e) => batchAttempts.get(e.id))).toEqual([
      1,
      1,
      1,
      1,
      1,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(await effects()).toEqual([]);
    expect(await committedOffset()).toBeUndefined();

    release();
    const applied = await eventually('every record applied', async () => {
      const rows = await effects();
      return rows.length === first.length ? rows : undefined;
    });
    expect(applied.every((r) => r.n === 1)).toBe(true);
    expect(new Set(applied.map((r) => r.event_id))).toEqual(new Set(first.map((e) => e.id)));
    expect(outcomes.filter((o) => o === 'handled')).toHaveLength(10);
    expect(await eventually('the offset committed past the batch', committedOffset)).toBe('10');
  }, 60_000);

  it('commits a batch that succeeds in its transaction, its offsets after it, each record seen by the observer', async () => {
    const records = Array.from({ length: 6 }, () => intakeCloudEvent('fine'));
    const before = outcomes.length;
    await sendAll(records);
    await eventually('the batch applied', async () =>
      (await effects()).filter((r) => records.some((e) => e.id === r.event_id)).length === 6 ? true : undefined,
    );
    expect(records.map((e) => batchAttempts.get(e.id))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(records.every((e) => observedInBatch.includes(e.id))).toBe(true);
    expect(
      await eventually('the offset committed', async () => ((await committedOffset()) === '16' ? true : undefined)),
    ).toBe(true);
    expect(outcomes.slice(before)).toEqual(Array(6).fill('handled'));
  }, 60_000);

  it('dead-letters a poison record of a batch and applies the records around it, in order, once each', async () => {
    const records = eventsAbout('fine', 'fine', 'poison', 'fine');
    expect(await outcomesOf(records)).toEqual(['handled', 'handled', 'dead-lettered', 'handled']);
    const rows = await effectsOf(records);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set([records[0]?.id, records[1]?.id, records[3]?.id]));
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(await committedAt('20')).toBe(true);
  }, 60_000);

  it('counts records no handler wants as skipped, hands them to no handler, and commits past them', async () => {
    const records = eventsAbout('not-for-us', 'fine', 'not-for-us', 'not-for-us');
    expect(await outcomesOf(records)).toEqual(['skipped', 'handled', 'skipped', 'skipped']);
    expect(records.map((e) => batchAttempts.get(e.id))).toEqual([undefined, 1, undefined, undefined]);
    expect((await effectsOf(records)).map((r) => r.event_id)).toEqual([records[1]?.id]);
    expect(await committedAt('24')).toBe(true);
  }, 60_000);

  it('runs work asked for after the commit once the batch is committed, and hands the run to the one-by-one path if it fails', async () => {
    const records = eventsAbout('fine', 'after-commit-fails');
    expect(await outcomesOf(records)).toEqual(['handled', 'handled']);
    // The work saw the batch's row from another connection: the transaction had committed.
    expect(seenAfterCommit).toEqual([1]);
    // Then each record was handled again alone, over what the batch had committed (handlers are idempotent; these
    // effects have no key, so they show it).
    expect((await effectsOf(records)).map((r) => r.n)).toEqual([2, 2]);
    expect(await committedAt('26')).toBe(true);
  }, 60_000);
});
