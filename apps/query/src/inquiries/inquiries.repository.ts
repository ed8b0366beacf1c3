import { Inject, Injectable } from '@nestjs/common';
import { InquiryEvent, InquiryEventTypes } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';

/** How a site's inquiries received in a period stood at its end. */
export interface InquiryCounts {
  readonly received: number;
  /** Answered, and not turned into an order by the period's end. */
  readonly deflected: number;
  /** Turned into an order by the period's end, for want of an answer or because the answer did not help. */
  readonly turnedIntoOrders: number;
}

/**
 * query's record of each inquiry (query_inquiries, migration 0035), from the inquiry events on workorders.events:
 * one row per inquiry, each event setting its own columns, so a redelivered event writes what it wrote before.
 */
@Injectable()
export class InquiriesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(event: InquiryEvent): Promise<void> {
    switch (event.type) {
      case InquiryEventTypes.InquiryReceived:
        await this.pool.query(
          `INSERT INTO query_inquiries (inquiry_id, site_id, received_at) VALUES ($1, $2, $3)
           ON CONFLICT (inquiry_id) DO UPDATE SET received_at = EXCLUDED.received_at`,
          [event.data.inquiryId, event.data.siteId, event.data.receivedAt],
        );
        return;
      case InquiryEventTypes.InquiryAnswered:
        await this.pool.query(
          `INSERT INTO query_inquiries (inquiry_id, site_id, answered_at) VALUES ($1, $2, $3)
           ON CONFLICT (inquiry_id) DO UPDATE SET answered_at = EXCLUDED.answered_at`,
          [event.data.inquiryId, event.data.siteId, event.data.answeredAt],
        );
        return;
      case InquiryEventTypes.InquiryTurnedIntoOrder:
        await this.pool.query(
          `INSERT INTO query_inquiries (inquiry_id, site_id, turned_into_order_at, work_order_id, order_reason)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (inquiry_id) DO UPDATE SET turned_into_order_at = EXCLUDED.turned_into_order_at,
             work_order_id = EXCLUDED.work_order_id, order_reason = EXCLUDED.order_reason`,
          [event.data.inquiryId, event.data.siteId, event.data.turnedAt, event.data.workOrderId, event.data.reason],
        );
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown inquiry event ${String((never as { type: unknown }).type)}`);
      }
    }
  }

  /** The inquiries a site received in [from, to), as they stood at `to`. */
  async countsFor(siteId: string, from: Date, to: Date): Promise<InquiryCounts> {
    const { rows } = await this.pool.query<{ received: number; deflected: number; turned: number }>(
      `SELECT count(*)::int AS received,
              count(*) FILTER (WHERE answered_at < $3
                               AND (turned_into_order_at IS NULL OR turned_into_order_at >= $3))::int AS deflected,
              count(*) FILTER (WHERE turned_into_order_at < $3)::int AS turned
       FROM query_inquiries WHERE site_id = $1 AND received_at >= $2 AND received_at < $3`,
      [siteId, from, to],
    );
    const row = rows[0];
    return { received: row?.received ?? 0, deflected: row?.deflected ?? 0, turnedIntoOrders: row?.turned ?? 0 };
  }
}
