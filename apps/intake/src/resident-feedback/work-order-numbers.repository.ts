import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** The id of the one order of intake_reports whose number or link digest (both unique) is this, or undefined. */
export const intakeReportWhere = async (
  pool: Pool,
  column: 'number' | 'link_digest',
  value: string,
): Promise<string | undefined> => {
  const { rows } = await pool.query<{ work_order_id: string }>(
    `SELECT work_order_id FROM intake_reports WHERE ${column} = $1`,
    [value],
  );
  return rows[0]?.work_order_id;
};

/** Work orders by the number read to the resident, from intake's own record of the orders it opened (migration 0026). */
@Injectable()
export class WorkOrderNumbersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** The id of the order with this number, or undefined. */
  idOf(number: string): Promise<string | undefined> {
    return intakeReportWhere(this.pool, 'number', number);
  }
}
