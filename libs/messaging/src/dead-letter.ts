import { DeadLetterHeaders, deadLetterTopicOf } from '@closeloop/contracts';
import { IHeaders, KafkaMessage, Producer } from 'kafkajs';

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly groupId: string;
  readonly errorCode: string;
  readonly reason: string;
  readonly attempts: number;
  readonly now: Date;
}

/**
 * Parks a message that cannot be processed on `<topic>.dlq`, byte for byte, with why in its headers, so its
 * partition moves on and an operator can inspect and replay it.
 */
export const sendToDeadLetter = async (producer: Producer, letter: DeadLetter): Promise<void> => {
  const headers: IHeaders = {
    ...reencodableHeaders(letter.message.headers),
    [DeadLetterHeaders.reason]: letter.reason.slice(0, 2_000),
    [DeadLetterHeaders.errorCode]: letter.errorCode,
    [DeadLetterHeaders.attempts]: String(letter.attempts),
    [DeadLetterHeaders.originalTopic]: letter.topic,
    [DeadLetterHeaders.originalPartition]: String(letter.partition),
    [DeadLetterHeaders.originalOffset]: letter.message.offset,
    [DeadLetterHeaders.consumerGroup]: letter.groupId,
    [DeadLetterHeaders.failedAt]: letter.now.toISOString(),
  };
  await producer.send({
    topic: deadLetterTopicOf(letter.topic),
    acks: -1,
    messages: [{ key: letter.message.key, value: letter.message.value, headers }],
  });
};

/**
 * The message's own headers, as Kafka can encode them again. kafkajs decodes a header named like an Object.prototype
 * member ('toString', 'constructor', '__proto__') into [that member, value]; copied as is, the dead letter's send
 * throws and the consumer crashes, so such a name keeps only the values that are bytes or text.
 */
const reencodableHeaders = (headers: IHeaders | undefined): IHeaders => {
  const copy: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = (Array.isArray(value) ? value : [value]).filter(
      (v): v is Buffer | string => Buffer.isBuffer(v) || typeof v === 'string',
    );
    if (values.length === 0) continue;
    // defineProperty, so that a header named '__proto__' stays a header and does not become the copy's prototype.
    Object.defineProperty(copy, name, {
      value: values.length === 1 ? values[0] : values,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
};
