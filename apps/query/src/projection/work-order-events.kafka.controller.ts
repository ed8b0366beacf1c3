import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { isEventType } from '@closeloop/contracts';
import { ANY_EVENT_TYPE, InboundCloudEvent } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { projectEvent } from './work-order.projection';

@Controller()
export class WorkOrderEventsKafkaController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @EventPattern(ANY_EVENT_TYPE)
  async onEvent({ event }: InboundCloudEvent): Promise<void> {
    // Types from a newer producer than this projection are kept for its next version, not guessed at.
    if (!isEventType(event.type)) return;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
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
