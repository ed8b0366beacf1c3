import { z } from 'zod';
import { eventDataSchemas, EventTypes, WorkOrderTriagedData } from '../events';
import { alertEvents } from './alert.events';
import { residentNoticeEvents } from './resident-notice.events';
import { defineEvent, eventRegistry } from './registry';
import { priorityResidentEvents } from './priority-resident.events';
import { slaEvents } from './sla.events';
import { workOrderEvents } from './work-order.events';

describe('the event registries', () => {
  const streams = {
    workorder: workOrderEvents,
    sla: slaEvents,
    alert: alertEvents,
    'resident-notice': residentNoticeEvents,
    'priority-resident': priorityResidentEvents,
  };

  it('derives EventTypes and the schema map from the definitions', () => {
    expect(EventTypes.WorkOrderTriaged).toBe('closeloop.workorder.triaged.v1');
    expect(eventDataSchemas[EventTypes.WorkOrderTriaged]).toBe(WorkOrderTriagedData);
  });

  it.each(Object.entries(streams))(
    'keeps every %s event under its own name and type, none shadowed by another stream',
    (category, registry) => {
      for (const [name, definition] of Object.entries(registry.definitions)) {
        expect(definition.type.startsWith(`closeloop.${category}.`)).toBe(true);
        expect(EventTypes[name as keyof typeof EventTypes]).toBe(definition.type);
        expect(eventDataSchemas[definition.type as keyof typeof eventDataSchemas]).toBe(definition.schema);
      }
    },
  );

  it('holds every stream’s events and nothing else', () => {
    const total = Object.values(streams).reduce((sum, registry) => sum + Object.keys(registry.definitions).length, 0);
    expect(Object.keys(EventTypes)).toHaveLength(total);
    expect(Object.keys(eventDataSchemas)).toHaveLength(total);
  });

  it('refuses a type without a positive whole version at its end', () => {
    // @ts-expect-error the compiler already refuses a type without a version
    expect(() => defineEvent('closeloop.workorder.reported', z.object({}))).toThrow();
    for (const type of [
      'closeloop.workorder.reported',
      'closeloop.workorder.reported.v0',
      'closeloop.workorder.reported.v1.5',
      'closeloop.Work Order.v1',
    ]) {
      expect(() => defineEvent(type as `closeloop.${string}.v${number}`, z.object({}))).toThrow(
        /must be closeloop\.<name>\.v<version>/,
      );
    }
  });

  it('refuses one type defined under two names', () => {
    const schema = z.object({});
    expect(() =>
      eventRegistry({ A: defineEvent('closeloop.test.a.v1', schema), B: defineEvent('closeloop.test.a.v1', schema) }),
    ).toThrow('event types defined twice: closeloop.test.a.v1');
  });
});
