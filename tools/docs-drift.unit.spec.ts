import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelReasonSchema,
  ChannelSchema,
  CloudEventContentTypes,
  CloudEventSchema,
  DeadLetterHeaders,
  deadLetterTopicOf,
  eventDataSchemas,
  EventTypes,
  FollowUpContactSchema,
  HoldReasonSchema,
  inquiryEvents,
  InquiryEventTypes,
  IntakeEventTypes,
  intakeDataSchemas,
  ReportDetailsSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
  StaffMemberSchema,
  TierSchema,
  TopicBaseNames,
  topicSpecs,
  WorkOrderCommandTypes,
  workOrderCommandDataSchemas,
} from '@closeloop/contracts';
import { RETRY_AFTER_MS_HEADER } from '@closeloop/http';
import { parse } from 'yaml';
import { z } from 'zod';
import { DISPATCH_COMMANDS_GROUP } from '../apps/dispatch/src/loop-timers/loop-timer-commands.consumer';
import { workOrderActions } from '../apps/dispatch/src/work-order-actions/work-order-actions';
import { WORK_ORDER_STATUSES } from '../apps/query/src/projection/work-order-view';
import { accessRulesInCode, Route, routesInCode } from './routes';

/**
 * docs/asyncapi.yaml and docs/openapi.yaml are written by hand; this spec keeps them honest. Each zod contract is
 * reduced to the JSON Schema keywords it implies (type, properties, required, additionalProperties, enum, const,
 * lengths, pattern, format, numeric bounds, items, default) and compared with the documented schema, so changing a contract without
 * changing the docs fails here. Rules zod checks in code (trim, refine) must be flagged in the docs with
 * x-closeloop-trim / x-closeloop-refined and explained in the description.
 */

type Node = Record<string, unknown>;

const root = join(__dirname, '..');
const loadDoc = (name: string): Node => parse(readFileSync(join(root, 'docs', name), 'utf8')) as Node;
const asyncapi = loadDoc('asyncapi.yaml');
const openapi = loadDoc('openapi.yaml');

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

const node = (value: unknown, where: string): Node => {
  if (!isNode(value)) throw new Error(`${where} is not an object`);
  return value;
};

/** Follows local `$ref`s (`#/components/...`) until a node without one. */
const deref = (doc: Node, value: unknown, where = '(schema)'): Node => {
  let current = node(value, where);
  for (let hops = 0; typeof current['$ref'] === 'string'; hops++) {
    const ref = current['$ref'] as string;
    if (!ref.startsWith('#/') || hops > 20) throw new Error(`${where}: cannot follow $ref ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<Node>((at, part) => node(at[part], `${ref} (at ${part})`), doc);
  }
  return current;
};

const sorted = (values: readonly string[]): string[] => [...values].sort();

// ── the contracts' side ────────────────────────────────────────────────────────────────────────────────────

interface FromZod {
  readonly schema: Node;
  /** The key may be left out: optional, defaulted, or a type that accepts undefined. */
  readonly optional: boolean;
}

const fromZod = (schema: z.ZodTypeAny, where: string): FromZod => {
  if (schema instanceof z.ZodOptional) return { schema: fromZod(schema.unwrap(), where).schema, optional: true };
  if (schema instanceof z.ZodDefault) {
    return {
      schema: { ...fromZod(schema.removeDefault(), where).schema, default: schema._def.defaultValue() },
      optional: true,
    };
  }
  if (schema instanceof z.ZodEffects) {
    if (schema._def.effect.type !== 'refinement')
      throw new Error(`${where}: teach docs-drift about ${schema._def.effect.type} effects`);
    const inner = fromZod(schema.innerType(), where);
    return { schema: { ...inner.schema, 'x-closeloop-refined': true }, optional: inner.optional };
  }
  if (schema instanceof z.ZodObject) {
    const properties: Node = {};
    const required: string[] = [];
    for (const [key, value] of Object.entries(schema.shape as Record<string, z.ZodTypeAny>)) {
      const property = fromZod(value, `${where}.${key}`);
      properties[key] = property.schema;
      if (!property.optional) required.push(key);
    }
    const unknownKeys = schema._def.unknownKeys as string;
    const additional =
      unknownKeys === 'strict'
        ? { additionalProperties: false }
        : unknownKeys === 'passthrough'
          ? { additionalProperties: true }
          : {};
    return { schema: { type: 'object', properties, required: sorted(required), ...additional }, optional: false };
  }
  if (schema instanceof z.ZodString) {
    const out: Node = { type: 'string' };
    for (const check of schema._def.checks) {
      switch (check.kind) {
        case 'min':
          out['minLength'] = check.value;
          break;
        case 'max':
          out['maxLength'] = check.value;
          break;
        case 'length':
          out['minLength'] = check.value;
          out['maxLength'] = check.value;
          break;
        case 'regex':
          if (check.regex.flags)
            throw new Error(`${where}: a pattern with flags (${check.regex.flags}) has no JSON Schema equivalent`);
          out['pattern'] = check.regex.source;
          break;
        case 'uuid':
          out['format'] = 'uuid';
          break;
        case 'datetime':
          if (!check.offset || check.local)
            throw new Error(`${where}: only datetime({ offset: true }) maps to format date-time`);
          out['format'] = 'date-time';
          break;
        case 'trim':
          out['x-closeloop-trim'] = true;
          break;
        default:
          throw new Error(`${where}: teach docs-drift about string check "${check.kind}"`);
      }
    }
    return { schema: out, optional: false };
  }
  if (schema instanceof z.ZodNumber) {
    const out: Node = { type: 'number' };
    for (const check of schema._def.checks) {
      switch (check.kind) {
        case 'int':
          out['type'] = 'integer';
          break;
        case 'min':
          out[check.inclusive ? 'minimum' : 'exclusiveMinimum'] = check.value;
          break;
        case 'max':
          out[check.inclusive ? 'maximum' : 'exclusiveMaximum'] = check.value;
          break;
        default:
          throw new Error(`${where}: teach docs-drift about number check "${check.kind}"`);
      }
    }
    return { schema: out, optional: false };
  }
  if (schema instanceof z.ZodBoolean) return { schema: { type: 'boolean' }, optional: false };
  if (schema instanceof z.ZodArray) {
    const out: Node = { type: 'array', items: fromZod(schema.element, `${where}[]`).schema };
    const { minLength, maxLength, exactLength } = schema._def;
    if (minLength) out['minItems'] = minLength.value;
    if (maxLength) out['maxItems'] = maxLength.value;
    if (exactLength) {
      out['minItems'] = exactLength.value;
      out['maxItems'] = exactLength.value;
    }
    return { schema: out, optional: false };
  }
  if (schema instanceof z.ZodEnum)
    return { schema: { type: 'string', enum: [...(schema.options as string[])] }, optional: false };
  if (schema instanceof z.ZodLiteral)
    return { schema: { type: typeof schema.value, const: schema.value }, optional: false };
  if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return { schema: {}, optional: true };
  throw new Error(
    `${where}: teach docs-drift about ${(schema._def as { typeName?: string }).typeName ?? 'this zod type'}`,
  );
};

const contract = (schema: z.ZodTypeAny, where: string): Node => fromZod(schema, where).schema;

// ── the documents' side ────────────────────────────────────────────────────────────────────────────────────

const COMPARED = [
  'type',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'default',
  'x-closeloop-trim',
  'x-closeloop-refined',
];

/** The documented schema reduced to the keywords a zod contract can imply; descriptions and examples drop out. */
const documented = (doc: Node, value: unknown, where: string): Node => {
  const schema = deref(doc, value, where);
  if ('allOf' in schema || 'oneOf' in schema || 'anyOf' in schema)
    throw new Error(`${where}: compare plain schemas, not combinations`);
  const out: Node = {};
  for (const keyword of COMPARED) if (keyword in schema) out[keyword] = schema[keyword];
  if ('properties' in schema || schema['type'] === 'object') {
    const properties: Node = {};
    for (const [key, property] of Object.entries(node(schema['properties'] ?? {}, `${where}.properties`))) {
      properties[key] = documented(doc, property, `${where}.${key}`);
    }
    out['properties'] = properties;
    out['required'] = sorted((schema['required'] as string[] | undefined) ?? []);
  }
  if (typeof schema['additionalProperties'] === 'boolean') out['additionalProperties'] = schema['additionalProperties'];
  if ('items' in schema) out['items'] = documented(doc, schema['items'], `${where}[]`);
  return out;
};

/** In an `allOf` payload, the part that pins `type` to this event type carries its `data`. */
const dataSchemaOf = (doc: Node, payload: unknown, type: string, where: string): unknown => {
  const parts = deref(doc, payload, where)['allOf'];
  if (!Array.isArray(parts)) throw new Error(`${where}: expected allOf [envelope, { type, data }]`);
  const own = parts
    .map((part, i) => deref(doc, part, `${where}.allOf[${i}]`))
    .find(
      (part) =>
        isNode(part['properties']) &&
        isNode(part['properties']['type']) &&
        part['properties']['type']['const'] === type,
    );
  if (!own) throw new Error(`${where}: no allOf part pins type to ${type}`);
  return node(own['properties'], where)['data'];
};

// ── AsyncAPI ───────────────────────────────────────────────────────────────────────────────────────────────

const channels = Object.entries(node(asyncapi['channels'], 'channels')).map(([key, value]) => ({
  key,
  channel: node(value, `channels.${key}`),
}));
const channelAt = (address: string): Node => {
  const found = channels.find(({ channel }) => channel['address'] === address);
  if (!found) throw new Error(`no AsyncAPI channel has address ${address}`);
  return found.channel;
};
const messagesOf = (channel: Node): Node[] =>
  Object.values(node(channel['messages'] ?? {}, 'messages')).map((m) => deref(asyncapi, m, 'message'));
const messageNamed = (channel: Node, name: string): Node => {
  const message = messagesOf(channel).find((m) => m['name'] === name);
  if (!message) throw new Error(`channel ${String(channel['address'])} has no message named ${name}`);
  return message;
};

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3.0 document', () => {
    expect(asyncapi['asyncapi']).toMatch(/^3\.0\.\d+$/);
  });

  describe('topics', () => {
    it.each(topicSpecs().map((spec) => [spec.name, spec.partitions] as const))(
      'has a channel for %s with %i partitions',
      (name, partitions) => {
        const channel = channelAt(name);
        expect(node(node(channel['bindings'], 'bindings')['kafka'], 'bindings.kafka')).toMatchObject({
          topic: name,
          partitions,
        });
      },
    );

    it('documents every topic base name and its dead-letter topic, and no other topic', () => {
      const expected = Object.values(TopicBaseNames).flatMap((base) => [base, deadLetterTopicOf(base)]);
      expect(sorted(channels.map(({ channel }) => String(channel['address'])))).toEqual(sorted(expected));
    });
  });

  describe('messages', () => {
    it('lists exactly the event types of eventDataSchemas, and the inquiry events, on workorders.events', () => {
      const names = messagesOf(channelAt(TopicBaseNames.events)).map((m) => String(m['name']));
      expect(sorted(names)).toEqual(sorted([...Object.keys(eventDataSchemas), ...Object.values(InquiryEventTypes)]));
    });

    it('keys inquiry events by their stream, not by a work order', () => {
      const traitRef = { $ref: '#/components/messageTraits/PublishedInquiryEvent' };
      const key = node(node(node(deref(asyncapi, traitRef)['bindings'], 'bindings')['kafka'], 'kafka')['key'], 'key');
      expect(key).toMatchObject({ type: 'string', pattern: '^inquiry-[0-9a-f-]{36}$' });
      for (const type of Object.values(InquiryEventTypes)) {
        expect(messageNamed(channelAt(TopicBaseNames.events), type)['traits']).toEqual([traitRef]);
      }
    });

    it.each(Object.values(InquiryEventTypes))('documents the data of %s as its zod schema defines it', (type) => {
      const message = messageNamed(channelAt(TopicBaseNames.events), type);
      const data = dataSchemaOf(asyncapi, message['payload'], type, `message ${type}`);
      expect(documented(asyncapi, data, type)).toEqual(contract(inquiryEvents.dataSchemas[type], type));
    });

    it('lists exactly the IntakeEventTypes on workorders.intake', () => {
      const names = messagesOf(channelAt(TopicBaseNames.intake)).map((m) => String(m['name']));
      expect(sorted(names)).toEqual(sorted(Object.values(IntakeEventTypes)));
    });

    it('lists exactly the WorkOrderCommandTypes on workorders.commands', () => {
      const names = messagesOf(channelAt(TopicBaseNames.commands)).map((m) => String(m['name']));
      expect(sorted(names)).toEqual(sorted(Object.values(WorkOrderCommandTypes)));
    });

    it.each(Object.values(WorkOrderCommandTypes))(
      'documents the data of command %s as its zod schema defines it',
      (type) => {
        const message = messageNamed(channelAt(TopicBaseNames.commands), type);
        const data = dataSchemaOf(asyncapi, message['payload'], type, `message ${type}`);
        expect(documented(asyncapi, data, type)).toEqual(contract(workOrderCommandDataSchemas[type], type));
      },
    );

    it.each([
      { what: 'commands', trait: 'Command', topic: TopicBaseNames.commands },
      { what: 'published events', trait: 'PublishedEvent', topic: TopicBaseNames.events },
    ])('keys $what by work-order id', ({ trait, topic }) => {
      const traitRef = { $ref: `#/components/messageTraits/${trait}` };
      const key = node(node(node(deref(asyncapi, traitRef)['bindings'], 'bindings')['kafka'], 'kafka')['key'], 'key');
      expect(key).toMatchObject({ type: 'string', format: 'uuid' });
      const inquiryTypes: readonly string[] = Object.values(InquiryEventTypes);
      for (const message of messagesOf(channelAt(topic)).filter((m) => !inquiryTypes.includes(String(m['name'])))) {
        expect(message['traits']).toEqual([traitRef]);
      }
    });

    it.each(Object.keys(eventDataSchemas))('documents the data of %s as its zod schema defines it', (type) => {
      const message = messageNamed(channelAt(TopicBaseNames.events), type);
      const data = dataSchemaOf(asyncapi, message['payload'], type, `message ${type}`);
      expect(documented(asyncapi, data, type)).toEqual(
        contract(eventDataSchemas[type as keyof typeof eventDataSchemas], type),
      );
    });

    it.each(Object.values(IntakeEventTypes))('documents the data of %s as its zod schema defines it', (type) => {
      const message = messageNamed(channelAt(TopicBaseNames.intake), type);
      const data = dataSchemaOf(asyncapi, message['payload'], type, `message ${type}`);
      expect(documented(asyncapi, data, type)).toEqual(contract(intakeDataSchemas[type], type));
    });

    it('documents the CloudEvents envelope and its extension attributes as CloudEventSchema defines them', () => {
      const envelope = documented(
        asyncapi,
        node(node(asyncapi['components'], 'components')['schemas'], 'schemas')['CloudEvent'],
        'CloudEvent',
      );
      expect(envelope).toEqual(contract(CloudEventSchema, 'CloudEventSchema'));
      expect(Object.keys(node(envelope['properties'], 'properties'))).toEqual(
        expect.arrayContaining(['workorderid', 'correlationid', 'causationid', 'actor', 'sequence']),
      );
    });

    it.each(Object.entries(EventTypes))('documents %s as the message of that name, of type %s', (name, type) => {
      expect(deref(asyncapi, { $ref: `#/components/messages/${name}` }, `message ${name}`)['name']).toBe(type);
    });
  });

  describe('dead letters', () => {
    it('names every DeadLetterHeaders header, all required', () => {
      const headers = deref(asyncapi, { $ref: '#/components/schemas/DeadLetterHeaders' });
      expect(sorted(Object.keys(node(headers['properties'], 'properties')))).toEqual(
        sorted(Object.values(DeadLetterHeaders)),
      );
      expect(sorted(headers['required'] as string[])).toEqual(sorted(Object.values(DeadLetterHeaders)));
    });

    it.each(Object.values(TopicBaseNames))('carries dead letters with those headers on %s.dlq', (base) => {
      for (const message of messagesOf(channelAt(deadLetterTopicOf(base)))) {
        expect(message['headers']).toEqual({ $ref: '#/components/schemas/DeadLetterHeaders' });
      }
    });
  });

  describe('consumer groups', () => {
    /** Each service's main.ts: `runService({ name, ..., consumes: { topics: [TopicBaseNames.x] } })`. */
    const consumers = readdirSync(join(root, 'apps'))
      .map((app) => readFileSync(join(root, 'apps', app, 'src', 'main.ts'), 'utf8'))
      .map((source) => ({
        group: /runService\(\{\s*name:\s*'([^']+)'/.exec(source)?.[1],
        topics: [
          ...(/consumes:\s*\{\s*topics:\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '').matchAll(/TopicBaseNames\.(\w+)/g),
        ].map((m) => TopicBaseNames[m[1] as keyof typeof TopicBaseNames]),
      }))
      .filter(
        (c): c is { group: string; topics: (typeof TopicBaseNames)[keyof typeof TopicBaseNames][] } =>
          c.group !== undefined && c.topics.length > 0,
      )
      // Consumers a service runs beside its runService one.
      .concat([{ group: DISPATCH_COMMANDS_GROUP, topics: [TopicBaseNames.commands] }]);

    const receivers = Object.values(node(asyncapi['operations'], 'operations'))
      .map((op) => node(op, 'operation'))
      .filter((op) => op['action'] === 'receive')
      .map((op) => ({
        group: node(node(node(op['bindings'], 'bindings')['kafka'], 'kafka')['groupId'], 'groupId')['const'],
        address: deref(asyncapi, op['channel'])['address'],
      }));

    it('finds the services that consume', () => {
      expect(consumers.map((c) => c.group).length).toBeGreaterThanOrEqual(5);
    });

    it('documents one receiving operation per consumer group, on the topic the service reads', () => {
      const expected = consumers.flatMap((c) => c.topics.map((topic) => ({ group: c.group, address: topic })));
      const key = (r: { group: unknown; address: unknown }) => `${String(r.group)}@${String(r.address)}`;
      expect(sorted(receivers.map(key))).toEqual(sorted(expected.map(key)));
    });
  });
});

// ── OpenAPI ────────────────────────────────────────────────────────────────────────────────────────────────

const paths = node(openapi['paths'], 'paths');
const operation = (path: string, method: string): Node => node(node(paths[path], path)[method], `${method} ${path}`);
const schemaNamed = (name: string): Node => deref(openapi, { $ref: `#/components/schemas/${name}` });
const PROBLEM = 'application/problem+json';

// scripts/stack.js is where the services' ports are assigned.
const { SERVICES } = require('../scripts/stack.js') as { SERVICES: readonly { name: string; port: number }[] };
const serverOf = (service: string) => ({
  url: `http://127.0.0.1:${SERVICES.find((s) => s.name === service)?.port}`,
  description: service,
});

const routesInDoc = (): Route[] =>
  Object.entries(paths).flatMap(([path, item]) => {
    const pathItem = node(item, path);
    const servers = (pathItem['servers'] ?? openapi['servers']) as { description: string }[];
    return Object.keys(pathItem)
      .filter((key) => ['get', 'post', 'put', 'patch', 'delete'].includes(key))
      .flatMap((method) => servers.map((server) => ({ service: server.description, method, path })));
  });

const routeKey = (r: Route) => `${r.service} ${r.method.toUpperCase()} ${r.path}`;

describe('docs/openapi.yaml', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(openapi['openapi']).toMatch(/^3\.1\.\d+$/);
  });

  it('documents every route of every controller, on the service that serves it, and nothing else', () => {
    expect(sorted(routesInDoc().map(routeKey))).toEqual(sorted(routesInCode().map(routeKey)));
  });

  it.each([
    ['/v1/reports', 'post'],
    ['/v1/events', 'post'],
    ['/v1/work-orders', 'get'],
    ['/v1/work-orders/{id}', 'get'],
    ['/v1/work-orders/{id}/timeline', 'get'],
    ['/health', 'get'],
  ])('documents %s %s', (path, method) => {
    expect(operation(path, method)).toBeDefined();
  });

  it('has one server per service on 127.0.0.1, and /health on all of them', () => {
    const expected = SERVICES.map((s) => serverOf(s.name));
    expect(openapi['servers']).toEqual(expected);
    expect(node(paths['/health'], '/health')['servers']).toEqual(expected);
  });

  it("declares each operation's security as its @Access rule says: none, an integrator key, and/or a staff token with these roles", () => {
    const rules = accessRulesInCode();
    expect(rules.length).toBe(routesInCode().length);
    const mismatches = rules.flatMap((route) => {
      // An operation without its own security inherits the document's (none).
      const declared = (operation(route.path, route.method)['security'] ?? openapi['security'] ?? null) as
        Record<string, string[]>[] | null;
      const rule = route.rule;
      const expected =
        !rule || 'public' in rule
          ? []
          : [
              ...(rule.integrator ? [{ integratorKey: [] }] : []),
              ...(rule.staff ? [{ staffToken: [...rule.staff].sort() }] : []),
            ];
      const actual = (declared ?? []).map((requirement) =>
        Object.fromEntries(Object.entries(requirement).map(([scheme, scopes]) => [scheme, [...scopes].sort()])),
      );
      const same = declared !== null && JSON.stringify(actual) === JSON.stringify(expected);
      return same ? [] : [`${routeKey(route)}: code ${JSON.stringify(expected)}, doc ${JSON.stringify(declared)}`];
    });
    expect(mismatches).toEqual([]);
    expect(
      Object.keys(node(node(openapi['components'], 'components')['securitySchemes'], 'securitySchemes')).sort(),
    ).toEqual(['integratorKey', 'staffToken']);
  });

  it('documents the report body of POST /v1/reports as ReportDetailsSchema defines it', () => {
    const content = node(node(operation('/v1/reports', 'post')['requestBody'], 'requestBody')['content'], 'content');
    expect(Object.keys(content)).toEqual(['application/json']);
    const schema = node(content['application/json'], 'application/json')['schema'];
    expect(documented(openapi, schema, 'ReportDetails')).toEqual(contract(ReportDetailsSchema, 'ReportDetailsSchema'));
  });

  it('documents the Idempotency-Key header and the Idempotent-Replayed answer', () => {
    const submit = operation('/v1/reports', 'post');
    const parameters = (submit['parameters'] as unknown[]).map((p) => deref(openapi, p));
    expect(parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    const accepted = deref(openapi, node(submit['responses'], 'responses')['202']);
    expect(Object.keys(node(accepted['headers'], 'headers'))).toEqual(
      expect.arrayContaining(['Idempotent-Replayed', 'X-Correlation-Id']),
    );
  });

  it.each(
    routesInCode()
      .filter((r) => r.service === 'intake' && r.path !== '/health')
      .map((r): [string, string] => [r.method, r.path]),
  )(
    'documents that intake may shed %s %s: 503 OVERLOADED and 429, both with Retry-After and Retry-After-Ms',
    (method, path) => {
      const responses = node(operation(path, method)['responses'], 'responses');
      for (const status of ['503', '429']) {
        const response = deref(openapi, responses[status], `${path} ${status}`);
        expect(Object.keys(node(response['headers'], `${path} ${status} headers`))).toEqual(
          expect.arrayContaining(['Retry-After', RETRY_AFTER_MS_HEADER]),
        );
      }
      expect(JSON.stringify(deref(openapi, responses['503']))).toContain('OVERLOADED');
      expect(JSON.stringify(deref(openapi, responses['429']))).toContain('CALLER_OVER_SHARE');
    },
  );

  describe('POST /v1/events', () => {
    /** Binary mode's body is the event's data, which for every intake type is JSON. */
    const BINARY_MODE_DATA_TYPE = 'application/json';
    const content = node(node(operation('/v1/events', 'post')['requestBody'], 'requestBody')['content'], 'content');

    it('accepts binary-mode (application/json), structured and batch CloudEvents', () => {
      expect(sorted(Object.keys(content))).toEqual(
        sorted([...Object.values(CloudEventContentTypes), BINARY_MODE_DATA_TYPE]),
      );
    });

    it("documents a ce- header for each attribute binary mode requires, and each type's data as its body", () => {
      const headers = (operation('/v1/events', 'post')['parameters'] as unknown[])
        .map((p) => deref(openapi, p))
        .filter((p) => p['in'] === 'header')
        .map((p) => String(p['name']));
      const required = contract(CloudEventSchema, 'CloudEventSchema')['required'] as string[];
      expect(headers).toEqual(expect.arrayContaining(required.map((attribute) => `ce-${attribute}`)));
      const body = deref(openapi, node(content[BINARY_MODE_DATA_TYPE], BINARY_MODE_DATA_TYPE)['schema']);
      const variants = (body['oneOf'] as unknown[]).map((v, i) => documented(openapi, v, `binary body [${i}]`));
      expect(variants).toEqual(Object.values(IntakeEventTypes).map((type) => contract(intakeDataSchemas[type], type)));
    });

    it('documents the envelope as CloudEventSchema defines it', () => {
      expect(documented(openapi, schemaNamed('CloudEvent'), 'CloudEvent')).toEqual(
        contract(CloudEventSchema, 'CloudEventSchema'),
      );
    });

    it.each(Object.values(IntakeEventTypes))('takes %s, with its data as the contract defines it', (type) => {
      const structured = deref(openapi, node(content[CloudEventContentTypes.structured], 'structured')['schema']);
      const variants = (structured['oneOf'] as unknown[]).map((v) => deref(openapi, v));
      const variant = variants.find((v) => JSON.stringify(v).includes(`"const":"${type}"`));
      if (!variant) throw new Error(`no structured CloudEvent variant pins type ${type}`);
      const data = dataSchemaOf(openapi, variant, type, type);
      expect(documented(openapi, data, type)).toEqual(contract(intakeDataSchemas[type], type));
    });
  });

  it.each([
    ['/v1/work-orders/{reference}/follow-ups', FollowUpContactSchema],
    ['/v1/work-orders/{reference}/confirmation', ResolutionConfirmedSchema],
    ['/v1/work-orders/{reference}/rejection', ResolutionRejectedSchema],
  ] as const)('documents the body of POST %s as its contract defines it', (path, schema) => {
    const content = node(node(operation(path, 'post')['requestBody'], 'requestBody')['content'], 'content');
    expect(documented(openapi, node(content['application/json'], 'application/json')['schema'], path)).toEqual(
      contract(schema, path),
    );
  });

  it.each([
    ['StaffMember', StaffMemberSchema],
    ['HoldReason', HoldReasonSchema],
    ['CancelReason', CancelReasonSchema],
    ['Channel', ChannelSchema],
    ['Tier', TierSchema],
  ] as const)('documents %s as the contract defines it', (name, schema) => {
    expect(documented(openapi, schemaNamed(name), name)).toEqual(contract(schema, name));
  });

  it('lists the statuses the read side can show', () => {
    expect(schemaNamed('WorkOrderStatus')['enum']).toEqual([...WORK_ORDER_STATUSES]);
  });

  it('documents the query parameters of GET /v1/work-orders as its controller reads them', () => {
    // ListQuerySchema is private to the controller: its keys, and whether each is optional, are read from source.
    const source = readFileSync(
      join(root, 'apps', 'query', 'src', 'work-orders', 'work-orders.http.controller.ts'),
      'utf8',
    );
    const body = /const ListQuerySchema = z\s*\.object\(\{([\s\S]*?)\n\s*\}\)/.exec(source)?.[1] ?? '';
    const inCode = [...body.matchAll(/^\s*(\w+):\s*(.*)$/gm)].map((m) => [
      m[1],
      !/\.(optional|default)\(/.test(m[2] as string),
    ]);
    expect(inCode.length).toBeGreaterThan(0);
    const documentedParameters = (operation('/v1/work-orders', 'get')['parameters'] as unknown[])
      .map((p) => deref(openapi, p))
      .filter((p) => p['in'] === 'query')
      .map((p) => [p['name'], p['required']]);
    expect(documentedParameters).toEqual(inCode);
  });

  it('describes problem details with code, correlation id and validation issues', () => {
    const problem = schemaNamed('Problem');
    expect(problem['required']).toEqual(['type', 'title', 'status', 'detail', 'code', 'instance', 'correlationId']);
    expect(Object.keys(node(problem['properties'], 'properties'))).toEqual(expect.arrayContaining(['issues']));
  });

  const expectedStatuses: [string, string, string[]][] = [
    ['/v1/reports', 'post', ['202', '400', '409', '413', '415', '422']],
    ['/v1/events', 'post', ['202', '400', '404', '409', '413', '415', '422']],
    ['/v1/work-orders', 'get', ['200', '422']],
    ['/v1/work-orders/{id}', 'get', ['200', '404']],
    ['/v1/work-orders/{id}/timeline', 'get', ['200', '404']],
    ['/health', 'get', ['200', '503']],
    ...Object.keys(workOrderActions).map((action): [string, string, string[]] => [
      `/v1/work-orders/{id}/${action}`,
      'post',
      ['200', '400', '404', '409', '413', '415', '422'],
    ]),
    ...['follow-ups', 'confirmation', 'rejection'].map((what): [string, string, string[]] => [
      `/v1/work-orders/{reference}/${what}`,
      'post',
      ['202', '400', '404', '409', '413', '415', '422'],
    ]),
  ];

  it.each(expectedStatuses)(
    'answers %s %s with %j, errors as problem+json with X-Correlation-Id',
    (path, method, statuses) => {
      const responses = node(operation(path, method)['responses'], 'responses');
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(statuses));
      for (const [status, value] of Object.entries(responses)) {
        const response = deref(openapi, value, `${path} ${status}`);
        expect(Object.keys(node(response['headers'], `${path} ${status} headers`))).toContain('X-Correlation-Id');
        if (Number(status) >= 400)
          expect(Object.keys(node(response['content'], `${path} ${status} content`))).toEqual([PROBLEM]);
      }
    },
  );

  it.each(Object.keys(workOrderActions))(
    'takes a staff token, If-Match and Idempotency-Key on the %s action and answers with an ETag',
    (action) => {
      const act = operation(`/v1/work-orders/{id}/${action}`, 'post');
      const names = (act['parameters'] as unknown[])
        .map((p) => deref(openapi, p))
        .map((p) => `${String(p['in'])}:${String(p['name'])}`);
      expect(names).toEqual(expect.arrayContaining(['header:If-Match', 'header:Idempotency-Key']));
      const ok = deref(openapi, node(act['responses'], 'responses')['200']);
      expect(Object.keys(node(ok['headers'], 'headers'))).toEqual(
        expect.arrayContaining(['ETag', 'Idempotent-Replayed']),
      );
    },
  );
});
