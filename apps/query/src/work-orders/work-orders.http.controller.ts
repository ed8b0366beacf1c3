import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { Access, ensureSiteVisible, hasRole, isUuid, Principal, principalOf, visibleSites } from '@closeloop/http';
import type { Request, Response } from 'express';
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
  ValidationError,
} from '@closeloop/contracts';
import { ContactView, foldWorkOrderView, WORK_ORDER_STATUSES, WorkOrderView } from '../projection/work-order-view';
import { timelineOfRows } from '../projection/work-order.projection';
import { workOrderRowOf } from '../projection/work-order-rows.repository';
import { z } from 'zod';
import { parseQuery } from '../query-parameters';
import { maskEventData } from '../projection/timeline-data';
import {
  TimelineEntryColumns,
  TimelineRow,
  WorkOrderRow,
  WorkOrderViewsRepository,
} from './work-order-views.repository';

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
    /** The board as it was at this instant, folded from the events that had occurred by then; needs `site`. */
    asOf: instant.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** `?asOf=<instant>`: the order as it was then, folded from its timeline up to that instant. */
const AsOfQuerySchema = z.object({ asOf: instant.optional() }).strict();

/** The same fold as the live row (ADR 7), over the events that had occurred by an instant; undefined before the report. */
const viewAsOf = (rows: readonly TimelineRow[]): WorkOrderView | undefined => foldWorkOrderView(timelineOfRows(rows));

/** Whether an order folded as of an instant passes the list's filters, as the SQL of the live list applies them. */
const passes = (
  row: WorkOrderRow,
  timeline: readonly TimelineRow[],
  filter: z.infer<typeof ListQuerySchema>,
): boolean => {
  const at = (column: string) => (row[column] instanceof Date ? (row[column] as Date).getTime() : undefined);
  const from = (value: string | undefined) => (value === undefined ? undefined : new Date(value).getTime());
  const reported = at('reported_at') as number;
  const closed = at('closed_at');
  return (
    (filter.status === undefined || row['status'] === filter.status) &&
    (filter.owner === undefined || row['owner_id'] === filter.owner) &&
    (filter.building === undefined || row['building'] === filter.building) &&
    (filter.category === undefined || row['category'] === filter.category) &&
    (filter.tier === undefined || row['tier'] === filter.tier) &&
    (filter.openedFrom === undefined || reported >= (from(filter.openedFrom) as number)) &&
    (filter.openedTo === undefined || reported < (from(filter.openedTo) as number)) &&
    (filter.closedFrom === undefined || (closed !== undefined && closed >= (from(filter.closedFrom) as number))) &&
    (filter.closedTo === undefined || (closed !== undefined && closed < (from(filter.closedTo) as number))) &&
    (filter.causedBy === undefined || timeline.some((t) => t.causation_id === filter.causedBy)) &&
    (filter.callbackDue === undefined ||
      (row['status'] === 'resolved' && row['callback_requested_at'] instanceof Date) ===
        (filter.callbackDue === 'true')) &&
    (filter.closure === undefined || row['close_outcome'] === filter.closure)
  );
};

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

/**
 * A timeline entry as the answer writes it, keys in the order the answer always had, in UTF-8, after a comma unless
 * it is the first: its data's text as the projection wrote it (ADR 47), or for an event stored before that, its
 * parsed data masked and serialised here. Encoded entry by entry, which costs a fraction of encoding the 94 KB
 * answer of a busy order as one string.
 */
const entryBytes = (
  [eventId, type, occurredAt, source, actor, correlationId, causationId, dataText, data]: TimelineEntryColumns,
  fullPhone: boolean,
  first: boolean,
): Buffer =>
  Buffer.from(
    `${first ? '' : ','}{"eventId":${JSON.stringify(eventId)},"type":${JSON.stringify(type)}` +
      `,"occurredAt":${JSON.stringify(occurredAt)},"source":${JSON.stringify(source)},"actor":${JSON.stringify(actor)}` +
      `,"correlationId":${JSON.stringify(correlationId)},"causationId":${JSON.stringify(causationId)}` +
      `,"data":${dataText ?? JSON.stringify(maskEventData(data, fullPhone))}}`,
    'utf8',
  );
const ANSWER_END = Buffer.from(']}', 'utf8');

/** Staff read the orders of their own sites; another site's order answers 404, as if it did not exist. */
@Controller('v1/work-orders')
@Access({ staff: READ_ROLES })
export class WorkOrdersHttpController {
  constructor(private readonly views: WorkOrderViewsRepository) {}

  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() request: Request) {
    const caller = principalOf(request);
    const parsed = parseQuery(ListQuerySchema, query);
    if (parsed.asOf !== undefined) return this.boardAsOf(caller, parsed);
    const { callbackDue, asOf: _live, ...filter } = parsed;
    const rows = await this.views.list({
      ...filter,
      sites: visibleSites(caller),
      callbackDue: callbackDue === undefined ? undefined : callbackDue === 'true',
    });
    return { items: rows.map((row) => toView(row, seesFullPhone(caller))) };
  }

  @Get(':id')
  async get(@Param('id') id: string, @Req() request: Request, @Query() query: Record<string, unknown> = {}) {
    const caller = principalOf(request);
    const { asOf } = parseQuery(AsOfQuerySchema, query);
    const row = await this.visibleOrder(caller, id);
    if (asOf === undefined) return toView(row, seesFullPhone(caller));
    const view = viewAsOf(await this.views.timelineAsOf(id, new Date(asOf)));
    if (!view) throw new NotFoundError('Work order', id);
    return { ...toView(workOrderRowOf(view), seesFullPhone(caller)), asOf: new Date(asOf).toISOString() };
  }

  /**
   * Sends timelineAnswer's bytes as they are: express neither serialises nor encodes them again, and computes the
   * ETag from them (so If-None-Match answers 304) as it did from the object it used to serialise.
   */
  @Get(':id/timeline')
  async timeline(
    @Param('id') id: string,
    @Req() request: Request,
    @Res() response: Response,
    @Query() query: Record<string, unknown> = {},
  ): Promise<void> {
    response.type('application/json').send(await this.timelineAnswer(id, request, query));
  }

  /**
   * `{ workOrderId, asOf?, events: [...] }` as UTF-8 JSON, put together from texts the projection wrote (ADR 47):
   * nothing parses or serialises the events' data on the way.
   */
  async timelineAnswer(id: string, request: Request, query: Record<string, unknown> = {}): Promise<Buffer> {
    const caller = principalOf(request);
    const { asOf } = parseQuery(AsOfQuerySchema, query);
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const fullPhone = seesFullPhone(caller);
    const found = await this.views.siteAndTimeline(id, asOf === undefined ? undefined : new Date(asOf), fullPhone);
    if (!found) throw new NotFoundError('Work order', id);
    ensureSiteVisible(caller, found.siteId, 'Work order', id);
    const asOfText = asOf === undefined ? '' : `,"asOf":${JSON.stringify(new Date(asOf).toISOString())}`;
    return Buffer.concat([
      Buffer.from(`{"workOrderId":${JSON.stringify(id)}${asOfText},"events":[`, 'utf8'),
      ...found.entries.map((entry, i) => entryBytes(entry, fullPhone, i === 0)),
      ANSWER_END,
    ]);
  }

  /** A site's board as it was at an instant: each order reported by then, folded from its events up to then. */
  private async boardAsOf(caller: Principal, filter: z.infer<typeof ListQuerySchema>) {
    if (filter.site === undefined)
      throw new ValidationError('The query is not valid', [
        { path: 'query:site', message: 'asOf shows one site’s board: name the site' },
      ]);
    const asOf = new Date(filter.asOf as string);
    // As the live list: another site's orders are not there for the caller, rather than refused.
    const sites = visibleSites(caller);
    if (sites !== undefined && !sites.includes(filter.site)) return { asOf: asOf.toISOString(), items: [] };
    const timelines = await this.views.siteTimelinesAsOf(filter.site, asOf);
    const rows: WorkOrderRow[] = [];
    for (const timeline of timelines.values()) {
      const view = viewAsOf(timeline);
      if (!view) continue;
      const row = workOrderRowOf(view);
      if (passes(row, timeline, filter)) rows.push(row);
    }
    // As the live list orders: newest report first, then by number.
    rows.sort(
      (a, b) =>
        (b['reported_at'] as Date).getTime() - (a['reported_at'] as Date).getTime() ||
        String(b['number']).localeCompare(String(a['number'])),
    );
    return {
      asOf: asOf.toISOString(),
      items: rows.slice(0, filter.limit).map((row) => toView(row, seesFullPhone(caller))),
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
