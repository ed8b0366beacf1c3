import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEventContentTypes, IntakeEventTypes } from '@closeloop/contracts';
import { fuzzBudgetLabel, fuzzOptions } from '@closeloop/testing';
import fc from 'fast-check';
import { routesInCode } from '../routes';
import { ServiceName, ServicesInProcess, startServicesInProcess, watchWrites } from './services-in-process';
import { validOverride, validRotation } from './valid-bodies';

/**
 * Property-based fuzzing of every HTTP route of every service (issue 10): each route of tools/routes.ts gets a
 * valid request, and generated requests change one part of it — a path parameter, a query parameter, a body field,
 * the whole body — to something hostile: U+0000, unpaired surrogates, instants with impossible offsets or years,
 * oversize and odd text, wrong types. Judged as the intake fuzzing is: never a 5xx, every 4xx is problem+json with
 * a code, and a refused request leaves every table as it was.
 *
 * FUZZ_RUNS (default 3000) is the budget shared with the other fuzz specs; this one takes a quarter of it, spread
 * over the routes (at least 10 each). FUZZ_SEED replays a failing run.
 */
const SHARE = 0.25;

interface Fixtures {
  readonly order: string;
  readonly number: string;
  /** The fixture order's status-link token (the last part of its report's residentLink). */
  readonly residentToken: string;
  readonly rotation: string;
  readonly override: string;
  readonly registration: string;
  readonly me: string;
  /** A webhook subscription of the fuzz integrator. */
  readonly subscription: string;
}

/** A valid request to a route, with its parts named so one of them can be replaced. */
interface Template {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: Record<string, unknown>;
  readonly contentType?: string;
  /** Integrator-only routes go with the API key; every other with the all-roles staff token. */
  readonly as?: 'integrator';
}

/** A flat in S1's building B3 that no earlier request named, so no two requests' reports or registrations meet. */
const freshFlat = () => ({ siteId: 'S1', building: 'B3', unit: randomUUID().slice(0, 6) });
const report = () => ({
  ...freshFlat(),
  channel: 'phone',
  description: 'Corridor light flickering',
  reporter: { name: 'Ms Lin' },
});
const contacts = {
  destinations: [
    {
      channel: 'webhook',
      url: 'http://127.0.0.1:9/hook',
      secrets: [`whsec_${Buffer.alloc(24, 7).toString('base64')}`],
    },
  ],
};
const staff = { staffId: 's1-li-na', name: 'Li Na' };
/**
 * Where the fuzz integrator's webhook subscriptions deliver: a receiver that takes everything at once, so a delivery
 * is written once, soon after the request whose events it carries, and no retry writes later, behind another request.
 */
let fuzzHookUrl = 'http://127.0.0.1:9/fuzz-hook';
let fuzzHook: Server | undefined;
const priorityResident = () => ({
  ...freshFlat(),
  phone: '13900001234',
  name: 'Zhao Lan',
  need: 'elderly-living-alone',
  consent: { givenBy: 'her daughter', givenOn: '2026-12-01' },
  reviewOn: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
});

/** Keyed as routesInCode names routes; a route missing here fails the first test, so a new route joins the fuzzing. */
const TEMPLATES: Record<string, (fx: Fixtures) => Template> = {
  'intake GET /health': () => ({}),
  'dispatch GET /health': () => ({}),
  'sla-timer GET /health': () => ({}),
  'notification GET /health': () => ({}),
  'query GET /health': () => ({}),
  'console GET /health': () => ({}),
  'intake GET /health/live': () => ({}),
  'intake GET /health/ready': () => ({}),
  'dispatch GET /health/live': () => ({}),
  'dispatch GET /health/ready': () => ({}),
  'sla-timer GET /health/live': () => ({}),
  'sla-timer GET /health/ready': () => ({}),
  'notification GET /health/live': () => ({}),
  'notification GET /health/ready': () => ({}),
  'query GET /health/live': () => ({}),
  'query GET /health/ready': () => ({}),
  'console GET /health/live': () => ({}),
  'console GET /health/ready': () => ({}),
  'console GET /config.json': () => ({}),
  'console POST /auth/local/exchange': () => ({ body: { code: 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF' } }),

  'intake POST /v1/reports': () => ({ body: report() }),
  'intake POST /v1/residents': () => ({ body: priorityResident() }),
  'intake GET /v1/residents': () => ({ query: { site: 'S1' } }),
  'intake DELETE /v1/residents/{id}': (fx) => ({ params: { id: fx.registration }, query: { reason: 'moved out' } }),
  'query GET /v1/callers/{phone}': () => ({ params: { phone: '+86 139-0000-1234' }, query: { site: 'S1' } }),
  'intake POST /v1/events': () => ({
    as: 'integrator',
    contentType: CloudEventContentTypes.structured,
    body: {
      specversion: '1.0',
      id: randomUUID(),
      source: '/integrators/hostile-hotline',
      type: IntakeEventTypes.ReportSubmitted,
      time: '2026-11-23T09:00:00+08:00',
      data: report(),
    },
  }),
  'intake POST /v1/work-orders/{reference}/follow-ups': (fx) => ({
    params: { reference: fx.order },
    body: { channel: 'phone', note: 'Still dripping' },
  }),
  'intake POST /v1/work-orders/{reference}/confirmation': (fx) => ({
    params: { reference: fx.number },
    body: { rating: 5, comment: 'Fixed' },
  }),
  'intake POST /v1/inquiries': () => ({
    body: {
      site: 'S1',
      text: '物业费怎么交？',
      channel: 'wechat',
      reporter: { name: '王女士' },
      building: 'B3',
      unit: '1202',
    },
  }),
  'intake POST /v1/inquiries/{id}/not-helped': () => ({ params: { id: randomUUID() }, body: {} }),
  'intake GET /v1/knowledge-base/sites/{siteId}/answers': () => ({ params: { siteId: 'S1' } }),
  'intake PUT /v1/knowledge-base/sites/{siteId}/answers/{answerId}': () => ({
    params: { siteId: 'S1', answerId: 'parcel-lockers' },
    body: {
      topic: 'other',
      questions: { zh: ['快递柜在哪里？'], en: ['Where are the parcel lockers?'] },
      keywords: ['快递柜'],
      answer: { zh: '快递柜在 2 号楼东侧。', en: 'East of building 2.' },
      validFrom: '2026-12-01',
      validUntil: '2026-12-31',
    },
  }),
  'intake DELETE /v1/knowledge-base/sites/{siteId}/answers/{answerId}': () => ({
    params: { siteId: 'S1', answerId: 'no-such-answer' },
  }),
  'intake GET /v1/knowledge-base/sites/{siteId}/answers/{answerId}/history': () => ({
    params: { siteId: 'S1', answerId: 'fees-rates' },
  }),
  'intake GET /v1/feed': () => ({ as: 'integrator', query: { limit: '10' } }),
  'intake GET /v1/admin/relay/parked-events': () => ({ query: { status: 'all', limit: '10' } }),
  'intake POST /v1/admin/relay/parked-events/{eventId}/retry': () => ({ params: { eventId: randomUUID() }, body: {} }),
  'intake POST /v1/admin/relay/parked-events/{eventId}/skip': () => ({ params: { eventId: randomUUID() }, body: {} }),
  'intake POST /v1/work-orders/{reference}/rejection': (fx) => ({
    params: { reference: fx.order },
    body: { comment: 'Not fixed' },
  }),

  'dispatch POST /v1/work-orders/{id}/acknowledge': (fx) => ({ params: { id: fx.order }, body: {} }),
  'dispatch POST /v1/work-orders/{id}/start': (fx) => ({ params: { id: fx.order }, body: {} }),
  'dispatch POST /v1/work-orders/{id}/hold': (fx) => ({
    params: { id: fx.order },
    body: { reason: 'waiting-on-parts', note: 'Valve on order' },
  }),
  'dispatch POST /v1/work-orders/{id}/resume': (fx) => ({ params: { id: fx.order }, body: {} }),
  'dispatch POST /v1/work-orders/{id}/resolve': (fx) => ({
    params: { id: fx.order },
    body: { notes: 'Replaced the valve', photoRefs: ['photo-1.jpg'] },
  }),
  'dispatch POST /v1/work-orders/{id}/reassign': (fx) => ({
    params: { id: fx.order },
    body: { to: staff, reason: 'Shift change' },
  }),
  'dispatch POST /v1/work-orders/{id}/handover': (fx) => ({
    params: { id: fx.order },
    body: { to: staff, reason: 'Shift change' },
  }),
  'dispatch POST /v1/work-orders/{id}/cancel': (fx) => ({
    params: { id: fx.order },
    body: { reason: 'other', note: 'Reported twice' },
  }),
  'dispatch POST /v1/work-orders/{id}/reopen': (fx) => ({
    params: { id: fx.order },
    body: { reason: 'Leaking again' },
  }),

  'notification GET /v1/alerts': (fx) => ({ query: { siteId: 'S1', status: 'open', workOrderId: fx.order } }),
  'notification GET /v1/alerts/{id}': () => ({ params: { id: randomUUID() } }),
  'notification POST /v1/alerts/{id}/ack': () => ({ params: { id: randomUUID() }, body: {} }),
  // Public: the status link is the credential. The fixture order's own link, so mutations reach past the lookup.
  'query GET /v1/resident/orders/{token}': (fx) => ({ params: { token: fx.residentToken } }),
  'intake POST /v1/resident/orders/{token}/confirmation': (fx) => ({
    params: { token: fx.residentToken },
    body: { rating: 4, comment: 'Quick and tidy' },
  }),
  'intake POST /v1/resident/orders/{token}/rejection': (fx) => ({
    params: { token: fx.residentToken },
    body: { reason: 'Still dripping' },
  }),
  'intake POST /v1/resident/orders/{token}/notes': (fx) => ({
    params: { token: fx.residentToken },
    body: { note: 'Home after 18:00', photoRefs: ['app/ms-lin/ceiling.jpg'] },
  }),
  'notification GET /v1/alert-links/{token}': () => ({ params: { token: 'not-a-signed-link' } }),
  'notification POST /v1/alert-links/{token}': () => ({ params: { token: 'not-a-signed-link' }, body: {} }),
  'notification GET /v1/on-call/rotations': () => ({ query: { siteId: 'S1' } }),
  'notification PUT /v1/on-call/rotations/{id}': (fx) => ({ params: { id: fx.rotation }, body: validRotation() }),
  'notification DELETE /v1/on-call/rotations/{id}': (fx) => ({ params: { id: fx.rotation } }),
  'notification GET /v1/on-call/overrides': () => ({ query: { siteId: 'S1' } }),
  'notification POST /v1/on-call/overrides': () => ({ body: validOverride() }),
  'notification DELETE /v1/on-call/overrides/{id}': (fx) => ({ params: { id: fx.override } }),
  'notification GET /v1/on-call/now': () => ({ query: { siteId: 'S1', level: '1', at: '2026-12-01T10:00:00+08:00' } }),
  'notification PUT /v1/on-call/contacts/staff/{staffId}': (fx) => ({ params: { staffId: fx.me }, body: contacts }),
  'notification GET /v1/on-call/contacts/staff/{staffId}': (fx) => ({ params: { staffId: fx.me } }),
  'notification PUT /v1/on-call/contacts/sites/{siteId}': () => ({ params: { siteId: 'S1' }, body: contacts }),
  'notification GET /v1/on-call/contacts/sites/{siteId}': () => ({ params: { siteId: 'S1' } }),
  'notification PUT /v1/on-call/contacts/sites/{siteId}/fallback': () => ({ params: { siteId: 'S1' }, body: contacts }),
  'notification GET /v1/on-call/contacts/sites/{siteId}/fallback': () => ({ params: { siteId: 'S1' } }),
  'notification DELETE /v1/on-call/contacts/sites/{siteId}/fallback': () => ({ params: { siteId: 'S1' } }),
  'notification POST /v1/subscriptions': () => ({
    as: 'integrator',
    body: { url: fuzzHookUrl, sites: ['S1'], eventTypes: ['*'] },
  }),
  'notification GET /v1/subscriptions': () => ({ as: 'integrator' }),
  'notification GET /v1/subscriptions/{id}': (fx) => ({ as: 'integrator', params: { id: fx.subscription } }),
  'notification DELETE /v1/subscriptions/{id}': () => ({ as: 'integrator', params: { id: randomUUID() } }),
  'notification GET /v1/subscriptions/{id}/deliveries': (fx) => ({
    as: 'integrator',
    params: { id: fx.subscription },
    query: { limit: '10' },
  }),
  'notification PUT /v1/sites/{siteId}/resident-notification-opt-outs/{phone}': () => ({
    params: { siteId: 'S1', phone: '13800000001' },
  }),
  'notification DELETE /v1/sites/{siteId}/resident-notification-opt-outs/{phone}': () => ({
    params: { siteId: 'S1', phone: '13800000001' },
  }),
  'notification GET /v1/alert-digests/{id}': () => ({ params: { id: randomUUID() } }),
  'notification POST /v1/alert-digests/{id}/ack': () => ({ params: { id: randomUUID() }, body: {} }),
  'notification GET /v1/alert-digest-links/{token}': () => ({ params: { token: 'not-a-signed-link' } }),
  'notification POST /v1/alert-digest-links/{token}': () => ({ params: { token: 'not-a-signed-link' }, body: {} }),

  'query GET /v1/work-orders': () => ({
    query: {
      site: 'S1',
      status: 'assigned',
      owner: 's1-li-na',
      building: 'B3',
      category: 'plumbing',
      tier: 'normal',
      openedFrom: '2026-01-01T00:00:00+08:00',
      openedTo: '2027-01-01T00:00:00Z',
      closedFrom: '2026-01-01T00:00:00Z',
      closedTo: '2027-01-01T00:00:00Z',
      causedBy: 'x',
      callbackDue: 'false',
      closure: 'confirmed',
      limit: '10',
    },
  }),
  'query GET /v1/work-orders/{id}': (fx) => ({ params: { id: fx.order } }),
  'query GET /v1/work-orders/{id}/timeline': (fx) => ({ params: { id: fx.order } }),
  'query GET /v1/work-orders/{id}/sla': (fx) => ({ params: { id: fx.order } }),
  'dispatch GET /v1/work-orders/{id}/audit': (fx) => ({ params: { id: fx.order } }),
  'query GET /v1/work-orders/{id}/record': (fx) => ({ params: { id: fx.order } }),
  'query GET /.well-known/closeloop-signing-key': () => ({}),
  'query GET /v1/sla/at-risk': () => ({ query: { site: 'S1', limit: '5' } }),
  'query GET /v1/stream': () => ({ query: { site: 'S1' } }),
  'query GET /v1/reports/service-levels': () => ({
    query: { site: 'S1', from: '2026-11-01', to: '2026-12-01', groupBy: 'week' },
  }),
  'query GET /v1/reports/hot-spots': () => ({
    query: { site: 'S1', from: '2026-11-01', to: '2026-12-01', section: 'repeats' },
  }),
  'query GET /v1/reports/monthly': () => ({ query: { site: 'S1', month: '2026-11' } }),
  'query PUT /v1/reports/monthly/notes': () => ({
    query: { site: 'S1', month: '2026-11' },
    body: { text: '电梯维保合同已续签。', readVersion: 0 },
  }),
};

// ── Hostile values ───────────────────────────────────────────────────────────────────────────────────────────

const UNSTORABLE = ['a\u0000b', '\u0000', 'lone \ud800 surrogate', '\udfff', '\ud83d'];
const ODD_TEXT = [
  "'; DROP TABLE es_events; --",
  "' OR '1'='1",
  '$1 %s %n',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '报修：厨房水管爆裂',
  '😀🔥💧',
  '\u202Etxt.exe',
  'line\r\nbreak',
  ' ',
  '',
  '__proto__',
  'constructor',
];
const HOSTILE_INSTANTS = [
  '2026-01-01T00:00:00+99:99',
  '2026-01-01T00:00:00+16:00',
  '2026-01-01T00:00:00-2400',
  '2026-01-01T00:00:00+14:01',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '275760-09-13T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T25:00:00Z',
  '2026-01-01T00:00:00',
  '2026-01-01',
  'yesterday',
];

const instantArb = fc.oneof(
  fc.constantFrom(...HOSTILE_INSTANTS),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.constantFrom('+', '-'),
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 0, max: 99 }),
      fc.boolean(),
    )
    .map(([y, mo, d, sign, oh, om, colon]) => {
      const pad = (n: number, w = 2) => String(n).padStart(w, '0');
      return `${pad(y, 4)}-${pad(mo)}-${pad(d)}T12:00:00${sign}${pad(oh)}${colon ? ':' : ''}${pad(om)}`;
    }),
);

const hostileStringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...UNSTORABLE) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 10 }), fc.constantFrom(...UNSTORABLE), fc.string({ maxLength: 10 }))
      .map((parts) => parts.join('')),
  },
  { weight: 3, arbitrary: instantArb },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_TEXT) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // Past every field's limit, short of Node's 16 kB header limit (which answers 431 before any code of ours runs).
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 6_000 }).map((n) => 'x'.repeat(n)) },
);

/** Nested deeper than any recursive walk over the body survives (the JSON parser accepts it). */
const deeplyNestedArb = fc.integer({ min: 1_000, max: 3_000 }).map((depth) => {
  let value: object = ['bottom\u0000'];
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
  // fast-check prints a counterexample recursively, which a value this deep would overflow: it gets a name instead.
  Object.defineProperty(value, fc.toStringMethod, { value: () => `<nested ${depth} deep>` });
  return value;
});

/** A value for a failure message; JSON of a deeply nested one is cut short like any other. */
const shown = (value: unknown): string => {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 80);
  } catch {
    return '(unprintable)';
  }
};

const hostileValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileStringArb },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, 0, -1, 1e308, [], {}, ['a\u0000']) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: deeplyNestedArb },
);

/** One part of a request replaced: the parts a route has decide what can be picked. */
type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'param'; readonly pick: number; readonly value: string }
  | { readonly kind: 'query'; readonly pick: number; readonly value: string; readonly repeat: boolean }
  | { readonly kind: 'body'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'whole-body'; readonly value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('param' as const), pick: fc.nat(), value: hostileStringArb }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('query' as const),
      pick: fc.nat(),
      value: hostileStringArb,
      repeat: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('body' as const), pick: fc.nat(), value: hostileValueArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('whole-body' as const),
      value: fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileStringArb),
    }),
  },
);

/** Every field of a body, nested ones included, as a path of keys. */
const fieldPaths = (value: unknown, prefix: (string | number)[] = []): (string | number)[][] => {
  if (Array.isArray(value))
    return value.flatMap((item, i) => [
      [...prefix, i],
      ...fieldPaths(item, [...prefix, i]).filter((p) => p.length > prefix.length + 1),
    ]);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      [...prefix, key],
      ...fieldPaths(item, [...prefix, key]).filter((p) => p.length > prefix.length + 1),
    ]);
  }
  return [];
};

const withField = (body: unknown, path: (string | number)[], value: unknown): unknown => {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(body)) {
    const items = [...body] as unknown[];
    items[Number(head)] = withField(items[Number(head)], rest, value);
    return items;
  }
  const copy: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  copy[String(head)] = withField(copy[String(head)], rest, value);
  return copy;
};

/** A string into a URL component; a lone surrogate has no UTF-8 form, so it goes as the bytes a careless encoder writes (%ED%A0%80). */
const encode = (value: string): string => {
  try {
    return encodeURIComponent(value);
  } catch {
    return value
      .replace(/\p{Cs}/gu, '%ED%A0%80')
      .split('%ED%A0%80')
      .map(encodeURIComponent)
      .join('%ED%A0%80');
  }
};

interface Built {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly described: string;
}

const build = (
  route: { service: ServiceName; method: string; path: string },
  template: Template,
  mutation: Mutation,
  services: ServicesInProcess,
): Built => {
  const params = { ...(template.params ?? {}) };
  const query: [string, string][] = Object.entries(template.query ?? {});
  let body: unknown = template.body;
  let described: string = mutation.kind;
  const paramNames = Object.keys(params);
  if (mutation.kind === 'param' && paramNames.length > 0) {
    const name = paramNames[mutation.pick % paramNames.length] as string;
    params[name] = mutation.value;
    described = `path ${name}=${shown(mutation.value)}`;
  } else if (mutation.kind === 'query') {
    // A route without query parameters gets one it does not know.
    const index = query.length === 0 ? -1 : mutation.pick % query.length;
    const name = index < 0 ? 'unexpected' : (query[index] as [string, string])[0];
    if (index >= 0) query.splice(index, 1);
    query.push([name, mutation.value]);
    if (mutation.repeat) query.push([name, mutation.value]);
    described = `query ${name}=${shown(mutation.value)}${mutation.repeat ? ' (twice)' : ''}`;
  } else if (mutation.kind === 'body') {
    const paths = fieldPaths(body ?? {});
    const path = paths.length === 0 ? ['unexpected'] : (paths[mutation.pick % paths.length] as (string | number)[]);
    body = withField(body ?? {}, path, mutation.value);
    described = `body ${path.join('.')}=${shown(mutation.value)}`;
  } else if (mutation.kind === 'whole-body') {
    body = mutation.value;
    described = `body ${shown(mutation.value)}`;
  }
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encode(params[name] ?? ''));
  const search = query.length === 0 ? '' : `?${query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
  const credentials: Record<string, string> =
    template.as === 'integrator'
      ? { 'x-api-key': services.apiKey }
      : { authorization: `Bearer ${services.staffToken}` };
  const sendsBody = body !== undefined && route.method !== 'get' && route.method !== 'delete';
  return {
    url: `${services.baseUrl[route.service]}${path}${search}`,
    method: route.method.toUpperCase(),
    headers: { ...credentials, ...(sendsBody ? { 'content-type': template.contentType ?? 'application/json' } : {}) },
    ...(sendsBody ? { body: JSON.stringify(body) } : {}),
    described,
  };
};

// ── The run ──────────────────────────────────────────────────────────────────────────────────────────────────

const ROUTES = routesInCode();
const keyOf = (r: { service: string; method: string; path: string }) =>
  `${r.service} ${r.method.toUpperCase()} ${r.path}`;

describe('every route of every service under property-based fuzzing (in-process services, real PostgreSQL and Kafka)', () => {
  let services: ServicesInProcess;
  let fixtures: Fixtures;
  let writtenSincePreviousRequest: () => Promise<string[]>;
  let signingKeyDir: string;
  const startedAt = Date.now();
  const statuses = new Map<string, Record<string, number>>();

  beforeAll(async () => {
    // The console takes sign-in codes as on the local stack (its key is only read when a code is good).
    signingKeyDir = mkdtempSync(join(tmpdir(), 'every-route-fuzz-keys-'));
    services = await startServicesInProcess('every-route-fuzz', {
      env: { CONSOLE_LOCAL_SIGNING_KEY_DIR: signingKeyDir },
    });
    const staffHeaders = { authorization: `Bearer ${services.staffToken}`, 'content-type': 'application/json' };
    const reported = await fetch(`${services.baseUrl.intake}/v1/reports`, {
      method: 'POST',
      headers: { 'x-api-key': services.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(report()),
    });
    const { workOrderId, number, residentLink } = (await reported.json()) as {
      workOrderId: string;
      number: string;
      residentLink: string;
    };
    const rotationId = randomUUID();
    expect(
      (
        await fetch(`${services.baseUrl.notification}/v1/on-call/rotations/${rotationId}`, {
          method: 'PUT',
          headers: staffHeaders,
          body: JSON.stringify(validRotation()),
        })
      ).status,
    ).toBe(200);
    const created = await fetch(`${services.baseUrl.notification}/v1/on-call/overrides`, {
      method: 'POST',
      headers: staffHeaders,
      body: JSON.stringify(validOverride()),
    });
    fuzzHook = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => fuzzHook?.listen(0, '127.0.0.1', resolve));
    fuzzHookUrl = `http://127.0.0.1:${(fuzzHook.address() as AddressInfo).port}/fuzz-hook`;
    const subscribed = await fetch(`${services.baseUrl.notification}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'x-api-key': services.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ url: fuzzHookUrl, sites: ['S1'], eventTypes: ['*'] }),
    });
    expect(subscribed.status).toBe(201);
    const registered = await fetch(`${services.baseUrl.intake}/v1/residents`, {
      method: 'POST',
      headers: staffHeaders,
      body: JSON.stringify(priorityResident()),
    });
    expect(registered.status).toBe(201);
    fixtures = {
      subscription: ((await subscribed.json()) as { id: string }).id,
      order: workOrderId,
      number,
      residentToken: residentLink.split('/').pop() as string,
      rotation: rotationId,
      override: ((await created.json()) as { id: string }).id,
      registration: ((await registered.json()) as { registrationId: string }).registrationId,
      me: services.staffId,
    };
    writtenSincePreviousRequest = await watchWrites(services.db.pool);
  }, 120_000);

  afterAll(async () => {
    const total = [...statuses.values()].reduce((sum, s) => sum + Object.values(s).reduce((a, b) => a + b, 0), 0);
    console.log(
      [
        `every-route fuzzing: ${total} generated requests over ${ROUTES.length} routes in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${fuzzBudgetLabel()})`,
        ...[...statuses.entries()].map(
          ([route, s]) =>
            `  ${route}: ${Object.entries(s)
              .sort()
              .map(([status, n]) => `${status}×${n}`)
              .join(' ')}`,
        ),
      ].join('\n'),
    );
    await services?.stop();
    await new Promise((resolve) => (fuzzHook ? fuzzHook.close(resolve) : resolve(undefined)));
    rmSync(signingKeyDir, { recursive: true, force: true });
  });

  it('has a request template for every route in the code, so a new route joins the fuzzing', () => {
    expect(Object.keys(TEMPLATES).sort()).toEqual(ROUTES.map(keyOf).sort());
  });

  it.each(ROUTES.map((route) => [keyOf(route), route] as const))(
    '%s: never a 5xx, problem details for every 4xx, nothing written by a refusal',
    async (key, route) => {
      const template = TEMPLATES[key];
      if (!template) throw new Error(`${key} has no fuzz template`);
      await fc.assert(
        fc.asyncProperty(mutationArb, async (mutation) => {
          const request = build(
            route as { service: ServiceName; method: string; path: string },
            template(fixtures),
            mutation,
            services,
          );
          const response = await fetch(request.url, {
            method: request.method,
            headers: request.headers,
            ...(request.body === undefined ? {} : { body: request.body }),
          });
          // An event stream never ends by itself: an open one is judged by its status, then closed.
          let text = '';
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) await response.body?.cancel();
          else text = await response.text();
          const tally = statuses.get(key) ?? {};
          tally[response.status] = (tally[response.status] ?? 0) + 1;
          statuses.set(key, tally);
          const what = `${key} with ${request.described}`;
          if (response.status >= 500) throw new Error(`${what}: answered ${response.status}: ${text.slice(0, 300)}`);
          // Node's HTTP parser refuses a request line or headers past its limits before the app sees them.
          const fromHttpParser = (response.status === 414 || response.status === 431) && text === '';
          const written = await writtenSincePreviousRequest();
          if (response.status >= 400 && !fromHttpParser) {
            if (!(response.headers.get('content-type') ?? '').startsWith('application/problem+json'))
              throw new Error(`${what}: ${response.status} without problem details`);
            if (typeof (JSON.parse(text) as { code?: unknown }).code !== 'string')
              throw new Error(`${what}: ${response.status} problem without a code`);
            if (written.length > 0)
              throw new Error(`${what}: refused with ${response.status} but wrote to ${written.join(', ')}`);
          }
        }),
        // The spec's share of the budget, spread evenly over the routes.
        fuzzOptions(SHARE / ROUTES.length),
      );
    },
  );
});
