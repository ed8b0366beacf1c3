import { randomUUID } from 'node:crypto';
import { EventTypes, IntakeEventTypes, CloudEventContentTypes } from '@closeloop/contracts';
import { IntegratorKeyStore, StaffRole, StaffRoles } from '@closeloop/auth';
import { allDayRotation, eventually } from '@closeloop/testing';
import { Route, routesInCode } from '../routes';
import { HttpResult, TestStack, asStaff, del, get, orderInStatus, post, put, startTestStack, urls } from './test-stack';

/**
 * Who may call what, for every HTTP route of every service: one table, written from the product rules and not
 * from the controllers, checked cell by cell against the running services. A caller is nobody, an integrator of
 * site S1, or a staff member of S1 holding one role; each route is asked about an S1 thing (own) and an S2 thing
 * (other). No credentials is 401, the wrong kind of caller or role 403; another site's order, alert, rotation or
 * override answers 404 as if it did not exist, a request naming another site in its body or query 403.
 */

type Site = 'own' | 'other';
type Caller = 'none' | 'integrator' | StaffRole;
type Allowed = Exclude<Caller, 'none'>;
/** 'order': another site's thing is 404; 'site': naming another site is 403; 'self': a person's own contacts; 'none': lists that filter. */
type Scope = 'order' | 'site' | 'self' | 'none';
/** A status, or any answer past authorization: not 401 or 403, and not a server error. */
type Expected = number | 'authorized';

interface SiteFixtures {
  readonly siteId: string;
  readonly workOrderId: string;
  readonly number: string;
  readonly alertId: string;
  readonly rotationId: string;
  readonly overrideId: string;
  readonly digestId: string;
  /** A question the site's knowledge base answered (物业费怎么交？). */
  readonly inquiryId: string;
  /** A webhook subscription: own, the S1 integrator's; other, an S2 integrator's. */
  readonly subscriptionId: string;
  /** A priority registration of the site (docs/adr/0028). */
  readonly registrationId: string;
}
type Fixtures = Record<Site, SiteFixtures>;

interface Request {
  readonly path: string;
  readonly body?: unknown;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
}

interface Entry {
  readonly allow: 'public' | readonly Allowed[];
  readonly scope: Scope;
  /** A valid request, so validation never answers before authorization; `me` is the caller's staff id. */
  readonly request: (site: Site, fx: Fixtures, me: string) => Request;
  /** Where the product rule is finer than the role. */
  readonly expect?: Partial<Record<Allowed, Partial<Record<Site, Expected>>>>;
}

const CALLERS: readonly Caller[] = ['none', 'integrator', ...StaffRoles];
const SITES: readonly Site[] = ['own', 'other'];

// ── who ────────────────────────────────────────────────────────────────────────────────────────────────────

const STAFF: readonly Allowed[] = StaffRoles;
const FRONT_DESK: readonly Allowed[] = ['integrator', 'dispatcher', 'admin'];
const ORDER_ACTORS: readonly Allowed[] = ['dispatcher', 'technician', 'supervisor', 'admin'];
const ORDER_READERS: readonly Allowed[] = ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'];
const ALERT_READERS: readonly Allowed[] = ['on-call', 'supervisor', 'dispatcher', 'admin'];
const SCHEDULE_READERS: readonly Allowed[] = ['on-call', 'supervisor', 'dispatcher', 'admin'];
const SCHEDULE_EDITORS: readonly Allowed[] = ['supervisor', 'admin'];
const REPORT_READERS: readonly Allowed[] = ['supervisor', 'admin', 'dispatcher'];
const MONTHLY_REPORT_READERS: readonly Allowed[] = ['supervisor', 'admin'];
const REGISTRY_KEEPERS: readonly Allowed[] = ['dispatcher', 'admin'];
const REGISTRY_READERS: readonly Allowed[] = ['dispatcher', 'supervisor', 'admin'];
const CALLER_LOOKUP: readonly Allowed[] = ['dispatcher', 'supervisor', 'admin'];
const AUDITORS: readonly Allowed[] = ['supervisor', 'admin'];

// ── valid bodies ───────────────────────────────────────────────────────────────────────────────────────────

/** A routine report (not urgent: no alert, no page); a flat of its own so the duplicate rule never links it. */
const report = (siteId: string, description = 'Corridor light flickering outside the lift lobby') => ({
  siteId,
  building: 'B3',
  unit: randomUUID().slice(0, 8),
  channel: 'phone',
  description,
  reporter: { name: 'Ms Lin', phone: '13812345678' },
});

const reportEvent = (siteId: string) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: '/integrators/matrix-s1',
  type: IntakeEventTypes.ReportSubmitted,
  datacontenttype: 'application/json',
  data: report(siteId),
});

const rotation = (siteId: string) => allDayRotation(siteId, 1, [`${siteId.toLowerCase()}-matrix-on-call`]);

const override = (siteId: string) => ({
  siteId,
  level: 1,
  staffId: `${siteId.toLowerCase()}-matrix-cover`,
  from: new Date(Date.now() + 86_400_000).toISOString(),
  to: new Date(Date.now() + 2 * 86_400_000).toISOString(),
  reason: 'Swapped shift',
});

/** A knowledge-base answer an admin writes. */
const answer = {
  topic: 'other',
  questions: { zh: ['快递柜在哪里？'] },
  answer: { zh: '快递柜在 2 号楼东侧。', en: 'The parcel lockers are east of building 2.' },
};

/** A resident registered in the site's priority registry, with a review date half a year ahead. */
const priorityResident = (siteId: string) => ({
  siteId,
  building: 'B3',
  unit: randomUUID().slice(0, 8),
  phone: '13900001234',
  need: 'elderly-living-alone',
  consent: { givenBy: 'the resident', givenOn: new Date().toISOString().slice(0, 10) },
  reviewOn: new Date(Date.now() + 180 * 86_400_000).toISOString().slice(0, 10),
});

const contacts = { destinations: [{ channel: 'email', address: 'matrix@example.com' }] };

/** Staff actions on an order, each with a valid body; a technician may do none of them to an order not theirs. */
const ACTIONS: Record<string, unknown> = {
  acknowledge: {},
  start: {},
  hold: { reason: 'waiting-on-parts' },
  resume: {},
  resolve: { notes: 'x' },
  reassign: { to: { staffId: 's1-x', name: 'X' }, reason: 'r' },
  handover: { to: { staffId: 's1-x', name: 'X' }, reason: 'r' },
  reopen: { reason: 'r' },
  cancel: { reason: 'other', note: 'x' },
};

/** A token of a status link's shape that opens no order. */
const UNKNOWN_RESIDENT_LINK = 'A'.repeat(43);

// ── the matrix ─────────────────────────────────────────────────────────────────────────────────────────────

const health: Entry = { allow: 'public', scope: 'none', request: () => ({ path: '/health' }) };
const live: Entry = { allow: 'public', scope: 'none', request: () => ({ path: '/health/live' }) };
const ready: Entry = { allow: 'public', scope: 'none', request: () => ({ path: '/health/ready' }) };
const order = (site: Site, fx: Fixtures) => fx[site].workOrderId;
const siteOf = (site: Site, fx: Fixtures) => fx[site].siteId;
const someoneElse = 'matrix-someone-else';

/**
 * An alert or a digest: read and acknowledged by its id, or through its signed link, which is a credential of its
 * own, so anyone may try one. The fixture alert and digest went to dispatch:<site> (nobody was on call): S1's
 * dispatchers may acknowledge them, nobody else.
 */
const acknowledgeable = (
  resource: 'alerts' | 'alert-digests',
  links: 'alert-links' | 'alert-digest-links',
  idOf: (fixtures: SiteFixtures) => string,
): Record<string, Entry> => ({
  [`notification GET /v1/${resource}/{id}`]: {
    allow: ALERT_READERS,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/${resource}/${idOf(fx[s])}` }),
  },
  [`notification POST /v1/${resource}/{id}/ack`]: {
    allow: ALERT_READERS,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/${resource}/${idOf(fx[s])}/ack`, body: {} }),
    expect: { 'on-call': { own: 403 }, supervisor: { own: 403 }, admin: { own: 403 } },
  },
  [`notification GET /v1/${links}/{token}`]: {
    allow: 'public',
    scope: 'none',
    request: () => ({ path: `/v1/${links}/not-a-signed-link` }),
  },
  [`notification POST /v1/${links}/{token}`]: {
    allow: 'public',
    scope: 'none',
    request: () => ({ path: `/v1/${links}/not-a-signed-link`, body: {} }),
  },
});

/** A site's on-call rotations or overrides, listed for the site its query names. */
const siteSchedule = (path: string): Entry => ({
  allow: SCHEDULE_READERS,
  scope: 'site',
  request: (s, fx) => ({ path, query: { siteId: siteOf(s, fx) } }),
});

/** A GET of one work order, or of a view of it (`view`, after its id), by its id. */
const orderRead = (allow: Entry['allow'], view: string): Entry => ({
  allow,
  scope: 'order',
  request: (s, fx) => ({ path: `/v1/work-orders/${order(s, fx)}${view}` }),
});

/** A GET of the orders of the site its query names, which order readers may make for their own site. */
const siteOrders = (path: string): Entry => ({
  allow: ORDER_READERS,
  scope: 'site',
  request: (s, fx) => ({ path, query: { site: siteOf(s, fx) } }),
});

/** Keyed as routesInCode names routes; checked in this order, mostly reads before the writes that change the fixtures. */
const MATRIX: Record<string, Entry> = {
  'intake GET /health': health,
  'dispatch GET /health': health,
  'sla-timer GET /health': health,
  'notification GET /health': health,
  'query GET /health': health,
  'console GET /health': health,
  'intake GET /health/live': live,
  'intake GET /health/ready': ready,
  'dispatch GET /health/live': live,
  'dispatch GET /health/ready': ready,
  'sla-timer GET /health/live': live,
  'sla-timer GET /health/ready': ready,
  'notification GET /health/live': live,
  'notification GET /health/ready': ready,
  'query GET /health/live': live,
  'query GET /health/ready': ready,
  'console GET /health/live': live,
  'console GET /health/ready': ready,
  'console GET /config.json': { allow: 'public', scope: 'none', request: () => ({ path: '/config.json' }) },
  // The code is the credential: anyone may try one (this one is refused as no code, 422, whoever asks).
  'console POST /auth/local/exchange': {
    allow: 'public',
    scope: 'none',
    request: () => ({ path: '/auth/local/exchange', body: { code: 'not-a-sign-in-code' } }),
  },

  // A resident's status link is the credential, for one order: anyone may try one (an unknown link is 404, whoever asks).
  'query GET /v1/resident/orders/{token}': {
    allow: 'public',
    scope: 'none',
    request: () => ({ path: `/v1/resident/orders/${UNKNOWN_RESIDENT_LINK}` }),
  },
  ...Object.fromEntries(
    (
      [
        ['confirmation', { rating: 4 }],
        ['rejection', { reason: 'Still dripping' }],
        ['notes', { note: 'Home after 18:00' }],
      ] as const
    ).map(([action, body]) => [
      `intake POST /v1/resident/orders/{token}/${action}`,
      {
        allow: 'public',
        scope: 'none',
        request: () => ({ path: `/v1/resident/orders/${UNKNOWN_RESIDENT_LINK}/${action}`, body }),
      } satisfies Entry,
    ]),
  ),
  'query GET /v1/work-orders': {
    allow: ORDER_READERS,
    scope: 'none',
    request: (s, fx) => ({ path: '/v1/work-orders', query: { site: siteOf(s, fx) } }),
  },
  'query GET /v1/work-orders/{id}': orderRead(ORDER_READERS, ''),
  'query GET /v1/work-orders/{id}/timeline': orderRead(ORDER_READERS, '/timeline'),
  'query GET /v1/work-orders/{id}/sla': orderRead(ORDER_READERS, '/sla'),
  'dispatch GET /v1/work-orders/{id}/audit': orderRead(AUDITORS, '/audit'),
  'query GET /v1/work-orders/{id}/record': orderRead(ORDER_READERS, '/record'),
  'query GET /.well-known/closeloop-signing-key': {
    allow: 'public',
    scope: 'none',
    request: () => ({ path: '/.well-known/closeloop-signing-key' }),
  },
  'query GET /v1/sla/at-risk': siteOrders('/v1/sla/at-risk'),
  'query GET /v1/stream': siteOrders('/v1/stream'),

  ...Object.fromEntries(
    ['service-levels', 'hot-spots'].map((report) => [
      `query GET /v1/reports/${report}`,
      {
        allow: REPORT_READERS,
        scope: 'site',
        request: (s: Site, fx: Fixtures) => ({
          path: `/v1/reports/${report}`,
          query: { site: siteOf(s, fx), from: '2026-11-01', to: '2026-12-01' },
        }),
      },
    ]),
  ),
  'query GET /v1/reports/monthly': {
    allow: MONTHLY_REPORT_READERS,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/reports/monthly', query: { site: siteOf(s, fx), month: '2026-11' } }),
  },
  'query PUT /v1/reports/monthly/notes': {
    allow: MONTHLY_REPORT_READERS,
    scope: 'site',
    // A second save over version 0 is a 409: past authorization, which is all this table asks.
    request: (s, fx) => ({
      path: '/v1/reports/monthly/notes',
      query: { site: siteOf(s, fx), month: '2026-11' },
      body: { text: 'Lift maintenance contract renewed.', readVersion: 0 },
    }),
  },

  'notification GET /v1/alerts': {
    allow: ALERT_READERS,
    scope: 'none',
    request: (s, fx) => ({ path: '/v1/alerts', query: { siteId: siteOf(s, fx) } }),
  },
  ...acknowledgeable('alerts', 'alert-links', (fixtures) => fixtures.alertId),
  ...acknowledgeable('alert-digests', 'alert-digest-links', (fixtures) => fixtures.digestId),

  'notification GET /v1/on-call/rotations': siteSchedule('/v1/on-call/rotations'),
  'notification GET /v1/on-call/overrides': siteSchedule('/v1/on-call/overrides'),
  'notification GET /v1/on-call/now': {
    allow: SCHEDULE_READERS,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/on-call/now', query: { siteId: siteOf(s, fx), level: '1' } }),
  },
  'notification PUT /v1/on-call/contacts/staff/{staffId}': {
    allow: STAFF,
    scope: 'self',
    request: (s, _fx, me) => ({ path: `/v1/on-call/contacts/staff/${s === 'own' ? me : someoneElse}`, body: contacts }),
  },
  'notification PUT /v1/on-call/contacts/sites/{siteId}': {
    allow: SCHEDULE_EDITORS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/contacts/sites/${siteOf(s, fx)}`, body: contacts }),
  },
  'notification GET /v1/on-call/contacts/sites/{siteId}': {
    allow: SCHEDULE_READERS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/contacts/sites/${siteOf(s, fx)}` }),
  },
  'notification PUT /v1/on-call/contacts/sites/{siteId}/fallback': {
    allow: SCHEDULE_EDITORS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/contacts/sites/${siteOf(s, fx)}/fallback`, body: contacts }),
  },
  'notification GET /v1/on-call/contacts/sites/{siteId}/fallback': {
    allow: SCHEDULE_READERS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/contacts/sites/${siteOf(s, fx)}/fallback` }),
  },
  'notification DELETE /v1/on-call/contacts/sites/{siteId}/fallback': {
    allow: SCHEDULE_EDITORS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/contacts/sites/${siteOf(s, fx)}/fallback` }),
  },
  'notification PUT /v1/sites/{siteId}/resident-notification-opt-outs/{phone}': {
    allow: FRONT_DESK,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/sites/${siteOf(s, fx)}/resident-notification-opt-outs/13800000001` }),
  },
  'notification DELETE /v1/sites/{siteId}/resident-notification-opt-outs/{phone}': {
    allow: FRONT_DESK,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/sites/${siteOf(s, fx)}/resident-notification-opt-outs/13800000001` }),
  },
  'notification GET /v1/on-call/contacts/staff/{staffId}': {
    allow: STAFF,
    scope: 'self',
    request: (s, _fx, me) => ({ path: `/v1/on-call/contacts/staff/${s === 'own' ? me : someoneElse}` }),
  },
  'notification PUT /v1/on-call/rotations/{id}': {
    allow: SCHEDULE_EDITORS,
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/on-call/rotations/${fx[s].rotationId}`, body: rotation(siteOf(s, fx)) }),
  },
  'notification POST /v1/on-call/overrides': {
    allow: SCHEDULE_EDITORS,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/on-call/overrides', body: override(siteOf(s, fx)) }),
  },
  'notification DELETE /v1/on-call/rotations/{id}': {
    allow: SCHEDULE_EDITORS,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/on-call/rotations/${fx[s].rotationId}` }),
  },
  'notification DELETE /v1/on-call/overrides/{id}': {
    allow: SCHEDULE_EDITORS,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/on-call/overrides/${fx[s].overrideId}` }),
  },

  // Integrators follow their own sites' orders (docs/adr/0030): the feed filters, a subscription is its integrator's.
  'intake GET /v1/feed': { allow: ['integrator'], scope: 'none', request: () => ({ path: '/v1/feed' }) },
  'notification GET /v1/subscriptions': {
    allow: ['integrator'],
    scope: 'none',
    request: () => ({ path: '/v1/subscriptions' }),
  },
  'notification POST /v1/subscriptions': {
    allow: ['integrator'],
    scope: 'site',
    request: (s, fx) => ({
      path: '/v1/subscriptions',
      body: { url: 'http://127.0.0.1:9/matrix', sites: [siteOf(s, fx)], eventTypes: ['*'] },
    }),
  },
  'notification GET /v1/subscriptions/{id}': {
    allow: ['integrator'],
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/subscriptions/${fx[s].subscriptionId}` }),
  },
  'notification GET /v1/subscriptions/{id}/deliveries': {
    allow: ['integrator'],
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/subscriptions/${fx[s].subscriptionId}/deliveries` }),
  },
  'notification DELETE /v1/subscriptions/{id}': {
    allow: ['integrator'],
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/subscriptions/${fx[s].subscriptionId}` }),
  },
  'intake GET /v1/residents': {
    allow: REGISTRY_READERS,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/residents', query: { site: siteOf(s, fx) } }),
  },
  'query GET /v1/callers/{phone}': {
    allow: CALLER_LOOKUP,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/callers/13900001234', query: { site: siteOf(s, fx) } }),
  },
  'intake POST /v1/residents': {
    allow: REGISTRY_KEEPERS,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/residents', body: priorityResident(siteOf(s, fx)) }),
  },
  'intake DELETE /v1/residents/{id}': {
    allow: REGISTRY_KEEPERS,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/residents/${fx[s].registrationId}`, query: { reason: 'moved out' } }),
  },

  'intake POST /v1/reports': {
    allow: FRONT_DESK,
    scope: 'site',
    request: (s, fx) => ({ path: '/v1/reports', body: report(siteOf(s, fx)) }),
  },
  'intake POST /v1/events': {
    allow: ['integrator'],
    scope: 'site',
    request: (s, fx) => ({
      path: '/v1/events',
      body: reportEvent(siteOf(s, fx)),
      headers: { 'content-type': CloudEventContentTypes.structured },
    }),
  },
  'intake POST /v1/work-orders/{reference}/follow-ups': {
    allow: FRONT_DESK,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/work-orders/${order(s, fx)}/follow-ups`, body: { channel: 'phone' } }),
  },
  // By number, as the resident reads it out: the lookup must hide another site's order as the id does.
  'intake POST /v1/work-orders/{reference}/confirmation': {
    allow: FRONT_DESK,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/work-orders/${fx[s].number}/confirmation`, body: { rating: 5 } }),
  },
  'intake POST /v1/work-orders/{reference}/rejection': {
    allow: FRONT_DESK,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/work-orders/${order(s, fx)}/rejection`, body: { comment: 'x' } }),
  },

  'intake POST /v1/inquiries': {
    allow: FRONT_DESK,
    scope: 'site',
    request: (s, fx) => ({
      path: '/v1/inquiries',
      body: { site: siteOf(s, fx), text: '物业费怎么交？', channel: 'app' },
    }),
  },
  // After the first "did not help" the inquiry is an order; asked again, the same order (202) for whoever may.
  'intake POST /v1/inquiries/{id}/not-helped': {
    allow: FRONT_DESK,
    scope: 'order',
    request: (s, fx) => ({ path: `/v1/inquiries/${fx[s].inquiryId}/not-helped`, body: {} }),
  },
  'intake GET /v1/knowledge-base/sites/{siteId}/answers': {
    allow: ['admin'],
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/knowledge-base/sites/${siteOf(s, fx)}/answers` }),
  },
  'intake PUT /v1/knowledge-base/sites/{siteId}/answers/{answerId}': {
    allow: ['admin'],
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/knowledge-base/sites/${siteOf(s, fx)}/answers/matrix-answer`, body: answer }),
  },
  'intake GET /v1/knowledge-base/sites/{siteId}/answers/{answerId}/history': {
    allow: ['admin'],
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/knowledge-base/sites/${siteOf(s, fx)}/answers/fees-rates/history` }),
  },
  'intake DELETE /v1/knowledge-base/sites/{siteId}/answers/{answerId}': {
    allow: ['admin'],
    scope: 'site',
    request: (s, fx) => ({ path: `/v1/knowledge-base/sites/${siteOf(s, fx)}/answers/matrix-answer` }),
  },

  // The relay's parked events span every site: the matrix's admin covers S1 only, so 403 ALL_SITES_REQUIRED
  // (an admin of every site is checked below).
  'intake GET /v1/admin/relay/parked-events': {
    allow: ['admin'],
    scope: 'none',
    request: () => ({ path: '/v1/admin/relay/parked-events' }),
    expect: { admin: { own: 403, other: 403 } },
  },
  'intake POST /v1/admin/relay/parked-events/{eventId}/retry': {
    allow: ['admin'],
    scope: 'none',
    request: () => ({ path: `/v1/admin/relay/parked-events/${randomUUID()}/retry`, body: {} }),
    expect: { admin: { own: 403, other: 403 } },
  },
  'intake POST /v1/admin/relay/parked-events/{eventId}/skip': {
    allow: ['admin'],
    scope: 'none',
    request: () => ({ path: `/v1/admin/relay/parked-events/${randomUUID()}/skip`, body: {} }),
    expect: { admin: { own: 403, other: 403 } },
  },

  ...Object.fromEntries(
    Object.entries(ACTIONS).map(([action, body]): [string, Entry] => [
      `dispatch POST /v1/work-orders/{id}/${action}`,
      // The fixture order is assigned to a rostered technician, who owns it: not the technician asking, who may
      // neither work it nor hand it over (an order nobody owns yet, they could take: see closed-loop.e2e.spec.ts).
      {
        allow: ORDER_ACTORS,
        scope: 'order',
        request: (s, fx) => ({ path: `/v1/work-orders/${order(s, fx)}/${action}`, body }),
        expect: { technician: { own: 403 } },
      },
    ]),
  ),
};

const expectedFor = (entry: Entry, caller: Caller, site: Site): Expected => {
  if (entry.allow === 'public') return 'authorized';
  if (caller === 'none') return 401;
  if (!entry.allow.includes(caller)) return 403;
  const special = entry.expect?.[caller]?.[site];
  if (special !== undefined) return special;
  if (site === 'own') return 'authorized';
  switch (entry.scope) {
    case 'order':
      return 404;
    case 'site':
      return 403;
    case 'none':
      return 'authorized';
    case 'self':
      // Someone else's, and not on call at the caller's sites: nobody's to see or change.
      return 403;
    default: {
      const never: never = entry.scope;
      throw new Error(`unknown scope ${String(never)}`);
    }
  }
};

const meets = (expected: Expected, status: number): boolean =>
  expected === 'authorized' ? status !== 401 && status !== 403 && status >= 200 && status < 500 : status === expected;

const routeKey = (r: Route) => `${r.service} ${r.method.toUpperCase()} ${r.path}`;

// ── the run ────────────────────────────────────────────────────────────────────────────────────────────────

const PORT_OFFSET = Number(new URL(urls.intake).port) - 3001;
const { SERVICES } = require('../../scripts/stack.js') as { SERVICES: readonly { name: string; port: number }[] };
const baseUrl = (service: string): string => {
  const port = SERVICES.find((s) => s.name === service)?.port;
  if (port === undefined) throw new Error(`no service ${service} in scripts/stack.js`);
  return `http://127.0.0.1:${port + PORT_OFFSET}`;
};

const send = (method: string, url: string, body: unknown, headers: Record<string, string>): Promise<HttpResult> => {
  switch (method) {
    case 'GET':
      return get(url, headers);
    case 'POST':
      return post(url, body ?? {}, headers);
    case 'PUT':
      return put(url, body ?? {}, headers);
    case 'DELETE':
      return del(url, headers);
    default:
      throw new Error(`teach the matrix to send ${method}`);
  }
};

interface Cell {
  readonly route: string;
  readonly caller: Caller;
  readonly site: Site;
  readonly expected: Expected;
  readonly status: number;
  readonly code: string;
}

describe('the authorization matrix: every route, every kind of caller, own site and another', () => {
  let stack: TestStack;
  let fixtures: Fixtures;
  const headersOf = {} as Record<Caller, Record<string, string>>;
  const staffIdOf = (caller: Caller) => `matrix-${caller}`;

  /** An urgent order (its alert goes to dispatch:<site>, nobody being on call yet), then a rotation and an override. */
  const siteFixtures = async (
    siteId: string,
    root: Record<string, string>,
  ): Promise<Omit<SiteFixtures, 'subscriptionId'>> => {
    const accepted = await post(
      `${urls.intake}/v1/reports`,
      report(siteId, `Burst pipe in the plant room of ${siteId}`),
    );
    if (accepted.status !== 202)
      throw new Error(`the ${siteId} fixture order was refused: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    const workOrderId = accepted.body['workOrderId'] as string;
    const alert = await eventually(`the urgent-order alert of ${siteId}`, async () => {
      const { body } = await get(`${urls.notification}/v1/alerts?workOrderId=${workOrderId}`, root);
      return (body['alerts'] as { alertId: string; kind: string; recipients: unknown }[] | undefined)?.find(
        (a) => a.kind === 'urgent-order',
      );
    });
    if (!JSON.stringify(alert.recipients).includes(`"dispatch:${siteId}"`))
      throw new Error(`the ${siteId} alert should go to dispatch:${siteId}: ${JSON.stringify(alert.recipients)}`);
    if (siteId === 'S1') await orderInStatus(workOrderId, 'assigned'); // to a rostered technician, not to the matrix's
    await eventually(`the ${siteId} order on the read side with its SLA`, async () =>
      (await get(`${urls.query}/v1/work-orders/${workOrderId}/sla`, root)).status === 200 ? true : undefined,
    );
    const rotationId = randomUUID();
    const rotated = await put(`${urls.notification}/v1/on-call/rotations/${rotationId}`, rotation(siteId), root);
    const covered = await post(`${urls.notification}/v1/on-call/overrides`, override(siteId), root);
    if (rotated.status !== 200 || covered.status !== 201)
      throw new Error(`the ${siteId} schedule fixtures were refused: ${rotated.status}, ${covered.status}`);
    // A storm digest listing the fixture alert, as the notification service leaves one it sent (storms take more
    // alerts than a fixture should raise; docs/adr/0012).
    const digestId = randomUUID();
    await stack.db.pool.query(
      `INSERT INTO notification_alert_digests (digest_id, site_id, batch_opened_at, window_seconds, staff_id, channel, destination, status, due_at, sent_at)
       VALUES ($1, $2, now(), 300, $3, 'webhook', '{"channel":"webhook","url":"http://127.0.0.1:9/","secrets":[]}', 'delivered', now(), now())`,
      [digestId, siteId, `dispatch:${siteId}`],
    );
    await stack.db.pool.query(
      'INSERT INTO notification_alert_digest_items (digest_id, alert_id, work_order_id) VALUES ($1, $2, $3)',
      [digestId, alert.alertId, workOrderId],
    );
    const asked = await post(
      `${urls.intake}/v1/inquiries`,
      { site: siteId, text: '物业费怎么交？', channel: 'app' },
      root,
    );
    if (asked.status !== 200)
      throw new Error(`the ${siteId} fixture inquiry was not answered: ${asked.status} ${JSON.stringify(asked.body)}`);
    const registered = await post(`${urls.intake}/v1/residents`, priorityResident(siteId), root);
    if (registered.status !== 201)
      throw new Error(`the ${siteId} priority registration was refused: ${registered.status}`);
    return {
      inquiryId: asked.body['inquiryId'] as string,
      siteId,
      registrationId: registered.body['registrationId'] as string,
      workOrderId,
      number: accepted.body['number'] as string,
      alertId: alert.alertId,
      rotationId,
      overrideId: covered.body['id'] as string,
      digestId,
    };
  };

  beforeAll(async () => {
    stack = await startTestStack('e2e-authz');
    const { apiKey } = await new IntegratorKeyStore(stack.db.pool, () => new Date()).register({
      integratorId: 'matrix-s1',
      name: 'Matrix S1',
      sites: ['S1'],
      eventTypes: ['*'],
    });
    headersOf.none = { authorization: '' };
    headersOf.integrator = { 'x-api-key': apiKey };
    for (const role of StaffRoles) headersOf[role] = await asStaff(staffIdOf(role), `Matrix ${role}`, [role], ['S1']);
    const root = await asStaff('matrix-root', 'Matrix Root', ['supervisor', 'admin'], ['*']);
    const [own, other] = await Promise.all([siteFixtures('S1', root), siteFixtures('S2', root)]);
    const { apiKey: s2Key } = await new IntegratorKeyStore(stack.db.pool, () => new Date()).register({
      integratorId: 'matrix-s2',
      name: 'Matrix S2',
      sites: ['S2'],
      eventTypes: ['*'],
    });
    const subscribe = async (siteId: string, key: Record<string, string>) => {
      const created = await post(
        `${urls.notification}/v1/subscriptions`,
        { url: 'http://127.0.0.1:9/matrix', sites: [siteId], eventTypes: [EventTypes.WorkOrderClosed] },
        key,
      );
      if (created.status !== 201) throw new Error(`the ${siteId} subscription was refused: ${created.status}`);
      return created.body['id'] as string;
    };
    fixtures = {
      own: { ...own, subscriptionId: await subscribe('S1', headersOf.integrator) },
      other: { ...other, subscriptionId: await subscribe('S2', { 'x-api-key': s2Key }) },
    };
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('has an entry for every route in the code, and no entry for a route that is not there', () => {
    const inCode = routesInCode().map(routeKey).sort();
    expect({
      withoutEntry: inCode.filter((k) => !(k in MATRIX)),
      notARoute: Object.keys(MATRIX).filter((k) => !inCode.includes(k)),
    }).toEqual({ withoutEntry: [], notARoute: [] });
  });

  it('answers every cell as the table says', async () => {
    const routes = Object.keys(MATRIX);
    console.log(
      `authorization matrix: ${routes.length} routes × ${CALLERS.length} callers × ${SITES.length} sites = ${routes.length * CALLERS.length * SITES.length} cells`,
    );
    const cells: Cell[] = [];
    // Another site's cells first: they must change nothing, so they see the fixtures as made.
    for (const site of ['other', 'own'] as const) {
      for (const route of routes) {
        const entry = MATRIX[route] as Entry;
        const [service, method] = route.split(' ') as [string, string];
        for (const caller of CALLERS) {
          const request = entry.request(site, fixtures, staffIdOf(caller));
          const url = `${baseUrl(service)}${request.path}${request.query ? `?${new URLSearchParams(request.query).toString()}` : ''}`;
          const result = await send(method, url, request.body, { ...request.headers, ...headersOf[caller] });
          const expected = expectedFor(entry, caller, site);
          cells.push({ route, caller, site, expected, status: result.status, code: String(result.body['code'] ?? '') });
          // A list that filters by site must not show another site's things, whatever it answers.
          if (entry.scope === 'none' && site === 'other') {
            const text = JSON.stringify(result.body);
            const leaked = [
              fixtures.other.workOrderId,
              fixtures.other.number,
              fixtures.other.alertId,
              fixtures.other.subscriptionId,
            ].filter((id) => text.includes(id));
            if (leaked.length > 0)
              cells.push({ route, caller, site, expected, status: result.status, code: `LEAKED ${leaked.join(', ')}` });
          }
        }
      }
    }
    const failures = cells.filter((c) => !meets(c.expected, c.status) || c.code.startsWith('LEAKED'));
    if (failures.length > 0) {
      const rows = failures.map((f) => [f.route, f.caller, f.site, String(f.expected), String(f.status), f.code]);
      const header = ['route', 'caller', 'site', 'expected', 'got', 'code'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
      const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i] as number)).join('  ');
      console.log(
        `authorization matrix: ${failures.length} of ${cells.length} cells disagree\n${[line(header), ...rows.map(line)].join('\n')}`,
      );
    }
    expect(
      failures.map((f) => `${f.route} as ${f.caller} (${f.site}): expected ${f.expected}, got ${f.status} ${f.code}`),
    ).toEqual([]);
  });

  // Beyond the matrix's own/other: a body naming one's own site must not take over another site's rotation.
  it("refuses to move another site's rotation into one's own site", async () => {
    const moved = await put(
      `${urls.notification}/v1/on-call/rotations/${fixtures.other.rotationId}`,
      rotation(fixtures.own.siteId),
      headersOf.supervisor,
    );
    expect([moved.status, moved.body['code']]).toEqual([403, 'SITE_NOT_ALLOWED']);
  });

  it("lets a supervisor keep the contacts of people on call at their sites, and of nobody else's", async () => {
    const everywhere = await asStaff('matrix-head-office', 'Head office', ['admin'], ['*']);
    for (const siteId of [fixtures.own.siteId, fixtures.other.siteId]) {
      const placed = await put(
        `${urls.notification}/v1/on-call/rotations/${randomUUID()}`,
        { ...rotation(siteId), members: [`${siteId.toLowerCase()}-contacts-on-call`] },
        everywhere,
      );
      expect(placed.status).toBe(200);
    }
    const ours = await put(
      `${urls.notification}/v1/on-call/contacts/staff/${fixtures.own.siteId.toLowerCase()}-contacts-on-call`,
      contacts,
      headersOf.supervisor,
    );
    expect(ours.status).toBe(200);
    const theirs = await put(
      `${urls.notification}/v1/on-call/contacts/staff/${fixtures.other.siteId.toLowerCase()}-contacts-on-call`,
      contacts,
      headersOf.supervisor,
    );
    expect([theirs.status, theirs.body['code']]).toEqual([403, 'NOT_YOURS']);
  });

  it("shows the relay's parked events to an admin of every site, and to no one else", async () => {
    const everywhere = await asStaff('matrix-ops', 'Operations', ['admin'], ['*']);
    const listed = await get(`${urls.intake}/v1/admin/relay/parked-events?status=all`, everywhere);
    expect([listed.status, listed.body['unresolved'], listed.body['events']]).toEqual([200, 0, []]);
    const unknown = await post(`${urls.intake}/v1/admin/relay/parked-events/${randomUUID()}/retry`, {}, everywhere);
    expect([unknown.status, unknown.body['code']]).toEqual([404, 'NOT_FOUND']);
    const malformed = await post(`${urls.intake}/v1/admin/relay/parked-events/not-an-id/skip`, {}, everywhere);
    expect([malformed.status, malformed.body['code']]).toEqual([422, 'VALIDATION_FAILED']);
    const oneSite = await get(`${urls.intake}/v1/admin/relay/parked-events`, headersOf.admin);
    expect([oneSite.status, oneSite.body['code']]).toEqual([403, 'ALL_SITES_REQUIRED']);
  });
});
