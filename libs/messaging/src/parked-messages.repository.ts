import { IHeaders } from 'kafkajs';
import { queryCamelRows } from '@closeloop/database';
import { Pool } from 'pg';
import { DeadLetter } from './dead-letter';

/**
 * Where a consumer keeps a record it could neither handle nor dead-letter, so its partition can move on without
 * dropping anything: the port the consumer needs, and its PostgreSQL adapter below.
 */
export interface ParkedMessages {
  park(letter: DeadLetter, deadLetterError: string): Promise<void>;
}

export interface ParkedMessage {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly { readonly name: string; readonly value: Buffer }[];
  readonly errorCode: string;
  readonly reason: string;
  readonly attempts: number;
  readonly deadLetterError: string;
  readonly parkedAt: Date;
}

/** Kafka headers as bytes, in order, repeated names kept: whatever the record carried, JSON can hold it (base64). */
const headerList = (headers: IHeaders | undefined): { name: string; value: string }[] =>
  Object.entries(headers ?? {}).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value])
      .filter((v): v is Buffer | string => Buffer.isBuffer(v) || typeof v === 'string')
      .map((v) => ({ name, value: Buffer.from(v).toString('base64') })),
  );

/** consumer_parked_messages (migration 0019). A record redelivered after a crash is parked once. */
export class PostgresParkedMessages implements ParkedMessages {
  constructor(private readonly pool: Pool) {}

  async park(letter: DeadLetter, deadLetterError: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO consumer_parked_messages
         (consumer_group, topic, partition, record_offset, record_key, record_value, headers, error_code, reason, attempts, dead_letter_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (consumer_group, topic, partition, record_offset) DO NOTHING`,
      [
        letter.groupId,
        letter.topic,
        letter.partition,
        letter.message.offset,
        letter.message.key,
        letter.message.value,
        JSON.stringify(headerList(letter.message.headers)),
        letter.errorCode,
        letter.reason.slice(0, 2_000),
        letter.attempts,
        deadLetterError.slice(0, 2_000),
      ],
    );
  }

  /** Newest first; for the admin tool and tests. */
  async list(limit: number): Promise<ParkedMessage[]> {
    const rows = await queryCamelRows<Omit<ParkedMessage, 'headers'> & { headers: { name: string; value: string }[] }>(
      this.pool,
      `SELECT consumer_group, topic, partition, record_offset AS "offset", record_key AS key, record_value AS value,
              headers, error_code, reason, attempts, dead_letter_error, parked_at
       FROM consumer_parked_messages ORDER BY parked_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      ...r,
      headers: r.headers.map((h) => ({ name: h.name, value: Buffer.from(h.value, 'base64') })),
    }));
  }
}
