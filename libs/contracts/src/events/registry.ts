import { z } from 'zod';

/**
 * Every stored and published type is an explicit string that ends in its version. A new shape gets a new version
 * (and an upcaster on read); a published name never changes meaning.
 */
export type VersionedEventType = `closeloop.${string}.v${number}`;

/** One event, written once: the type it is stored and published under, and the schema of its data. */
export interface EventDefinition<
  Type extends VersionedEventType = VersionedEventType,
  Schema extends z.ZodTypeAny = z.ZodTypeAny,
> {
  readonly type: Type;
  readonly schema: Schema;
}

export const defineEvent = <Type extends VersionedEventType, Schema extends z.ZodTypeAny>(
  type: Type,
  schema: Schema,
): EventDefinition<Type, Schema> => {
  // The template type lets "v1.5" and "v-1" through; the version must be a positive whole number.
  if (!/^closeloop\.[a-z0-9.-]+\.v[1-9]\d*$/.test(type)) {
    throw new Error(`event type ${type} must be closeloop.<name>.v<version>`);
  }
  return { type, schema };
};

type Definitions = Readonly<Record<string, EventDefinition>>;

/**
 * A stream's events, keyed by the name the code uses (`WorkOrderReported`). Everything else about them is derived
 * from it: the `EventTypes.X` constants, the schema map that validates what is read back, and the TypeScript types.
 */
export interface EventRegistry<D extends Definitions> {
  readonly definitions: D;
  /** `{ WorkOrderReported: 'closeloop.workorder.reported.v1', … }`. */
  readonly types: { readonly [Name in keyof D]: D[Name]['type'] };
  /** `{ 'closeloop.workorder.reported.v1': WorkOrderReportedData, … }`. */
  readonly dataSchemas: { readonly [Name in keyof D as D[Name]['type']]: D[Name]['schema'] };
}

export const eventRegistry = <D extends Definitions>(definitions: D): EventRegistry<D> => {
  const entries = Object.entries(definitions);
  const dataSchemas = Object.fromEntries(entries.map(([, definition]) => [definition.type, definition.schema]));
  if (Object.keys(dataSchemas).length !== entries.length) {
    const repeated = entries.map(([, d]) => d.type).filter((type, i, all) => all.indexOf(type) !== i);
    throw new Error(`event types defined twice: ${repeated.join(', ')}`);
  }
  const types = Object.fromEntries(entries.map(([name, definition]) => [name, definition.type]));
  return { definitions, types, dataSchemas } as EventRegistry<D>;
};

/** An event as deciders emit and evolve it: plain data, `{ type, data }`, its data typed by the registered schema. */
export interface EventOf<Definition extends EventDefinition> {
  readonly type: Definition['type'];
  readonly data: z.infer<Definition['schema']>;
}

/**
 * One event of a registry, by the name the code uses: `EventNamed<typeof slaEvents, 'SlaBreached'>`. Streams do not
 * write a named alias per event; code that needs one event's type asks for it here.
 */
export type EventNamed<R extends EventRegistry<Definitions>, Name extends keyof R['definitions']> = EventOf<
  R['definitions'][Name]
>;

/** The discriminated union of a registry's events, keyed on `type`. */
export type EventUnionOf<R extends EventRegistry<Definitions>> = {
  [Name in keyof R['definitions']]: EventNamed<R, Name>;
}[keyof R['definitions']];
