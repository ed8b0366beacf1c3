import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** The policy version and holiday data the open clocks' deadlines were last computed under. */
export interface AppliedPolicy {
  readonly version: number;
  readonly holiday_data: string;
}

// One key for every instance: the recomputation runs on one of them at a time.
const RECOMPUTATION_LOCK = "hashtextextended('sla-policy-recompute', 0)";

/** What a deadline recomputation reads and records: the policy last applied, and the clocks it goes through. */
@Injectable()
export class AppliedPolicyRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * Runs `work` while this instance holds the recomputation lock (a session lock, released when the work ends);
   * undefined at once when another instance holds it.
   */
  async whileRecomputing<T>(work: () => Promise<T>): Promise<T | undefined> {
    const session = await this.pool.connect();
    try {
      const { rows } = await session.query<{ leader: boolean }>(
        `SELECT pg_try_advisory_lock(${RECOMPUTATION_LOCK}) AS leader`,
      );
      if (!rows[0]?.leader) return undefined;
      try {
        return await work();
      } finally {
        await session.query(`SELECT pg_advisory_unlock(${RECOMPUTATION_LOCK})`).catch(() => undefined);
      }
    } finally {
      session.release();
    }
  }

  async applied(): Promise<AppliedPolicy | undefined> {
    const { rows } = await this.pool.query<AppliedPolicy>('SELECT version, holiday_data FROM sla_timer_policy_applied');
    return rows[0];
  }

  async recordApplied(policyId: string, version: number, holidayData: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO sla_timer_policy_applied (policy_id, version, holiday_data) VALUES ($1, $2, $3)
       ON CONFLICT (singleton) DO UPDATE SET policy_id = EXCLUDED.policy_id, version = EXCLUDED.version, holiday_data = EXCLUDED.holiday_data, applied_at = now()`,
      [policyId, version, holidayData],
    );
  }

  /**
   * The work orders that may have SLA clocks, in id order after `after` (a page's last id, undefined for the first
   * page): every order in sla-timer's lifecycle view, as a clock starts only on an order the view knows (migration
   * 0022 filled it with the orders already under way, 0026 with any clock stream it still lacked). Orders whose
   * clocks never started or have stopped are among them; recomputing leaves those alone.
   */
  async clockedOrdersAfter(after: string | undefined, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ work_order_id: string }>(
      'SELECT work_order_id FROM sla_timer_order_lifecycle WHERE $1::uuid IS NULL OR work_order_id > $1::uuid ORDER BY work_order_id LIMIT $2',
      [after ?? null, limit],
    );
    return rows.map((r) => r.work_order_id);
  }
}
