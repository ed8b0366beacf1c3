import { Inject, Injectable } from '@nestjs/common';
import { InquiryEvent, InquiryEventTypes, unknownInquiryEvent } from '@closeloop/contracts';
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

/** The columns the inquiry events set, each event its own (column names are never taken from input). */
type InquiryEventColumn = 'received_at' | 'answered_at' | 'turned_into_order_at' | 'work_order_id' | 'order_reason';

/**
 * query's record of each inquiry (query_inquiries, migration 0035), from the inquiry events on workorders.events:
 * one row per inquiry, each event setting its own columns, so a redelivered event writes what it wrote before.
 */
@Injectable()
export class InquiriesRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async apply(event: InquiryEvent): Promise<void> {
    const { inquiryId, siteId } = event.data;
    switch (event.type) {
      case InquiryEventTypes.InquiryReceived:
        return this.setColumns(inquiryId, siteId, { received_at: event.data.receivedAt });
      case InquiryEventTypes.InquiryAnswered:
        return this.setColumns(inquiryId, siteId, { answered_at: event.data.answeredAt });
      case InquiryEventTypes.InquiryTurnedIntoOrder:
        return this.setColumns(inquiryId, siteId, {
          turned_into_order_at: event.data.turnedAt,
          work_order_id: event.data.workOrderId,
          order_reason: event.data.reason,
        });
      default:
        return unknownInquiryEvent(event);
    }
  }

  /** Inserts the inquiry's row with these columns, or sets only these on the row that is there. */
  private async setColumns(
    inquiryId: string,
    siteId: string,
    columns: Partial<Record<InquiryEventColumn, unknown>>,
  ): Promise<void> {
    const names = Object.keys(columns);
    await this.pool.query(
      `INSERT INTO query_inquiries (inquiry_id, site_id, ${names.join(', ')})
       VALUES ($1, $2, ${names.map((_, i) => `$${i + 3}`).join(', ')})
       ON CONFLICT (inquiry_id) DO UPDATE SET ${names.map((name) => `${name} = EXCLUDED.${name}`).join(', ')}`,
      [inquiryId, siteId, ...Object.values(columns)],
    );
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
