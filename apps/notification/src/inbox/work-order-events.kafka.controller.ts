import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ANY_EVENT_TYPE, InboundCloudEvent } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/**
 * Takes every work-order event into the notification inbox, once per event id. Alert delivery to on-call staff
 * builds on this inbox; until then the service proves it receives the whole stream.
 */
@Controller()
export class WorkOrderEventsKafkaController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @EventPattern(ANY_EVENT_TYPE)
  async onEvent({ event }: InboundCloudEvent): Promise<void> {
    if (!event.workorderid) return;
    await this.pool.query(
      'INSERT INTO notification_inbox (event_id, event_type, work_order_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING',
      [event.id, event.type, event.workorderid],
    );
  }
}
