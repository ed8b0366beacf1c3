import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import { IdentifierSchema, maskPhone, ValidationError } from '@closeloop/contracts';
import { Access, ensureSiteAllowed, principalOf } from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import type { Request } from 'express';
import { z } from 'zod';
import { RESIDENT_KEYS } from '../query.config';
import { parseQuery } from '../query-parameters';
import { CallerOrderRow, CallersRepository } from './callers.repository';
import { closedOrdersRepeated, REPEAT_WINDOW_DAYS } from './repeat-complaint';

const CallerQuerySchema = z.object({ site: IdentifierSchema }).strict();

/** A phone as a caller's number is written: digits, spaces or dashes, optionally after "+"; 5 to 20 digits. */
const PHONE = /^\+?[0-9][0-9 -]{3,30}$/;
const isPhone = (text: string): boolean => {
  const digits = text.replace(/\D/g, '').length;
  return PHONE.test(text) && digits >= 5 && digits <= 20;
};

const DAY_MS = 24 * 3600 * 1000;
const OPEN = (status: string) => status !== 'closed' && status !== 'cancelled';

/**
 * Caller recognition (ADR 28): as a resident rings, the dispatcher sees their open orders, the last 12 months of
 * orders from their phone or their unit, whether this looks like a repeat complaint, and whether they are in the
 * priority registry. The phone is looked up by its keyed digest; it is in the path, which the logs mask.
 */
@Controller('v1/callers')
@Access({ staff: ['dispatcher', 'supervisor', 'admin'] })
export class CallersHttpController {
  constructor(
    private readonly callers: CallersRepository,
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
    private readonly clock: Clock,
  ) {}

  @Get(':phone')
  async lookUp(@Param('phone') phone: string, @Query() query: Record<string, unknown>, @Req() request: Request) {
    const { site } = parseQuery(CallerQuerySchema, query);
    ensureSiteAllowed(principalOf(request), site);
    // The number is not repeated in the answer: it may be anything a caller typed.
    if (!isPhone(phone))
      throw new ValidationError('The caller is named by a phone number', [
        {
          path: 'path:phone',
          message: 'must be a phone number: 5 to 20 digits, spaces or dashes, optionally after "+"',
        },
      ]);
    const digest = this.keys.phoneDigest(phone);
    const now = this.clock.now();
    const since = new Date(now);
    since.setUTCFullYear(since.getUTCFullYear() - 1);
    const [rows, registrations] = await Promise.all([
      this.callers.orders(site, digest, since, new Date(since.getTime() - REPEAT_WINDOW_DAYS * DAY_MS)),
      this.callers.registrations(site, digest),
    ]);
    const facts = rows.map((r) => ({
      number: r.number,
      building: r.building,
      unit: r.unit,
      category: r.category,
      reportedAt: r.reported_at,
      closedAt: r.status === 'closed' ? r.closed_at : null,
    }));
    const item = (r: CallerOrderRow, i: number) => ({
      workOrderId: r.work_order_id,
      number: r.number,
      building: r.building,
      unit: r.unit,
      category: r.category,
      tier: r.tier,
      status: r.status,
      description: r.description,
      reportedAt: r.reported_at.toISOString(),
      closedAt: r.closed_at?.toISOString() ?? null,
      matchedBy: r.by_phone ? 'phone' : 'unit',
      priorityLane: r.priority_lane !== null && r.priority_lane !== undefined,
      repeats: closedOrdersRepeated(facts[i] as (typeof facts)[number], facts),
    });
    const items = rows.map(item);
    const openRepeats = items.filter((o) => OPEN(o.status) && o.repeats.length > 0);
    return {
      phone: maskPhone(phone),
      siteId: site,
      openOrders: items.filter((o) => OPEN(o.status)),
      recentOrders: items.filter((o) => o.reportedAt >= since.toISOString()),
      repeatComplaint: {
        likely: openRepeats.length > 0,
        windowDays: REPEAT_WINDOW_DAYS,
        orders: openRepeats.map((o) => ({ number: o.number, repeats: o.repeats })),
        repeats: [...new Set(openRepeats.flatMap((o) => o.repeats))],
      },
      priority: {
        registered: registrations.length > 0,
        registrations: registrations.map((r) => ({
          registrationId: r.registration_id,
          building: r.building,
          unit: r.unit,
          phone: r.phone_masked,
          need: r.need,
          reviewOn: r.review_on,
          matchedBy: r.by_phone ? 'phone' : 'unit',
        })),
      },
    };
  }
}
