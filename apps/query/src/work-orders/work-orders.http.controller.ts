import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { NotFoundError, ValidationError } from '@closeloop/contracts';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { z } from 'zod';
import { maskPhone } from './mask';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ListQuerySchema = z
  .object({
    site: z.string().min(1).max(32),
    status: z.enum(['reported', 'triaged', 'awaiting-dispatch', 'assigned']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

interface WorkOrderRow {
  work_order_id: string;
  number: string;
  site_id: string;
  building: string | null;
  unit: string | null;
  channel: string;
  category: string | null;
  description: string;
  reporter_name: string | null;
  reporter_phone: string | null;
  tier: string | null;
  triage_rule_id: string | null;
  triage_reason: string | null;
  status: string;
  owner_id: string | null;
  owner_name: string | null;
  team_id: string | null;
  dispatch_queue_id: string | null;
  reported_at: Date;
  assigned_at: Date | null;
  response_due_at: Date | null;
  resolution_due_at: Date | null;
  updated_at: Date;
}

const toView = (row: WorkOrderRow) => ({
  workOrderId: row.work_order_id,
  number: row.number,
  siteId: row.site_id,
  building: row.building,
  unit: row.unit,
  channel: row.channel,
  category: row.category,
  description: row.description,
  reporter: { name: row.reporter_name, phone: maskPhone(row.reporter_phone) },
  tier: row.tier,
  triage: row.triage_rule_id ? { ruleId: row.triage_rule_id, reason: row.triage_reason } : null,
  status: row.status,
  owner: row.owner_id ? { staffId: row.owner_id, name: row.owner_name, since: row.assigned_at, teamId: row.team_id } : null,
  dispatchQueueId: row.dispatch_queue_id,
  reportedAt: row.reported_at,
  sla: row.response_due_at ? { responseDueAt: row.response_due_at, resolutionDueAt: row.resolution_due_at } : null,
  updatedAt: row.updated_at,
});

/** Keeps the resident's phone number out of timeline payloads as it is kept out of the order view. */
const maskEventData = (data: unknown): unknown => {
  if (!data || typeof data !== 'object' || !('reporter' in data)) return data;
  const reporter = (data as { reporter?: { phone?: string } }).reporter;
  return { ...data, reporter: { ...reporter, phone: maskPhone(reporter?.phone) ?? undefined } };
};

@Controller('v1/work-orders')
export class WorkOrdersHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const parsed = ListQuerySchema.safeParse(query);
    if (!parsed.success) {
      throw new ValidationError('The query is not valid', parsed.error.issues.map((i) => ({ path: `query:${i.path.join('.') || '(query)'}`, message: i.message })));
    }
    const { site, status, limit } = parsed.data;
    const { rows } = await this.pool.query<WorkOrderRow>(
      `SELECT * FROM q_work_orders WHERE site_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY reported_at DESC, number DESC LIMIT $3`,
      [site, status ?? null, limit],
    );
    return { items: rows.map(toView) };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    if (!UUID.test(id)) throw new NotFoundError('Work order', id);
    const { rows } = await this.pool.query<WorkOrderRow>('SELECT * FROM q_work_orders WHERE work_order_id = $1', [id]);
    if (!rows[0]) throw new NotFoundError('Work order', id);
    return toView(rows[0]);
  }

  @Get(':id/timeline')
  async timeline(@Param('id') id: string) {
    if (!UUID.test(id)) throw new NotFoundError('Work order', id);
    const { rows } = await this.pool.query<{
      event_id: string;
      event_type: string;
      occurred_at: Date;
      source: string;
      actor: string | null;
      correlation_id: string | null;
      causation_id: string | null;
      data: unknown;
    }>('SELECT * FROM q_timeline WHERE work_order_id = $1 ORDER BY sequence NULLS LAST, arrival', [id]);
    if (rows.length === 0) throw new NotFoundError('Work order', id);
    return {
      workOrderId: id,
      events: rows.map((r) => ({
        eventId: r.event_id,
        type: r.event_type,
        occurredAt: r.occurred_at,
        source: r.source,
        actor: r.actor,
        correlationId: r.correlation_id,
        causationId: r.causation_id,
        data: maskEventData(r.data),
      })),
    };
  }
}
