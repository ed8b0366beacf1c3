import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ANY_EVENT_TYPE, InboundCloudEvent, lockReadModelShared } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { isProjected, projectEvent } from './work-order.projection';
import { QUERY_READ_MODEL } from './work-order.rebuild';

@Controller()
export class WorkOrderEventsKafkaController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @EventPattern(ANY_EVENT_TYPE)
  async onEvent({ event }: InboundCloudEvent): Promise<void> {
    // Types from a newer producer than this projection are kept for its next version, not guessed at.
    if (!isProjected(event)) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Before the first write: a rebuild swapping new tables in waits for this event, or this event for the swap,
      // and then lands in the new tables (ADR 16).
      await lockReadModelShared(client, QUERY_READ_MODEL);
      await projectEvent(client, event);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
