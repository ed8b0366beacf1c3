import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, TopicBaseNames, topicName } from '@closeloop/contracts';
import { eventually, infrastructure, setTopicMaxMessageBytes, testKafka, uniqueTopicPrefix } from '@closeloop/testing';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { intakeConsumerUnderTest, IntakeConsumerUnderTest } from './consumer-under-test.spec';
import { PostgresParkedMessages } from './parked-messages.repository';

describe('a consumer kafkajs gives up on, on a real broker', () => {
  const prefix = uniqueTopicPrefix('consumer-crash');
  const topic = topicName(TopicBaseNames.intake, prefix);
  const deadLetters = deadLetterTopicOf(topic);
  let kafka: Kafka;
  let intake: IntakeConsumerUnderTest;
  const handled: string[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    kafka = testKafka('consumer-crash-test');
    // A dead-letter topic that refuses records over 2,000 bytes: dead-lettering a bigger one fails with
    // MESSAGE_TOO_LARGE, an error kafkajs does not retry, so its consumer crashes for good.
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: deadLetters, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '2000' }] }],
    });
    await admin.disconnect();
    // A record that cannot be dead-lettered is parked in PostgreSQL; only when that fails too (here: a pool already
    // ended, as during a database outage) does the error reach kafkajs, the case this suite is about.
    const unreachableDatabase = new Pool({ connectionString: infrastructure().adminDatabaseUrl, max: 1 });
    await unreachableDatabase.end();
    intake = await intakeConsumerUnderTest(kafka, prefix, {
      parkedMessages: new PostgresParkedMessages(unreachableDatabase),
      handle: async ({ event }) => void handled.push(event.id),
      restartDelayMillis: 500,
      log: (line) => logged.push(line),
    });
  }, 60_000);

  afterAll(async () => {
    await intake?.close();
  });

  it('is replaced, in the same process, and consumes on once the cause is gone', async () => {
    const big = `not a CloudEvent ${'x'.repeat(1_900)}`;
    const after = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'urn:test',
      type: 'closeloop.intake.report-submitted.v1',
      data: {},
    };
    await intake.producer.send({
      topic,
      messages: [
        { key: 'k', value: big },
        { key: 'k', value: JSON.stringify(after) },
      ],
    });

    await eventually(
      'the crashed consumer replaced',
      async () => (logged.some((l) => l.includes('kafkajs will not restart it')) ? true : undefined),
      60_000,
    );
    expect(handled).not.toContain(after.id); // the record behind the one that cannot be dead-lettered waits, never skipped

    await setTopicMaxMessageBytes(kafka, deadLetters, 1_048_588);

    await eventually(
      'the record behind it handled by a replacement consumer',
      async () => (handled.includes(after.id) ? true : undefined),
      60_000,
    );
  }, 120_000);
});
