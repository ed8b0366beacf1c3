import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { Access, ensureSiteAllowed, ensureSiteVisible, isUuid, principalOf } from '@closeloop/http';
import type { Request } from 'express';
import { READ_ROLES } from '../work-orders/work-orders.http.controller';
import { IdentifierSchema, NotFoundError, ValidationError } from '@closeloop/contracts';
import { CLOCK, Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { WorkOrderRow, WorkOrderViewsRepository } from '../work-orders/work-order-views.repository';
import { SlaRow, targetStatus } from './sla-status';

const AtRiskQuerySchema = z
  .object({ site: IdentifierSchema, limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();

const rowsOf = (row: WorkOrderRow): { response: SlaRow; resolution: SlaRow } => ({
  response: {
    dueAt: row['response_due_at'] as Date | null,
    metAt: row['response_met_at'] as Date | null,
    breached: row['response_breached'] === true,
    escalationLevel: row['response_escalation_level'] as number,
    pausedSince: null,
    stopped: row['sla_stopped'] === true,
  },
  resolution: {
    dueAt: row['resolution_due_at'] as Date | null,
    metAt: row['resolution_met_at'] as Date | null,
    breached: row['resolution_breached'] === true,
    escalationLevel: row['resolution_escalation_level'] as number,
    pausedSince: row['sla_paused_since'] as Date | null,
    stopped: row['sla_stopped'] === true,
  },
});

const slaView = (row: WorkOrderRow, now: Date) => {
  const { response, resolution } = rowsOf(row);
  return {
    workOrderId: row['work_order_id'],
    number: row['number'],
    siteId: row['site_id'],
    tier: row['tier'],
    status: row['status'],
    escalationLevel: row['escalation_level'],
    pausedSince: row['sla_paused_since'] instanceof Date ? row['sla_paused_since'].toISOString() : null,
    pausedSeconds: row['sla_paused_seconds'],
    targets: [targetStatus('response', response, now), targetStatus('resolution', resolution, now)].filter(Boolean),
  };
};

/** The SLA state of orders, for supervisors: one order's targets, and a site's orders nearest to breach. */
@Controller()
@Access({ staff: READ_ROLES })
export class SlaHttpController {
  constructor(
    private readonly views: WorkOrderViewsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('v1/work-orders/:id/sla')
  async forOrder(@Param('id') id: string, @Req() request: Request) {
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const row = await this.views.find(id);
    if (row) ensureSiteVisible(principalOf(request), row['site_id'] as string, 'Work order', id);
    if (!row || !row['response_due_at']) throw new NotFoundError('SLA clock of work order', id);
    return slaView(row, this.clock.now());
  }

  /** Open orders of a site whose next unmet, running deadline is nearest (overdue ones first). */
  @Get('v1/sla/at-risk')
  async atRisk(@Query() query: Record<string, unknown>, @Req() request: Request) {
    const parsed = AtRiskQuerySchema.safeParse(query);
    if (!parsed.success)
      throw new ValidationError(
        'The query is not valid',
        parsed.error.issues.map((i) => ({ path: `query:${i.path.join('.') || '(query)'}`, message: i.message })),
      );
    ensureSiteAllowed(principalOf(request), parsed.data.site);
    const rows = await this.views.atRisk(parsed.data.site, parsed.data.limit);
    const now = this.clock.now();
    return {
      site: parsed.data.site,
      items: rows.map((row) => ({
        ...slaView(row, now),
        nextDueAt: row.next_due_at.toISOString(),
        secondsToNextDue: Math.round((row.next_due_at.getTime() - now.getTime()) / 1000),
      })),
    };
  }
}
