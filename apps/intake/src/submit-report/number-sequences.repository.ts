import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** The daily number sequences of each site (intake_number_sequences): how far each site's day has been handed out. */
@Injectable()
export class NumberSequencesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Hands out the next `size` numbers of a site's day and answers the last of them. One short upsert in a
   * transaction of its own: concurrent callers queue on the row only for that statement.
   */
  async takeBlock(siteId: string, localDate: string, size: number): Promise<number> {
    const { rows } = await this.pool.query<{ last_value: number }>(
      `INSERT INTO intake_number_sequences (site_id, local_date, last_value) VALUES ($1, $2, $3)
       ON CONFLICT (site_id, local_date) DO UPDATE SET last_value = intake_number_sequences.last_value + $3
       RETURNING last_value`,
      [siteId, localDate, size],
    );
    return rows[0]?.last_value as number;
  }
}
