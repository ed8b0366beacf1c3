import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/**
 * The site of each order, from intake's own record of the orders it opened (intake_reports, migration 0026): the
 * feed shows an integrator only its sites' orders, and most work-order events do not name their site.
 */
@Injectable()
export class FeedOrderSitesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async sitesOf(workOrderIds: readonly string[]): Promise<Map<string, string>> {
    if (workOrderIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ work_order_id: string; site_id: string }>(
      'SELECT work_order_id, site_id FROM intake_reports WHERE work_order_id = ANY($1::uuid[])',
      [workOrderIds],
    );
    return new Map(rows.map((r) => [r.work_order_id, r.site_id]));
  }
}
