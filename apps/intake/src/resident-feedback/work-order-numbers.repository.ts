import { Inject, Injectable } from '@nestjs/common';
import { EventTypes } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** Work orders by the number read to the resident, found in their reports in the event store (migration 0005's index). */
@Injectable()
export class WorkOrderNumbersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The id of the order with this number, or undefined. */
  async idOf(number: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      "SELECT data->>'workOrderId' AS work_order_id FROM es_events WHERE event_type = $1 AND data->>'number' = $2",
      [EventTypes.WorkOrderReported, number],
    );
    return rows[0]?.work_order_id;
  }
}
