import { Inject, Injectable } from '@nestjs/common';
import { EventTypes } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/**
 * The orders reported recently at a place, found in the reports intake itself appended to the event store (an
 * index of migration 0007 serves the search): the candidates a new report may repeat.
 */
@Injectable()
export class RecentReportsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The ids of orders reported at a site's building since a moment, newest first. */
  async atPlace(siteId: string, building: string, since: Date, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      `SELECT data->>'workOrderId' AS work_order_id FROM es_events
       WHERE event_type = $1 AND data->>'siteId' = $2 AND data->>'building' = $3 AND recorded_at >= $4
       ORDER BY recorded_at DESC LIMIT $5`,
      [EventTypes.WorkOrderReported, siteId, building, since, limit],
    );
    return rows.map((r) => r.work_order_id);
  }
}
