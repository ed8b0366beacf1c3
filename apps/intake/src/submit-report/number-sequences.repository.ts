import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { formatWorkOrderNumber } from '@closeloop/work-order-domain';
import { Pool } from 'pg';

/** The daily number sequences of each site (intake_number_sequences); concurrent callers serialise on the row. */
@Injectable()
export class NumberSequencesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async next(siteId: string, localDate: string): Promise<string> {
    const { rows } = await this.pool.query<{ last_value: number }>(
      `INSERT INTO intake_number_sequences (site_id, local_date, last_value) VALUES ($1, $2, 1)
       ON CONFLICT (site_id, local_date) DO UPDATE SET last_value = intake_number_sequences.last_value + 1
       RETURNING last_value`,
      [siteId, localDate],
    );
    return formatWorkOrderNumber(siteId, localDate, rows[0]?.last_value as number);
  }
}
