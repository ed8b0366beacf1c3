import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { Access, ensureSiteVisible, hasRole, isUuid, Principal, principalOf, visibleSites } from '@closeloop/http';
import type { Request } from 'express';
import {
  CloseOutcomeSchema,
  IdentifierSchema,
  InstantSchema,
  isStorableText,
  maskPhone,
  NotFoundError,
  StaffIdSchema,
  TierSchema,
  UNSTORABLE_TEXT_MESSAGE,
} from '@closeloop/contracts';
import { ContactView, WORK_ORDER_STATUSES } from '../projection/work-order-view';
import { z } from 'zod';
import { parseQuery } from '../query-parameters';
import { WorkOrderRow, WorkOrderViewsRepository } from './work-order-views.repository';

// The input policy (docs/adr/0017-one-input-policy-at-the-edge.md): ids by their rules, instants in range with
// real offsets, text PostgreSQL can compare.
const instant = InstantSchema;
const filterText = (max: number) => z.string().min(1).max(max).refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

const ListQuerySchema = z
  .object({
    site: IdentifierSchema.optional(),
    status: z.enum(WORK_ORDER_STATUSES).optional(),
    owner: StaffIdSchema.optional(),
    building: filterText(64).optional(),
    category: filterText(48).optional(),
    tier: TierSchema.optional(),
    openedFrom: instant.optional(),
    openedTo: instant.optional(),
    closedFrom: instant.optional(),
    closedTo: instant.optional(),
    /** The id of the event or request that caused any of the order's events, e.g. an integrator's CloudEvent id. */
    causedBy: filterText(256).optional(),
    /** true: the callbacks (回访) waiting, resolved orders the resident has not confirmed whose callback is due; false: every other order. */
    callbackDue: z.enum(['true', 'false']).optional(),
    /** How closed orders closed: the resident confirmed, or the callback period ran out. */
    closure: CloseOutcomeSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);

/** Who reads the orders of their sites. */
export const READ_ROLES = ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'] as const;

/** Dispatchers and technicians call the resident back; everyone else sees enough of the number to recognise it. */
export const seesFullPhone = (caller: Principal): boolean => hasRole(caller, 'dispatcher', 'technician');

const phoneFor = (phone: string | null | undefined, full: boolean): string | null =>
  !phone ? null : full ? phone : maskPhone(phone);

const priorityLaneOf = (lane: unknown) => {
  if (!lane || typeof lane !== 'object') return null;
  const { registrationId, need, raisedFrom, matchedBy } = lane as Record<string, unknown>;
  return { registrationId, need, raisedFrom, matchedBy };
};

/** An order as an item of the list and as GET /v1/stream sends it. */
export const toView = (row: WorkOrderRow, fullPhone: boolean) => ({
  workOrderId: row.work_order_id,
  number: row.number,
  siteId: row.site_id,
  building: row.building,
  unit: row.unit,
  channel: row.channel,
  category: row.category,
  description: row.description,
  reporter: { name: row.reporter_name, phone: phoneFor(row.reporter_phone as string | null, fullPhone) },
  tier: row.tier,
  triage: row.triage_rule_id ? { ruleId: row.triage_rule_id, reason: row.triage_reason } : null,
  /** Set when the priority lane raised the tier (ADR 28): the need and the tier before, not who the resident is. */
  priorityLane: priorityLaneOf(row.priority_lane),
  status: row.status,
  owner: row.owner_id ? { staffId: row.owner_id, name: row.owner_name, since: iso(row.owner_since) } : null,
  technician: row.technician_id ? { staffId: row.technician_id, name: row.technician_name, teamId: row.team_id } : null,
  dispatchQueueId: row.dispatch_queue_id,
  reportedAt: iso(row.reported_at),
  acknowledgedAt: iso(row.acknowledged_at),
  startedAt: iso(row.started_at),
  onHold: row.on_hold_reason ? { reason: row.on_hold_reason } : null,
  heldSeconds: row.held_seconds,
  resolution: row.resolved_at
    ? {
        resolvedAt: iso(row.resolved_at),
        notes: row.resolution_notes,
        callbackRequestedAt: iso(row.callback_requested_at),
      }
    : null,
  closure: row.closed_at
    ? { closedAt: iso(row.closed_at), outcome: row.close_outcome, rating: row.rating, comment: row.rating_comment }
    : null,
  cancelledReason: row.cancelled_reason,
  reopenCount: row.reopen_count,
  contactCount: row.contact_count,
  contacts: (row.contacts as ContactView[]).map((c) => ({ ...c, phone: phoneFor(c.phone, fullPhone) })),
  sla: row.response_due_at
    ? {
        responseDueAt: iso(row.response_due_at),
        resolutionDueAt: iso(row.resolution_due_at),
        responseBreached: row.response_breached,
        resolutionBreached: row.resolution_breached,
        escalationLevel: row.escalation_level,
      }
    : null,
  updatedAt: iso(row.updated_at),
});

/** Where events name a resident: a report's or duplicate's reporter, a follow-up's caller. */
const RESIDENT_FIELDS = ['reporter', 'caller'] as const;

/** Keeps residents' phone numbers out of timeline payloads as they are kept out of the order view. */
const maskEventData = (data: unknown, fullPhone: boolean): unknown => {
  if (fullPhone || !data || typeof data !== 'object') return data;
  const masked: Record<string, unknown> = { ...data };
  for (const field of RESIDENT_FIELDS) {
    const person = masked[field] as { phone?: string } | undefined;
    if (person && typeof person === 'object')
      masked[field] = { ...person, phone: person.phone ? maskPhone(person.phone) : undefined };
  }
  return masked;
};

/** Staff read the orders of their own sites; another site's order answers 404, as if it did not exist. */
@Controller('v1/work-orders')
@Access({ staff: READ_ROLES })
export class WorkOrdersHttpController {
  constructor(private readonly views: WorkOrderViewsRepository) {}

  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request) {
    const caller = principalOf(request);
    const { callbackDue, ...filter } = parseQuery(ListQuerySchema, query);
    const rows = await this.views.list({
      ...filter,
      sites: visibleSites(caller),
      callbackDue: callbackDue === undefined ? undefined : callbackDue === 'true',
    });
    return { items: rows.map((row) => toView(row, seesFullPhone(caller))) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request) {
    const caller = principalOf(request);
    const row = await this.visibleOrder(caller, id);
    return toView(row, seesFullPhone(caller));
  }

  @Get(':id/timeline')
  async timeline(@Param('id') id: string, @Req() request: Request) {
    const caller = principalOf(request);
    await this.visibleOrder(caller, id);
    const rows = await this.views.timeline(id);
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
        data: maskEventData(r.data, seesFullPhone(caller)),
      })),
    };
  }

  private async visibleOrder(caller: Principal, id: string): Promise<WorkOrderRow> {
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const row = await this.views.find(id);
    if (!row) throw new NotFoundError('Work order', id);
    ensureSiteVisible(caller, row['site_id'] as string, 'Work order', id);
    return row;
  }
}
