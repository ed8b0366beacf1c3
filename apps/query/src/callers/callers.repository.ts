import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { PriorityRegistrationRow } from './priority-residents.repository';

export interface CallerOrderRow {
  readonly work_order_id: string;
  readonly number: string;
  readonly building: string | null;
  readonly unit: string | null;
  readonly category: string | null;
  readonly tier: string | null;
  readonly status: string;
  readonly description: string;
  readonly reported_at: Date;
  readonly closed_at: Date | null;
  readonly priority_lane: unknown;
  readonly by_phone: boolean;
}

/**
 * The places a caller is known at: the units of every order reported from their phone, and of their active
 * priority registrations. Matched on building and unit together, so 1202 of one building is not 1202 of another.
 */
const PLACES = `places AS (
    SELECT building, unit FROM query_work_orders
     WHERE site_id = $1 AND reporter_phone_digest = $2 AND unit IS NOT NULL
    UNION
    SELECT building, unit FROM query_priority_residents
     WHERE site_id = $1 AND phone_digest = $2 AND ended IS NULL)`;

const AT_PLACE = (alias: string) =>
  `EXISTS (SELECT 1 FROM places p WHERE p.unit = ${alias}.unit AND p.building IS NOT DISTINCT FROM ${alias}.building)`;

/** What query knows of one caller at one site, found by their phone's keyed digest (ADR 28). */
@Injectable()
export class CallersRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /**
   * The caller's orders: reported from their phone or at one of their places, since `since`, or still open; and
   * the closed orders at those places an order since then may repeat (closed up to `repeatsSince`).
   */
  async orders(siteId: string, phoneDigest: string, since: Date, repeatsSince: Date): Promise<CallerOrderRow[]> {
    const { rows } = await this.pool.query<CallerOrderRow>(
      `WITH ${PLACES}
       SELECT work_order_id, number, building, unit, category, tier, status, description, reported_at, closed_at,
              priority_lane, COALESCE(reporter_phone_digest = $2, false) AS by_phone
         FROM query_work_orders o
        WHERE site_id = $1
          AND (reporter_phone_digest = $2 OR ${AT_PLACE('o')})
          AND (reported_at >= $3 OR closed_at >= $4 OR status NOT IN ('closed', 'cancelled'))
        ORDER BY reported_at DESC, number DESC
        LIMIT 500`,
      [siteId, phoneDigest, since, repeatsSince],
    );
    return rows;
  }

  /** The caller's active priority registrations: by their phone, or at one of their places. */
  async registrations(
    siteId: string,
    phoneDigest: string,
  ): Promise<(PriorityRegistrationRow & { by_phone: boolean })[]> {
    const { rows } = await this.pool.query<PriorityRegistrationRow & { by_phone: boolean }>(
      `WITH ${PLACES}
       SELECT registration_id, building, unit, phone_digest, phone_masked, need,
              to_char(review_on, 'YYYY-MM-DD') AS review_on, registered_at, phone_digest = $2 AS by_phone
         FROM query_priority_residents r
        WHERE site_id = $1 AND ended IS NULL AND (phone_digest = $2 OR ${AT_PLACE('r')})
        ORDER BY registered_at`,
      [siteId, phoneDigest],
    );
    return rows;
  }
}
