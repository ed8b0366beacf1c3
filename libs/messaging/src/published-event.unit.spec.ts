import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { recordRefusalOf } from './published-event';

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
