import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** Work orders by the number read to the resident, from intake's own record of the orders it opened (migration 0026). */
@Injectable()
export class WorkOrderNumbersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The id of the order with this number, or undefined. */
  async idOf(number: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      'SELECT work_order_id FROM intake_reports WHERE number = $1',
      [number],
    );
    return rows[0]?.work_order_id;
  }
}
