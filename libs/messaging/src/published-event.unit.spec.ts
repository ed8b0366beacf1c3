import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import type { RecordedEvent } from '@closeloop/event-store';
import { recordRefusalOf, toKafkaMessage } from './published-event';

// kafkajs' own error classes, built as its producer builds them from a broker's error code (its typings know
// only a message; at runtime they take the broker's error description, and a cause).
const ProtocolError = KafkaJSProtocolError as unknown as new (e: {
  type: string;
  code: number;
  retriable: boolean;
  message: string;
}) => Error;
const NonRetriableError = KafkaJSNonRetriableError as unknown as new (e: Error, metadata: { cause: Error }) => Error;
const protocol = (type: string, code: number) =>
  new ProtocolError({ type, code, retriable: false, message: `broker said ${type}` });

describe('recordRefusalOf: which send failures are about the record, and so never pass', () => {
  it.each([
    ['MESSAGE_TOO_LARGE', 10],
    ['RECORD_LIST_TOO_LARGE', 18],
    ['INVALID_RECORD', 87],
    ['INVALID_TIMESTAMP', 32],
  ])('names %s', (type, code) => {
    expect(recordRefusalOf(protocol(type, code))).toBe(type);
  });

  it('finds a refusal kafkajs wrapped when it gave up', () => {
    const refused = protocol('MESSAGE_TOO_LARGE', 10);
    // As kafkajs' retrier rejects with a failure it may not retry.
    expect(recordRefusalOf(new NonRetriableError(refused, { cause: refused }))).toBe('MESSAGE_TOO_LARGE');
    expect(
      recordRefusalOf(
        new KafkaJSNumberOfRetriesExceeded(protocol('INVALID_RECORD', 87), { retryCount: 5, retryTime: 1000 }),
      ),
    ).toBe('INVALID_RECORD');
  });

  it.each([
    ['a broker that does not answer', new KafkaJSConnectionError('Connection error: ECONNREFUSED')],
    [
      'retries spent on a connection',
      new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection timeout'), {
        retryCount: 8,
        retryTime: 5000,
      }),
    ],
    ['a leader moving', protocol('NOT_LEADER_FOR_PARTITION', 6)],
    ['a missing topic', protocol('UNKNOWN_TOPIC_OR_PARTITION', 3)],
    ['a topic the service may not write', protocol('TOPIC_AUTHORIZATION_FAILED', 29)],
    ['a request timeout', protocol('REQUEST_TIMED_OUT', 7)],
    ['anything else', new Error('socket hang up')],
  ])('leaves %s to be retried', (_what, error) => {
    expect(recordRefusalOf(error)).toBeUndefined();
  });
});

describe('toKafkaMessage: the key that keeps a stream on one partition', () => {
  const recorded = (metadata: Record<string, unknown>): RecordedEvent => ({
    streamId: 'any',
    streamVersion: 1,
    globalPosition: '42',
    checkpoint: '7:42',
    eventId: '5f0c7a52-1c1e-4f7c-9d7e-3c1f7e2a9b10',
    type: 'closeloop.inquiry.received.v1',
    data: {},
    metadata: {
      correlationId: 'c',
      causationId: 'request:x',
      actor: { kind: 'integrator', id: 'app' },
      producer: 'intake',
      ...metadata,
    },
    recordedAt: new Date('2026-12-08T01:00:00Z'),
  });
  const workOrderId = '6f1d2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';

  it("keys a work order's event by the order", () => {
    const message = toKafkaMessage(recorded({ workOrderId }));
    expect(message.key).toBe(workOrderId);
    const event = JSON.parse(String(message.value)) as Record<string, unknown>;
    expect(event).toMatchObject({ subject: workOrderId, workorderid: workOrderId });
    expect(event).not.toHaveProperty('partitionkey');
  });

  it("keys an event about no order (an inquiry) by its stream's partition key, with no workorderid", () => {
    const message = toKafkaMessage(recorded({ partitionKey: 'inquiry-0b4c7a52' }));
    expect(message.key).toBe('inquiry-0b4c7a52');
    const event = JSON.parse(String(message.value)) as Record<string, unknown>;
    expect(event).toMatchObject({ subject: 'inquiry-0b4c7a52', partitionkey: 'inquiry-0b4c7a52', sequence: '42' });
    expect(event).not.toHaveProperty('workorderid');
  });

  it('refuses an event that names neither (the relay parks it as unmappable)', () => {
    expect(() => toKafkaMessage(recorded({}))).toThrow(/partition key/);
  });
});
