import { randomUUID } from 'node:crypto';
import { DeadLetterHeaders, ValidationError } from '@closeloop/contracts';
import { adminJson, eventually, runAdminCli, testKafka, useDeadLetters, useSuiteDatabase } from '@closeloop/testing';
import { intakeCloudEvent, intakeConsumerUnderTest, intakeTopicUnderTest } from './consumer-under-test.spec';
import { InboundCloudEvent } from './event-consumer';
import { PostgresParkedMessages } from './parked-messages.repository';

describe('CloudEventConsumer failure policy, on a real broker', () => {
  const { prefix, topic } = intakeTopicUnderTest('consumer');
  const kafka = testKafka('consumer-test');
  const handled: string[] = [];
  const attempts = new Map<string, number>();
  const logged: string[] = [];
  const outcomes: { type: string; outcome: string }[] = [];

  // The handler's behaviour is chosen by the event's subject.
  const handle = async ({ event }: InboundCloudEvent) => {
    const count = (attempts.get(event.id) ?? 0) + 1;
    attempts.set(event.id, count);
    if (event.subject === 'permanent')
      throw new ValidationError('the report names no site', [{ path: 'data.siteId', message: 'Required' }]);
    if (event.subject === 'quoting')
      throw new ValidationError('no site for resident 13812345678', [{ path: 'data.siteId', message: 'Required' }]);
    if (event.subject === 'always-failing') throw new Error('database unreachable');
    if (event.subject === 'flaky' && count < 3) throw new Error('connection reset');
    // What pg throws while the database restarts, for longer than the retry budget of an ordinary failure.
    if (event.subject === 'outage' && count < 8)
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    handled.push(event.id);
  };

  // The consumer parks on the suite's database, so it is stopped before that database is dropped.
  const suite = useSuiteDatabase('consumer', {
    with: async ({ db }) => {
      const parkedMessages = new PostgresParkedMessages(db.pool);
      const intake = await intakeConsumerUnderTest(kafka, prefix, {
        parkedMessages,
        handle,
        maxAttempts: 4,
        retryBaseMillis: 20,
        log: (line) => logged.push(line),
        observer: { consumed: (_topic, type, outcome) => outcomes.push({ type, outcome }) },
      });
      return { parkedMessages, intake };
    },
    stop: ({ intake }) => intake.close(),
  });
  const deadLetters = useDeadLetters(() => ({ kafka, topic, prefix }));

  // Everything on one key, so on one partition: a poison message there must not hold back the rest.
  const send = (value: string) => suite.intake.producer.send({ topic, messages: [{ key: 'same-partition', value }] });

  /** Sends the records as JSON, one after the other. */
  const sendAll = async (...records: object[]) => {
    for (const record of records) await send(JSON.stringify(record));
  };

  /** Sends the record as JSON and waits for its dead letter, the one containing `needle`. */
  const sendToDeadLetter = async (record: object, needle: string) => {
    await sendAll(record);
    return deadLetters.letterContaining(needle);
  };

  const handledEventually = (what: string, event: { id: string }) =>
    eventually(what, async () => (handled.includes(event.id) ? true : undefined));

  it('tells its observer each outcome, has joined its group, and reports its lag back at zero', async () => {
    const flaky = intakeCloudEvent('flaky');
    const permanent = intakeCloudEvent('permanent');
    const before = outcomes.length;
    await sendAll(flaky, permanent);
    await handledEventually('the flaky event to be handled', flaky);
    await deadLetters.letterContaining(permanent.id);
    const type = 'closeloop.intake.report-submitted.v1';
    expect(outcomes.slice(before)).toEqual([
      { type, outcome: 'failed' },
      { type, outcome: 'failed' },
      { type, outcome: 'handled' },
      { type, outcome: 'dead-lettered' },
    ]);
    expect(suite.intake.consumer.joined()).toBe(true);
    const lags = await eventually('the committed offsets to reach the end', async () => {
      const measured = await suite.intake.consumer.lag();
      return measured.length > 0 && measured.every((p) => p.lag === 0) ? measured : undefined;
    });
    expect(lags.every((p) => p.topic === topic)).toBe(true);
  });

  it('dead-letters bytes that are not JSON, byte for byte, with the reason, and moves on', async () => {
    const garbage = `not json ${randomUUID()}`;
    const after = intakeCloudEvent('fine');
    await send(garbage);
    await sendAll(after);
    const letter = await deadLetters.letterContaining(garbage);
    expect(letter.value).toBe(garbage);
    expect(letter.headers[DeadLetterHeaders.errorCode]).toBe('MALFORMED_CLOUDEVENT');
    expect(letter.headers[DeadLetterHeaders.reason]).toMatch(/not JSON/);
    expect(letter.headers[DeadLetterHeaders.originalTopic]).toBe(topic);
    expect(letter.headers[DeadLetterHeaders.consumerGroup]).toBe(`${prefix}intake`);
    await handledEventually('the next message handled', after);
  }, 30_000);

  it('dead-letters a JSON message that is not a CloudEvent, naming the missing attributes', async () => {
    const marker = randomUUID();
    const letter = await sendToDeadLetter({ hello: marker }, marker);
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.errorCode]: 'MALFORMED_CLOUDEVENT',
      [DeadLetterHeaders.reason]: expect.stringMatching(/specversion/),
    });
  }, 30_000);

  it('dead-letters a permanent failure on the first attempt, with its error code', async () => {
    const poison = intakeCloudEvent('permanent');
    const letter = await sendToDeadLetter(poison, poison.id);
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.errorCode]: 'VALIDATION_FAILED',
      [DeadLetterHeaders.attempts]: '1',
    });
    expect(attempts.get(poison.id)).toBe(1);
  }, 30_000);

  it('logs a dead letter with phone numbers scrubbed, while the dead letter keeps the reason as it was', async () => {
    const poison = intakeCloudEvent('quoting');
    const letter = await sendToDeadLetter(poison, poison.id);
    expect(letter.headers[DeadLetterHeaders.reason]).toContain('13812345678');
    const line = logged.find((l) => l.startsWith('dead-lettering') && l.includes('no site for resident'));
    expect(line).toMatch(
      /^dead-lettering .+\[\d+\]@\d+: VALIDATION_FAILED no site for resident 138\*\*\*\*5678: data\.siteId Required$/,
    );
    expect(logged.join('\n')).not.toContain('13812345678');
  }, 30_000);

  it('retries a transient failure with backoff and then handles it, without a dead letter', async () => {
    const flaky = intakeCloudEvent('flaky');
    await sendAll(flaky);
    await handledEventually('the flaky event handled', flaky);
    expect(attempts.get(flaky.id)).toBe(3);
    expect(deadLetters.seen.some((d) => d.value.includes(flaky.id))).toBe(false);
  }, 30_000);

  it('dead-letters after the bounded retries are spent, and the partition keeps flowing', async () => {
    const stuck = intakeCloudEvent('always-failing');
    const behind = intakeCloudEvent('fine');
    await sendAll(stuck, behind);
    const letter = await deadLetters.letterContaining(stuck.id);
    expect(letter.headers).toMatchObject({
      [DeadLetterHeaders.errorCode]: 'RETRIES_EXHAUSTED',
      [DeadLetterHeaders.attempts]: '4',
      [DeadLetterHeaders.reason]: expect.stringMatching(/database unreachable/),
    });
    await handledEventually('the message behind the failing one handled', behind);
  }, 30_000);

  it('parks in PostgreSQL a record whose dead letter the broker refuses as too large, and consumes the next one', async () => {
    // Just under the broker's default max.message.bytes (1 MB) as sent; the dead letter's headers push it over.
    const marker = `not json ${randomUUID()} `;
    const oversized = Buffer.from(marker + 'x'.repeat(1_048_300 - marker.length));
    const after = intakeCloudEvent('fine');
    const sent = await suite.intake.producer.send({
      topic,
      messages: [{ key: 'same-partition', value: oversized, headers: { 'x-origin': 'crm' } }],
    });
    await sendAll(after);

    await handledEventually('the message after the oversized one handled', after);
    const [parked] = (await suite.parkedMessages.list(10)).filter(
      (m) => m.value?.subarray(0, marker.length).toString() === marker,
    );
    expect(parked).toMatchObject({
      consumerGroup: `${prefix}intake`,
      topic,
      partition: sent[0]?.partition,
      offset: sent[0]?.baseOffset,
      errorCode: 'MALFORMED_CLOUDEVENT',
      attempts: 1,
      deadLetterError: expect.stringMatching(/^MESSAGE_TOO_LARGE: /),
    });
    expect(parked?.reason).toMatch(/not JSON/);
    expect(parked?.key?.toString()).toBe('same-partition');
    expect(parked?.value?.equals(oversized)).toBe(true);
    expect(parked?.headers.map((h) => [h.name, h.value.toString()])).toEqual([['x-origin', 'crm']]);
    expect(deadLetters.seen.some((d) => d.value.startsWith(marker))).toBe(false);
    expect(logged.some((l) => l.startsWith('CONSUMER_MESSAGE_PARKED') && l.includes('MESSAGE_TOO_LARGE'))).toBe(true);

    // What an operator sees with the admin tool.
    const listed = adminJson<{
      messages: { topic: string; offset: string; valueBytes: number; errorCode: string; deadLetterError: string }[];
    }>(await runAdminCli(suite.db.url, 'consumer', 'parked', 'list', '--json'));
    expect(listed.messages).toEqual([
      expect.objectContaining({
        topic,
        offset: sent[0]?.baseOffset,
        valueBytes: oversized.length,
        errorCode: 'MALFORMED_CLOUDEVENT',
      }),
    ]);
  }, 60_000);

  it('waits out a database outage longer than the retry budget, in order, without a dead letter', async () => {
    const during = intakeCloudEvent('outage');
    const behind = intakeCloudEvent('fine');
    await sendAll(during, behind);
    await handledEventually('the event handled once the outage ended', during);
    expect(attempts.get(during.id)).toBe(8); // maxAttempts is 4 here: an outage does not count against the message
    await handledEventually('the event behind it handled', behind);
    expect(handled.indexOf(during.id)).toBeLessThan(handled.indexOf(behind.id));
    expect(deadLetters.seen.some((d) => d.value.includes(during.id))).toBe(false);
    expect(logged.some((l) => l.includes('waits for the infrastructure'))).toBe(true);
  }, 60_000);
});
