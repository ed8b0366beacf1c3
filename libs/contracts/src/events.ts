import { z } from 'zod';
import { ChannelSchema, TierSchema } from './report';

/**
 * Every domain event's stored and published type: an explicit string carrying its version. A new shape gets a
 * new version and an upcaster; a published name never changes meaning.
 */
export const EventTypes = {
  WorkOrderReported: 'closeloop.workorder.reported.v1',
  WorkOrderTriaged: 'closeloop.workorder.triaged.v1',
  WorkOrderAssigned: 'closeloop.workorder.assigned.v1',
  WorkOrderQueuedForDispatch: 'closeloop.workorder.queued-for-dispatch.v1',
  SlaTargetsSet: 'closeloop.sla.targets-set.v1',
} as const;

const isoInstant = z.string().datetime({ offset: true });
const staffMember = z.object({ staffId: z.string().min(1), name: z.string().min(1) }).strict();

export const WorkOrderReportedData = z
  .object({
    workOrderId: z.string().uuid(),
    /** Unified number (统一编号), unique per site, read out to the resident on the phone. */
    number: z.string().min(1),
    siteId: z.string().min(1),
    building: z.string().optional(),
    unit: z.string().optional(),
    channel: ChannelSchema,
    reporter: z.object({ name: z.string().optional(), phone: z.string().optional() }).strict(),
    category: z.string().optional(),
    description: z.string(),
    reportedAt: isoInstant,
  })
  .strict();

export const WorkOrderTriagedData = z
  .object({
    workOrderId: z.string().uuid(),
    tier: TierSchema,
    category: z.string(),
    /** The triage rule that decided, so a supervisor can see why an order got its tier. */
    ruleId: z.string(),
    reason: z.string(),
    triagedAt: isoInstant,
  })
  .strict();

export const WorkOrderAssignedData = z
  .object({
    workOrderId: z.string().uuid(),
    /** The accountable owner under first-response responsibility (首问负责制). */
    owner: staffMember,
    teamId: z.string(),
    ruleId: z.string(),
    reason: z.string(),
    assignedAt: isoInstant,
  })
  .strict();

export const WorkOrderQueuedForDispatchData = z
  .object({
    workOrderId: z.string().uuid(),
    /** The site's dispatcher queue: where an order waits when no roster entry matches, in plain sight. */
    queueId: z.string(),
    reason: z.string(),
    queuedAt: isoInstant,
  })
  .strict();

export const SlaTargetsSetData = z
  .object({
    workOrderId: z.string().uuid(),
    tier: TierSchema,
    policyId: z.string(),
    startedAt: isoInstant,
    responseDueAt: isoInstant,
    resolutionDueAt: isoInstant,
  })
  .strict();

export const eventDataSchemas = {
  [EventTypes.WorkOrderReported]: WorkOrderReportedData,
  [EventTypes.WorkOrderTriaged]: WorkOrderTriagedData,
  [EventTypes.WorkOrderAssigned]: WorkOrderAssignedData,
  [EventTypes.WorkOrderQueuedForDispatch]: WorkOrderQueuedForDispatchData,
  [EventTypes.SlaTargetsSet]: SlaTargetsSetData,
} as const;

export type EventType = keyof typeof eventDataSchemas;

interface Event<Type extends EventType> {
  readonly type: Type;
  readonly data: z.infer<(typeof eventDataSchemas)[Type]>;
}

export type WorkOrderReported = Event<typeof EventTypes.WorkOrderReported>;
export type WorkOrderTriaged = Event<typeof EventTypes.WorkOrderTriaged>;
export type WorkOrderAssigned = Event<typeof EventTypes.WorkOrderAssigned>;
export type WorkOrderQueuedForDispatch = Event<typeof EventTypes.WorkOrderQueuedForDispatch>;
export type SlaTargetsSet = Event<typeof EventTypes.SlaTargetsSet>;

export type WorkOrderEvent = WorkOrderReported | WorkOrderTriaged | WorkOrderAssigned | WorkOrderQueuedForDispatch;
export type SlaEvent = SlaTargetsSet;
export type DomainEvent = WorkOrderEvent | SlaEvent;

export const isEventType = (type: string): type is EventType => Object.prototype.hasOwnProperty.call(eventDataSchemas, type);

/** Validates an event read from the wire; unknown types and bad shapes yield a readable reason. */
export const parseDomainEvent = (
  type: string,
  data: unknown,
): { ok: true; event: DomainEvent } | { ok: false; reason: string } => {
  if (!isEventType(type)) return { ok: false, reason: `unknown event type ${type}` };
  const parsed = eventDataSchemas[type].safeParse(data);
  if (!parsed.success) {
    return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ') };
  }
  return { ok: true, event: { type, data: parsed.data } as DomainEvent };
};

/** Who caused an event: an integrator's system, a staff member, the resident, or Closeloop itself. */
export const ActorSchema = z.object({ kind: z.enum(['integrator', 'staff', 'resident', 'system']), id: z.string().min(1) }).strict();
export type Actor = z.infer<typeof ActorSchema>;

/** Carried by every stored event; the relay turns it into CloudEvents extension attributes. */
export const EventMetadataSchema = z
  .object({
    workOrderId: z.string().uuid(),
    correlationId: z.string().min(1),
    causationId: z.string().min(1),
    actor: ActorSchema,
    /** The service that decided the event, e.g. "intake". */
    producer: z.string().min(1),
  })
  .passthrough();
export type EventMetadata = z.infer<typeof EventMetadataSchema>;
