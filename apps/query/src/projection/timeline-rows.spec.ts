import { randomUUID } from 'node:crypto';
import { DomainEvent } from '@closeloop/contracts';
import { publishedWorkOrderEvent } from '@closeloop/testing';
import { Pool } from 'pg';
import { projectEvent } from './work-order.projection';

/**
 * Writes an order's timeline rows as the projection would have stored them, numbered by their place in `events`,
 * for specs of what is read or migrated from query_timeline. `newestFirst` inserts them in reverse, as a redelivery
 * out of order would, to show that readers go by sequence and not by arrival.
 */
export const storeTimelineRows = async (
  pool: Pool,
  workOrderId: string,
  events: readonly { event: DomainEvent; at: string }[],
  newestFirst = false,
): Promise<void> => {
  const numbered = events.map((entry, i) => ({ ...entry, sequence: i + 1 }));
  for (const { event, at, sequence } of newestFirst ? numbered.reverse() : numbered) {
    await pool.query(
      'INSERT INTO query_timeline (event_id, work_order_id, event_type, occurred_at, source, sequence, data) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [randomUUID(), workOrderId, event.type, at, 'test', sequence, JSON.stringify(event.data)],
    );
  }
};

let published = 0;

/**
 * Projects an order's history as the consumer would, on one connection: each event published at the instant it
 * occurred, with a store position after every one projected before it in this process.
 */
export const projectHistory = async (
  pool: Pool,
  workOrderId: string,
  events: readonly { event: DomainEvent; at: string }[],
): Promise<void> => {
  const client = await pool.connect();
  try {
    for (const { event, at } of events)
      await projectEvent(client, publishedWorkOrderEvent(workOrderId, event, ++published, at));
  } finally {
    client.release();
  }
};
