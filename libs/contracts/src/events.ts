import { alertEvents, AlertEvent } from './events/alert.events';
import { priorityResidentEvents, PriorityResidentEvent } from './events/priority-resident.events';
import { EventRegistry, eventRegistry } from './events/registry';
import { residentNoticeEvents, ResidentNoticeEvent } from './events/resident-notice.events';
import { slaEvents, SlaEvent } from './events/sla.events';
import { workOrderEvents, WorkOrderEvent } from './events/work-order.events';

export * from './events/alert.events';
export * from './events/audit.events';
export * from './events/inquiry.events';
export { StaffMemberSchema } from './events/fields';
export type { StaffMemberRef } from './events/fields';
export * from './events/metadata';
export * from './events/priority-resident.events';
export * from './events/registry';
export * from './events/resident-note.events';
export * from './events/resident-notice.events';
export * from './events/sla.events';
export * from './events/work-order.events';

type DomainEventDefinitions = typeof workOrderEvents.definitions &
  typeof slaEvents.definitions &
  typeof alertEvents.definitions &
  typeof residentNoticeEvents.definitions &
  typeof priorityResidentEvents.definitions;

/** Every domain event of every stream: what the store holds and the relay publishes on `workorders.events`. */
export const domainEvents: EventRegistry<DomainEventDefinitions> = eventRegistry({
  ...workOrderEvents.definitions,
  ...slaEvents.definitions,
  ...alertEvents.definitions,
  ...residentNoticeEvents.definitions,
  ...priorityResidentEvents.definitions,
});

export const EventTypes = domainEvents.types;
export const eventDataSchemas: EventRegistry<DomainEventDefinitions>['dataSchemas'] = domainEvents.dataSchemas;
export type EventType = keyof typeof eventDataSchemas;
export type DomainEvent = WorkOrderEvent | SlaEvent | AlertEvent | ResidentNoticeEvent | PriorityResidentEvent;

export const isEventType = (type: string): type is EventType =>
  Object.prototype.hasOwnProperty.call(eventDataSchemas, type);

/** Validates an event read from the wire; unknown types and bad shapes yield a readable reason. */
export const parseDomainEvent = (
  type: string,
  data: unknown,
): { ok: true; event: DomainEvent } | { ok: false; reason: string } => {
  if (!isEventType(type)) return { ok: false, reason: `unknown event type ${type}` };
  const parsed = eventDataSchemas[type].safeParse(data);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, event: { type, data: parsed.data } as DomainEvent };
};
