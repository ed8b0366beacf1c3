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
    ...(letter.message.headers ?? {}),
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
