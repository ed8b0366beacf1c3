import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { Access, ensureSiteAllowed, ensureSiteVisible, isUuid, principalOf } from '@closeloop/http';
import type { Request } from 'express';
import { READ_ROLES } from '../work-orders/work-orders.http.controller';
import { IdentifierSchema, NotFoundError } from '@closeloop/contracts';
import { Clock } from '@closeloop/runtime';
import { z } from 'zod';
import { WorkOrderRow, WorkOrderViewsRepository } from '../work-orders/work-order-views.repository';
import { parseQuery } from '../query-parameters';
import { atRisk, RunningTarget } from './at-risk-band';
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

const date = (value: unknown): Date | null => (value instanceof Date ? value : null);

/**
 * The target an at-risk order is listed for, as AT_RISK_SQL picks its next deadline: the response target while
 * unmet, or the resolution target's current round when that is unmet, running and due sooner. Rows projected before
 * the targets' start was kept (migration 0030) start at the report.
 */
const runningTargetOf = (row: WorkOrderRow & { next_due_at: Date }): RunningTarget => {
  const responseDue = date(row['response_due_at']);
  const reportedAt = row['reported_at'] as Date;
  if (row['response_met_at'] === null && responseDue?.getTime() === row.next_due_at.getTime())
    return {
      target: 'response',
      startedAt: date(row['response_started_at']) ?? reportedAt,
      dueAt: responseDue,
      pausedSeconds: 0,
      breached: row['response_breached'] === true,
      escalationLevel: row['response_escalation_level'] as number,
    };
  return {
    target: 'resolution',
    startedAt: date(row['resolution_started_at']) ?? reportedAt,
    dueAt: row.next_due_at,
    pausedSeconds: row['resolution_paused_seconds'] as number,
    breached: row['resolution_breached'] === true,
    escalationLevel: row['resolution_escalation_level'] as number,
  };
};

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
    private readonly clock: Clock,
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
    const { site, limit } = parseQuery(AtRiskQuerySchema, query);
    ensureSiteAllowed(principalOf(request), site);
    const rows = await this.views.atRisk(site, limit);
    const now = this.clock.now();
    return {
      site,
      items: rows.map((row) => {
        const risk = atRisk(runningTargetOf(row), now);
        return {
          ...slaView(row, now),
          nextDueAt: row.next_due_at.toISOString(),
          secondsToNextDue: Math.round((row.next_due_at.getTime() - now.getTime()) / 1000),
          nextDueTarget: risk.target,
          elapsedPercent: risk.elapsedPercent,
          band: risk.band,
          nextDueEscalationLevel: risk.escalationLevel,
        };
      }),
    };
  }
}
