import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import {
  ChannelSchema,
  CloudEventContentTypes,
  FollowUpContactSchema,
  EventTypes,
  IntakeEventTypes,
  ReportDetails,
  readCloudEvent,
  ReportDetailsSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
} from '@closeloop/contracts';
import { fuzzBudgetLabel, fuzzOptions, TestDatabase } from '@closeloop/testing';
import fc from 'fast-check';
import type { ZodTypeAny } from 'zod';
import { FUZZ_SOURCE, IntakeUnderTest, partialWrites, startIntakeUnderTest } from './intake-under-test.spec';

/**
 * Property-based fuzzing of intake's HTTP edge (issue "hardened inputs"): thousands of generated malformed bodies,
 * headers and CloudEvents, sent to the real service running in this process on a fresh database and fresh topics,
 * must produce 2xx or 4xx problem details, never a 5xx, a crash or a partial write.
 *
 * FUZZ_RUNS (default 3000) is the total number of generated requests, shared out between the properties; raise it
 * for a deeper local run. FUZZ_SEED replays a failing run (fast-check prints the seed and path when one fails).
 */

const SOURCE = FUZZ_SOURCE;
const BODY_LIMIT_BYTES = 64 * 1024;

// ── Interesting text ─────────────────────────────────────────────────────────────────────────────────────────

const SQL_LIKE = [
  "'; DROP TABLE es_events; --",
  "Robert'); DROP TABLE intake_number_sequences;--",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10); --',
  '$1 $2 %s %n',
  '$$; DELETE FROM es_streams; $$',
  "E'\\\\x00'",
  "\\'; TRUNCATE access_integrators CASCADE; --",
];
const HTML_LIKE = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  '&lt;&amp;&#0;&#x0;',
  ']]><!--',
  "javascript:alert('x')",
];
const UNICODE_ODDITIES = [
  '报修：厨房水管爆裂，楼下漏水',
  '😀🔥💧🚿',
  '👨‍👩‍👧‍👦 family emoji (ZWJ)',
  'مرحبا، الماء يتسرب',
  'שלום, יש דליפה',
  '\u202Etxt.exe right-to-left override',
  '\u200B\u200C\u200D\uFEFF zero widths',
  'e\u0301\u0301\u0301 combining',
  'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇',
  'ｆｕｌｌｗｉｄｔｈ 𝕳𝖊𝖑𝖑𝖔',
  'line\r\nbreaks\tand\u2028separators\u2029',
  'a\u0000b',
  '\u0000',
  'lone high \ud800 surrogate',
  '\udfff lone low surrogate',
  '\ud83d',
];
const ODD_TEXT = [...SQL_LIKE, ...HTML_LIKE, ...UNICODE_ODDITIES];

const textArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_TEXT) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...ODD_TEXT), fc.string({ maxLength: 20 }), fc.constantFrom(...ODD_TEXT))
      .map((parts) => parts.join(' ')),
  },
);

/** Strings past every length limit, up to 100 kB of UTF-8, cut anywhere (so a surrogate pair may be split). */
const hugeStringArb = fc
  .tuple(fc.integer({ min: 4_001, max: 100_000 }), fc.constantFrom('x', '😀', 'ש', ' ', '报', 'a\u0000', '<b>'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const deeplyNestedArb = fc.integer({ min: 1, max: 3_000 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
  return value;
});

const badValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, -0, 1e308, -1e308, 2 ** 53 + 1, '', ' ', '\t\n ', [], {}),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double(),
  textArb,
  hugeStringArb,
  deeplyNestedArb,
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
);

// ── Reports ──────────────────────────────────────────────────────────────────────────────────────────────────

const phoneArb = fc.oneof(
  fc.stringMatching(/^\+?[0-9][0-9 -]{4,22}$/),
  fc.constantFrom('13812345678', '+86 138-1234-5678', '110'),
);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const validReportArb = fc.record({
  siteId: fc.oneof(
    { weight: 9, arbitrary: fc.constant('S1') },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/) },
  ),
  building: optional(fc.oneof(fc.constantFrom('1', '2', '3', 'A座', 'Tower 7'), textArb)),
  unit: optional(fc.oneof(fc.stringMatching(/^[0-9]{1,4}$/), textArb)),
  channel: fc.constantFrom(...ChannelSchema.options),
  reporter: optional(fc.record({ name: optional(textArb), phone: optional(phoneArb) })),
  category: optional(fc.stringMatching(/^[a-z][a-z0-9-]{0,47}$/)),
  description: textArb,
});

const REPORT_MUTATIONS = [
  'siteId',
  'building',
  'unit',
  'channel',
  'reporter',
  'reporter.name',
  'reporter.phone',
  'category',
  'description',
  '+extra',
  '-siteId',
  '-channel',
  '-description',
] as const;

const mutate = (value: Record<string, unknown>, field: string, bad: unknown): Record<string, unknown> => {
  const copy: Record<string, unknown> = { ...value };
  if (field.startsWith('-')) {
    delete copy[field.slice(1)];
  } else if (field === '+extra') {
    copy['priority'] = bad;
  } else if (field.includes('.')) {
    const [outer, inner] = field.split('.') as [string, string];
    copy[outer] = { ...((copy[outer] as Record<string, unknown> | undefined) ?? {}), [inner]: bad };
  } else {
    copy[field] = bad;
  }
  return copy;
};

const mutatedReportArb = fc
  .tuple(validReportArb, fc.constantFrom(...REPORT_MUTATIONS), badValueArb)
  .map(([report, field, bad]) => ({ body: mutate(report, field, bad), mutated: field }));

// ── The oracle's view of what intake may accept ──────────────────────────────────────────────────────────────

/** Text PostgreSQL can hold: no U+0000 and no unpaired UTF-16 surrogate (both are fine in JSON and JavaScript). */
const storable = (value: unknown): boolean => {
  if (typeof value === 'string') return !/\u0000|\p{Cs}/u.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value && typeof value === 'object') return Object.entries(value).every(([k, v]) => storable(k) && storable(v));
  return true;
};

/** What the server parses out of the bytes we send: undefined values dropped, NaN as null, and so on. */
const onTheWire = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

const acceptableReport = (wire: unknown): ReportDetails | undefined => {
  const parsed = ReportDetailsSchema.safeParse(wire);
  return parsed.success && storable(parsed.data) ? parsed.data : undefined;
};

// ── CloudEvents ──────────────────────────────────────────────────────────────────────────────────────────────

const INTAKE_TYPES = Object.values(IntakeEventTypes);
const numberLikeArb = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('S1', 'S2', 'X'),
      fc.integer({ min: 20260101, max: 20271231 }),
      fc.integer({ min: 1, max: 99_999 }),
    )
    .map(([site, day, n]) => `${site}-${day}-${String(n).padStart(4, '0')}`),
  fc.constantFrom('S1-20261123-0001', 'S1-00000000-0000', 'S1-99999999-99999999999'),
);

/** A reference to a work order: an index into the orders taken so far (resolved when sent), or a made-up one. */
type OrderPick = { readonly existing: number; readonly by: 'id' | 'number' } | { readonly made: string };
const orderPickArb: fc.Arbitrary<OrderPick> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ existing: fc.nat(), by: fc.constantFrom<'id' | 'number'>('id', 'number') }) },
  { weight: 2, arbitrary: fc.uuid().map((made) => ({ made })) },
  { weight: 2, arbitrary: numberLikeArb.map((made) => ({ made })) },
);

const feedbackDataArb = (type: string): fc.Arbitrary<Record<string, unknown>> => {
  switch (type) {
    case IntakeEventTypes.FollowUpContact:
      return fc.record({ channel: fc.constantFrom(...ChannelSchema.options), note: optional(textArb) });
    case IntakeEventTypes.ResolutionConfirmed:
      return fc.record({ rating: fc.integer({ min: 0, max: 6 }), comment: optional(textArb) });
    default:
      return fc.record({ comment: optional(textArb) });
  }
};

interface GeneratedEvent {
  readonly event: Record<string, unknown>;
  /** Set for feedback events: which order the data names, filled in when the event is sent. */
  readonly pick?: OrderPick;
  readonly mutated?: string;
}

const validEventArb: fc.Arbitrary<GeneratedEvent> = fc
  .tuple(
    fc.oneof(
      { weight: 6, arbitrary: fc.constant<string>(IntakeEventTypes.ReportSubmitted) },
      { weight: 4, arbitrary: fc.constantFrom<string>(...INTAKE_TYPES) },
    ),
    fc.uuid(),
    fc.option(
      fc
        .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      { nil: undefined },
    ),
    fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8'), { nil: undefined }),
    orderPickArb,
  )
  .chain(([type, id, time, datacontenttype, pick]) =>
    (type === IntakeEventTypes.ReportSubmitted
      ? (validReportArb as fc.Arbitrary<Record<string, unknown>>)
      : feedbackDataArb(type)
    ).map((data) => ({
      event: { specversion: '1.0', id, source: SOURCE, type, time, datacontenttype, data },
      ...(type === IntakeEventTypes.ReportSubmitted ? {} : { pick }),
    })),
  );

const attributeBadValues: Record<string, fc.Arbitrary<unknown>> = {
  specversion: fc.constantFrom<unknown>('0.3', '1', '1.0 ', '2.0', 1, 1.0, null, ''),
  id: fc.oneof(
    fc.constantFrom<unknown>('', 42, null, 'a\u0000b', '\ud800'),
    fc.string({ minLength: 257, maxLength: 2_000 }),
  ),
  source: fc.oneof(
    fc.constantFrom<unknown>('', '/integrators/', '/integrators/nobody', '/integrators/FUZZ', 'urn:x\u0000', null),
    fc.string({ minLength: 513, maxLength: 2_000 }),
  ),
  type: fc.oneof(
    fc.constantFrom<unknown>(
      '',
      'closeloop.workorder.reported.v1',
      'closeloop.intake.report-submitted.v2',
      'toString',
      '__proto__',
      null,
      7,
    ),
    fc.string({ maxLength: 300 }),
  ),
  time: fc.constantFrom<unknown>(
    'yesterday',
    '2026-13-45T25:61:61Z',
    '2026-11-23 09:00:00',
    '2026-11-23T09:00:00',
    1732345200,
    '',
    null,
  ),
  datacontenttype: fc.constantFrom<unknown>(
    'text/xml',
    'application/xml',
    'application/jsonx',
    'application/cloudevents+json',
    '',
    5,
    null,
  ),
  data: badValueArb,
  subject: fc.oneof(fc.constantFrom<unknown>(null, 1), fc.string({ minLength: 257, maxLength: 400 })),
  correlationid: fc.oneof(
    fc.constantFrom<unknown>('a\u0000b', '\udc00', null),
    fc.string({ minLength: 257, maxLength: 400 }),
    fc.constantFrom(...ODD_TEXT),
  ),
  workorderid: fc.constantFrom<unknown>('not-a-uuid', '', 1, '00000000-0000-0000-0000-00000000000g'),
  sequence: fc.constantFrom<unknown>('-1', '1.5', 'x', '12345678901234567890', 3),
  dataschema: fc.string({ minLength: 513, maxLength: 700 }),
  data_base64: fc.constantFrom<unknown>('eyJhIjoxfQ==', '!!!', 1),
  extension: badValueArb,
};
const EVENT_MUTATIONS = [
  ...Object.keys(attributeBadValues),
  '-specversion',
  '-id',
  '-source',
  '-type',
  '-data',
  'data.*',
] as const;

const mutatedEventArb: fc.Arbitrary<GeneratedEvent> = fc
  .tuple(validEventArb, fc.constantFrom(...EVENT_MUTATIONS), fc.constantFrom(...REPORT_MUTATIONS), badValueArb)
  .chain(([generated, attribute, dataField, bad]) => {
    if (attribute.startsWith('-')) {
      const event = { ...generated.event };
      delete event[attribute.slice(1)];
      return fc.constant({ ...generated, event, mutated: attribute });
    }
    if (attribute === 'data.*') {
      const data = mutate((generated.event['data'] ?? {}) as Record<string, unknown>, dataField, bad);
      return fc.constant({ ...generated, event: { ...generated.event, data }, mutated: `data.${dataField}` });
    }
    return (attributeBadValues[attribute] as fc.Arbitrary<unknown>).map((value) => ({
      ...generated,
      event: { ...generated.event, [attribute === 'extension' ? 'x-fuzz' : attribute]: value },
      mutated: attribute,
    }));
  });

const eventArb: fc.Arbitrary<GeneratedEvent> = fc.oneof(
  { weight: 2, arbitrary: validEventArb },
  { weight: 5, arbitrary: mutatedEventArb },
);

// ── Request parts ────────────────────────────────────────────────────────────────────────────────────────────

const jsonLikeContentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json;charset="UTF-8"',
  'application/json; charset=utf-16',
];
const otherContentTypes = [
  undefined,
  '',
  'text/plain',
  'application/xml',
  'text/html',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/jsonx',
  '*/*',
  'application/*',
  '/;;;=',
  'application/json; boundary=";',
  CloudEventContentTypes.structured,
  CloudEventContentTypes.batch,
];

const invalidJsonTextArb = fc.oneof(
  fc.constantFrom(
    '{',
    '[',
    '{"siteId": "S1",}',
    "{'siteId': 'S1'}",
    '{"a":1}{"b":2}',
    'NaN',
    '{"a": NaN}',
    '{"a": 01}',
    '/* c */ {}',
    '\ufeff{}',
    'null',
    '"text"',
    '42',
    'true',
    '{"a":"\\uZZZZ"}',
    '{"a":"\\ud800"}',
    '{"a":"\t"}',
    '',
  ),
  fc.string({ maxLength: 200 }),
  fc.jsonValue().map((v) => {
    const text = JSON.stringify(v);
    return text.slice(0, Math.max(0, text.length - 1));
  }),
);

/** Idempotency-Key values a fetch client can send (ByteStrings); each is either within the rule or not. */
const fetchableKeyArb = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e]{1,64}$/),
  fc.uuid(),
  fc.constantFrom(
    '',
    ' ',
    'a b',
    'tab\tinside',
    ' leading',
    'trailing ',
    'clé',
    '\u00ff\u00fe',
    Buffer.from('ключ', 'utf8').toString('latin1'),
  ),
  fc.integer({ min: 256, max: 8_000 }).map((n) => 'k'.repeat(n)),
  fc.constant('k'.repeat(255)),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).map((s) => Buffer.from(s, 'utf8').toString('latin1')),
);
/** Whether intake should take a key, as it arrives: HTTP drops whitespace around a header value. */
const keyIsValid = (key: string): boolean => /^[\x21-\x7e]{1,255}$/.test(key.replace(/^[\t ]+|[\t ]+$/g, ''));

/** Header bytes only a raw socket can send: control characters, DEL, raw UTF-8, obs-fold, oversize values. */
const rawKeyBytesArb = fc.oneof(
  fc.integer({ min: 0, max: 31 }).map((c) => Buffer.from([0x6b, c, 0x6b])),
  fc.constant(Buffer.from([0x7f])),
  fc.constant(Buffer.from('key\r\n continued', 'latin1')),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')),
  fc.integer({ min: 8_000, max: 40_000 }).map((n) => Buffer.alloc(n, 0x6b)),
);

// ── The service under test ──────────────────────────────────────────────────────────────────────────────────

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly header: (name: string) => string | undefined;
  /** A 400/431 written by Node's HTTP parser for bytes that are not HTTP: the app never saw the request. */
  readonly fromHttpParser?: boolean;
}

interface Tally {
  runs: number;
  statuses: Record<string, number>;
}

describe('intake HTTP edge under property-based fuzzing (in-process service, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let db: TestDatabase;
  let baseUrl: string;
  let port: number;
  let apiKey: string;
  const startedAt = Date.now();
  const tallies = new Map<string, Tally>();
  const findings = new Set<string>();
  /** Orders intake said it took, by id, with their numbers: feedback targets and the no-partial-writes check. */
  const orders: { workOrderId: string; number: string }[] = [];
  const acknowledged = new Set<string>();
  /** The event store's last global position as of the last answer: a refused request must leave it where it was. */
  let lastAcknowledgedPosition = '0';

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-fuzz');
    ({ db, baseUrl, apiKey } = intake);
    port = Number(new URL(baseUrl).port);
  }, 90_000);

  afterAll(async () => {
    const lines = [...tallies.entries()].map(
      ([name, t]) =>
        `  ${name}: ${t.runs} cases; ${Object.entries(t.statuses)
          .sort()
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`,
    );
    const cases = [...tallies.values()].reduce((sum, t) => sum + t.runs, 0);
    console.log(
      [
        `intake HTTP fuzzing: ${cases} generated requests in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${fuzzBudgetLabel()}); ${orders.length} work orders taken`,
        ...lines,
        findings.size === 0
          ? '  findings: no 5xx, no crash, no partial write'
          : `  findings (first distinct failures, shrinking included):\n    ${[...findings].join('\n    ')}`,
      ].join('\n'),
    );
    await intake?.stop();
  });

  // ── Sending and judging ────────────────────────────────────────────────────────────────────────────────────

  const count = (property: string, answer: Answer) => {
    const tally = tallies.get(property) ?? { runs: 0, statuses: {} };
    tally.runs += 1;
    const label = answer.fromHttpParser ? `${answer.status}(node-parser)` : String(answer.status);
    tally.statuses[label] = (tally.statuses[label] ?? 0) + 1;
    tallies.set(property, tally);
  };

  const post = async (
    path: string,
    body: string | Buffer | undefined,
    headers: Record<string, string | undefined>,
  ): Promise<Answer> => {
    const sent: Record<string, string> = { 'x-api-key': apiKey };
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) delete sent[name];
      else sent[name] = value;
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: sent,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      text,
      header: (name) => response.headers.get(name) ?? undefined,
    };
  };

  /** A request written byte for byte, for header values no HTTP client library will send. */
  const rawPost = (path: string, extraHeader: Buffer, body: Buffer): Promise<Answer> =>
    new Promise((resolveAnswer, reject) => {
      const head = Buffer.concat([
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
            `Content-Length: ${body.length}\r\nX-Api-Key: ${apiKey}\r\n`,
          'latin1',
        ),
        extraHeader,
        Buffer.from('\r\n\r\n', 'latin1'),
      ]);
      const socket = connect({ host: '127.0.0.1', port });
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        const raw = Buffer.concat(chunks);
        const split = raw.indexOf('\r\n\r\n');
        if (split < 0)
          return reject(new Error(`no HTTP answer (got ${raw.length} bytes: ${raw.toString('latin1').slice(0, 200)})`));
        const [statusLine, ...headerLines] = raw.subarray(0, split).toString('latin1').split('\r\n');
        const headers = new Map(
          headerLines.map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
        );
        const text = raw.subarray(split + 4).toString('utf8');
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? NaN);
        resolveAnswer({
          status,
          contentType: headers.get('content-type') ?? '',
          text,
          header: (name) => headers.get(name.toLowerCase()),
          fromHttpParser: (status === 400 || status === 431) && !headers.has('content-type') && text === '',
        });
      };
      socket.setTimeout(20_000, () => socket.destroy(new Error('no answer within 20 s')));
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', finish);
      socket.on('error', (error) => (chunks.length > 0 ? finish() : reject(error)));
      socket.write(Buffer.concat([head, body]));
    });

  const fail = (message: string): never => {
    // Shrinking fails many times over; the first few distinct messages are enough for the log.
    if (findings.size < 12)
      findings.add(
        message.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').slice(0, 400),
      );
    throw new Error(message);
  };

  const maxPosition = async (): Promise<string> =>
    (await db.pool.query<{ p: string }>('SELECT COALESCE(max(global_position), 0)::text AS p FROM es_events')).rows[0]
      ?.p ?? '0';

  /** Never a 5xx; every 4xx is problem details; a refused request wrote nothing. */
  const judge = async (what: string, answer: Answer): Promise<unknown> => {
    // Requests go one at a time, so whatever the store gained since the last 2xx was written by this request.
    const position = await maxPosition();
    const wrote = position !== lastAcknowledgedPosition;
    lastAcknowledgedPosition = position;
    if (!(answer.status >= 200 && answer.status < 300) && !(answer.status >= 400 && answer.status < 500)) {
      fail(
        `${what}: answered ${answer.status}${wrote ? ' after writing to the event store' : ''}: ${answer.text.slice(0, 300)}`,
      );
    }
    if (answer.status >= 300) {
      if (!answer.fromHttpParser) {
        if (!/^application\/problem\+json/.test(answer.contentType))
          fail(
            `${what}: ${answer.status} with content type ${answer.contentType || '(none)'}: ${answer.text.slice(0, 200)}`,
          );
        let problem: Record<string, unknown>;
        try {
          problem = JSON.parse(answer.text) as Record<string, unknown>;
        } catch {
          return fail(`${what}: ${answer.status} problem body is not JSON: ${answer.text.slice(0, 200)}`);
        }
        if (problem['status'] !== answer.status)
          fail(`${what}: problem status ${String(problem['status'])} on a ${answer.status}`);
        for (const member of ['code', 'title', 'detail'] as const) {
          if (typeof problem[member] !== 'string' || (problem[member] as string).length === 0)
            fail(`${what}: problem without a ${member}: ${answer.text.slice(0, 200)}`);
        }
      }
      if (wrote) fail(`${what}: refused with ${answer.status}, but written to the event store`);
      return undefined;
    }
    return answer.text === '' ? undefined : (JSON.parse(answer.text) as unknown);
  };

  const streamOf = async (workOrderId: string) =>
    (
      await db.pool.query<{ event_type: string; data: Record<string, unknown>; stream_version: number }>(
        'SELECT event_type, data, stream_version FROM es_events WHERE stream_id = $1 ORDER BY stream_version',
        [`workorder-${workOrderId}`],
      )
    ).rows;

  /** A report intake accepted reads back as exactly what was sent (after the contract's trimming). */
  const expectReportStored = async (
    what: string,
    report: ReportDetails,
    accepted: Record<string, unknown>,
  ): Promise<void> => {
    const workOrderId = accepted['workOrderId'];
    const number = accepted['number'];
    if (typeof workOrderId !== 'string' || typeof number !== 'string')
      return void fail(`${what}: 202 without workOrderId and number: ${JSON.stringify(accepted)}`);
    if (!['urgent', 'normal', 'planned'].includes(accepted['tier'] as string))
      fail(`${what}: 202 with tier ${String(accepted['tier'])}`);
    const events = await streamOf(workOrderId);
    if (accepted['linkedAsDuplicate']) {
      const linked = events.find(
        (e) => e.event_type === EventTypes.DuplicateReportLinked && e.data['description'] === report.description,
      );
      if (!linked)
        fail(
          `${what}: linked as a duplicate of ${workOrderId}, but that order has no linked report with the description`,
        );
    } else {
      const first = events[0];
      if (first?.event_type !== EventTypes.WorkOrderReported)
        return void fail(`${what}: order ${workOrderId} taken, but its stream does not start with its report`);
      const expected = onTheWire({
        workOrderId,
        number,
        siteId: report.siteId,
        building: report.building,
        unit: report.unit,
        channel: report.channel,
        reporter: { name: report.reporter.name, phone: report.reporter.phone },
        category: report.category,
        description: report.description,
      }) as Record<string, unknown>;
      const stored = { ...first.data };
      delete stored['reportedAt'];
      if (JSON.stringify(sortKeys(stored)) !== JSON.stringify(sortKeys(expected))) {
        fail(
          `${what}: stored report differs from the one sent:\n  stored   ${JSON.stringify(stored).slice(0, 300)}\n  expected ${JSON.stringify(expected).slice(0, 300)}`,
        );
      }
      if (!orders.some((o) => o.workOrderId === workOrderId)) orders.push({ workOrderId, number });
    }
    acknowledged.add(workOrderId);
  };

  /**
   * Feedback intake accepted is the last thing in the order's stream; a replay (a retried idempotency key) answers
   * with what the first attempt recorded, wherever that is.
   */
  const expectFeedbackStored = async (
    what: string,
    accepted: Record<string, unknown>,
    where: 'last' | 'anywhere',
  ): Promise<void> => {
    const workOrderId = accepted['workOrderId'];
    const types = accepted['events'];
    if (typeof workOrderId !== 'string' || !Array.isArray(types))
      return void fail(`${what}: 202 without workOrderId and events: ${JSON.stringify(accepted)}`);
    if (!acknowledged.has(workOrderId)) fail(`${what}: feedback taken for ${workOrderId}, an order intake never took`);
    const stored = (await streamOf(workOrderId)).map((e) => e.event_type);
    const runAt = (start: number) => types.every((type, i) => stored[start + i] === type);
    const found =
      where === 'last'
        ? runAt(stored.length - types.length)
        : stored.some((_, start) => runAt(start)) || types.length === 0;
    if (!found)
      fail(
        `${what}: answered events ${JSON.stringify(types)} but the stream ${where === 'last' ? 'ends' : 'holds'} ${JSON.stringify(stored.slice(-4))}`,
      );
  };

  /** Checks what an accepted integrator CloudEvent did. */
  const expectEventOutcome = async (what: string, event: unknown, accepted: Record<string, unknown>): Promise<void> => {
    const envelope = readCloudEvent(event);
    if (!envelope.ok)
      return void fail(`${what}: accepted a CloudEvent its contract refuses: ${envelope.issues[0]?.message}`);
    if (envelope.event.type === IntakeEventTypes.ReportSubmitted) {
      const report = acceptableReport(envelope.event.data);
      if (!report)
        return void fail(
          `${what}: accepted report data the contract refuses: ${JSON.stringify(envelope.event.data).slice(0, 200)}`,
        );
      await expectReportStored(what, report, accepted);
    } else {
      // A CloudEvent's answer does not say whether it was a redelivery.
      await expectFeedbackStored(what, accepted, 'anywhere');
    }
  };

  const expectAcceptedReport = async (
    what: string,
    isEvent: boolean,
    report: unknown,
    accepted: Record<string, unknown>,
  ): Promise<void> => {
    const details = acceptableReport(onTheWire(report));
    if (!details) return void fail(`${what}: accepted${isEvent ? ' an event with' : ''} a report the contract refuses`);
    await expectReportStored(what, details, accepted);
  };

  /** A batch taken is answered with one result per event, in order; the accepted ones did what they asked. */
  const expectBatchOutcome = async (what: string, sent: unknown, accepted: Record<string, unknown>): Promise<void> => {
    const results = accepted['results'] as Record<string, unknown>[] | undefined;
    if (!Array.isArray(sent) || !Array.isArray(results) || results.length !== sent.length)
      return void fail(`${what}: 202 without a result per event`);
    for (const [index, result] of results.entries()) {
      if (result['outcome'] === 'accepted') await expectEventOutcome(`${what} [${index}]`, sent[index], result);
      else if (
        result['outcome'] !== 'rejected' ||
        typeof (result['problem'] as Record<string, unknown> | undefined)?.['code'] !== 'string'
      ) {
        fail(`${what} [${index}]: result neither accepted nor rejected with a problem code: ${JSON.stringify(result)}`);
      }
    }
  };

  const resolvePick = (pick: OrderPick | undefined): { workOrderId?: string; number?: string } => {
    if (!pick) return {};
    if ('made' in pick) return /^[0-9a-f-]{36}$/.test(pick.made) ? { workOrderId: pick.made } : { number: pick.made };
    const order = orders[pick.existing % Math.max(1, orders.length)];
    if (!order) return { number: 'S1-20260101-0001' };
    return pick.by === 'id' ? { workOrderId: order.workOrderId } : { number: order.number };
  };

  const withReference = (generated: GeneratedEvent): Record<string, unknown> => {
    if (!generated.pick) return generated.event;
    const data = generated.event['data'];
    if (!data || typeof data !== 'object' || Array.isArray(data)) return generated.event;
    return { ...generated.event, data: { ...resolvePick(generated.pick), ...(data as Record<string, unknown>) } };
  };

  /** The event with its data as data_base64, the way the SDKs send bytes (CloudEvents JSON format 3.1.1). */
  const withDataAsBase64 = (event: Record<string, unknown>): Record<string, unknown> => {
    const { data, ...rest } = event;
    const json = JSON.stringify(data);
    return json === undefined ? event : { ...rest, data_base64: Buffer.from(json, 'utf8').toString('base64') };
  };

  /**
   * The event in binary mode (HTTP binding 3.1): each attribute a percent-encoded ce- header, the data the body, its
   * content type datacontenttype's. Also what intake should read back from those bytes, for the oracle.
   */
  const asBinaryMode = (event: Record<string, unknown>) => {
    const headers: Record<string, string> = {};
    const sent: Record<string, unknown> = {};
    for (const [attribute, value] of Object.entries(event)) {
      if (value === undefined || attribute === 'data' || attribute === 'datacontenttype') continue;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      sent[attribute] = text;
      try {
        headers[`ce-${attribute}`] = encodeURIComponent(text);
      } catch {
        // A lone surrogate has no UTF-8: send the escape of one, which intake must refuse.
        headers[`ce-${attribute}`] = '%ED%A0%80';
      }
    }
    const contentType = event['datacontenttype'];
    headers['content-type'] = typeof contentType === 'string' ? contentType : 'application/json';
    const body = event['data'] === undefined ? undefined : JSON.stringify(event['data']);
    return {
      headers,
      body,
      sent: { ...sent, datacontenttype: headers['content-type'], data: onTheWire(event['data']) },
    };
  };

  const expectHealthy = async () => {
    const response = await fetch(`${baseUrl}/health`);
    if (response.status !== 200) fail(`health answered ${response.status} after fuzzing`);
  };

  // ── Properties ─────────────────────────────────────────────────────────────────────────────────────────────

  it('answers arbitrary JSON values, on every intake route, with 2xx or 4xx problem details', async () => {
    const routeArb = fc.constantFrom(
      { path: '/v1/reports', type: 'application/json' },
      { path: '/v1/events', type: CloudEventContentTypes.structured },
      { path: '/v1/events', type: CloudEventContentTypes.batch },
      { path: '/v1/work-orders/S1-20261123-0001/follow-ups', type: 'application/json' },
      { path: '/v1/work-orders/2f1d0d3c-4e0b-4c39-9a6c-0c6f8a2f4d11/confirmation', type: 'application/json' },
    );
    const valueArb = fc.oneof(
      fc.jsonValue(),
      fc.anything({ withNullPrototype: true, withObjectString: true, withSparseArray: true, withBoxedValues: true }),
    );
    await fc.assert(
      fc.asyncProperty(routeArb, valueArb, async (route, value) => {
        let body: string | undefined;
        try {
          body = JSON.stringify(value);
        } catch {
          body = undefined;
        }
        const answer = await post(route.path, body, { 'content-type': route.type });
        count('arbitrary JSON values', answer);
        const accepted = (await judge(`${route.path} ${route.type} ${String(body).slice(0, 120)}`, answer)) as
          Record<string, unknown> | undefined;
        if (!accepted) return;
        const what = `${route.path} ${String(body).slice(0, 200)}`;
        if (route.path === '/v1/reports') {
          const report = acceptableReport(onTheWire(value));
          if (!report) fail(`${what}: accepted a report the contract refuses`);
          else await expectReportStored(what, report, accepted);
        } else if (route.type === CloudEventContentTypes.batch) {
          await expectBatchOutcome(what, onTheWire(value), accepted);
        } else if (route.type === CloudEventContentTypes.structured) {
          await expectEventOutcome(what, onTheWire(value), accepted);
        } else {
          await expectFeedbackStored(what, accepted, 'anywhere');
        }
      }),
      fuzzOptions(0.12),
    );
  });

  it('takes valid reports and reads them back exactly; refuses reports with one field mutated, with 4xx problem details', async () => {
    const caseArb = fc.oneof(
      {
        weight: 2,
        arbitrary: validReportArb.map((body) => ({ body: body as Record<string, unknown>, mutated: 'none' })),
      },
      { weight: 5, arbitrary: mutatedReportArb },
    );
    const keyArb = fc.option(fc.oneof(fc.uuid(), fc.stringMatching(/^[\x21-\x7e]{1,64}$/)), {
      nil: undefined,
      freq: 3,
    });
    await fc.assert(
      fc.asyncProperty(caseArb, keyArb, async ({ body, mutated }, key) => {
        const text = JSON.stringify(body);
        const answer = await post('/v1/reports', text, { 'content-type': 'application/json', 'idempotency-key': key });
        count('reports, valid and one field mutated', answer);
        const what = `report (mutated ${mutated}) ${text.slice(0, 160)}`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        const report = Buffer.byteLength(text) <= BODY_LIMIT_BYTES ? acceptableReport(onTheWire(body)) : undefined;
        if (accepted) {
          if (!report) return void fail(`${what}: accepted, but the contract refuses it`);
          await expectReportStored(what, report, accepted);
        } else if (report && report.siteId === 'S1' && key === undefined) {
          fail(
            `${what}: a valid report for the integrator's own site was refused with ${answer.status}: ${answer.text.slice(0, 200)}`,
          );
        }
      }),
      fuzzOptions(0.2),
    );
    expect(orders.length).toBeGreaterThan(0);
  });

  it('refuses unreadable bodies, wrong content types, odd Idempotency-Key headers and oversize bodies with 4xx problem details', async () => {
    const validBody = (report: unknown) => JSON.stringify(report);
    const caseArb = fc.oneof(
      invalidJsonTextArb.map((text) => ({
        kind: 'invalid JSON',
        body: text,
        contentType: 'application/json' as string | undefined,
        key: undefined as string | undefined,
      })),
      fc
        .tuple(validReportArb, fc.constantFrom(...otherContentTypes, ...jsonLikeContentTypes))
        .map(([report, contentType]) => ({
          kind: 'content type',
          body: validBody(report),
          contentType,
          key: undefined as string | undefined,
        })),
      fc.tuple(validReportArb, fetchableKeyArb).map(([report, key]) => ({
        kind: 'Idempotency-Key',
        body: validBody(report),
        contentType: 'application/json' as string | undefined,
        key,
      })),
      fc
        .tuple(fc.integer({ min: BODY_LIMIT_BYTES + 1, max: 300_000 }), fc.constantFrom('report', 'junk', 'array'))
        .map(([size, shape]) => ({
          kind: 'oversize',
          body:
            shape === 'report'
              ? validBody({ siteId: 'S1', channel: 'phone', description: 'x'.repeat(size) })
              : shape === 'array'
                ? `[${'1,'.repeat(Math.floor(size / 2))}1]`
                : 'z'.repeat(size),
          contentType: 'application/json' as string | undefined,
          key: undefined as string | undefined,
        })),
    );
    const pathArb = fc.constantFrom('/v1/reports', '/v1/work-orders/S1-20261123-0001/follow-ups');
    await fc.assert(
      fc.asyncProperty(caseArb, pathArb, async (c, path) => {
        const answer = await post(path, c.body, { 'content-type': c.contentType, 'idempotency-key': c.key });
        count(`bodies and headers: ${c.kind}`, answer);
        const what = `${path} ${c.kind} content-type=${JSON.stringify(c.contentType)} key=${JSON.stringify(c.key?.slice(0, 40))} body=${c.body.slice(0, 100)}`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        if (c.kind === 'oversize' && /json/i.test(c.contentType ?? '') && answer.status !== 413)
          fail(`${what}: a ${c.body.length}-byte JSON body got ${answer.status}, not 413`);
        if (c.key !== undefined && !keyIsValid(c.key) && accepted)
          fail(`${what}: an Idempotency-Key outside the rule was accepted`);
        if (accepted && path === '/v1/reports') {
          const report = acceptableReport(JSON.parse(c.body));
          if (!report) return void fail(`${what}: accepted, but the contract refuses it`);
          await expectReportStored(what, report, accepted);
        }
      }),
      fuzzOptions(0.08),
    );
  });

  it('refuses Idempotency-Key bytes no client library sends (control characters, raw UTF-8, oversize) with a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawKeyBytesArb, validReportArb, async (keyBytes, report) => {
        const answer = await rawPost(
          '/v1/reports',
          Buffer.concat([Buffer.from('Idempotency-Key: ', 'latin1'), keyBytes]),
          Buffer.from(JSON.stringify(report), 'utf8'),
        );
        count('raw Idempotency-Key bytes', answer);
        const what = `raw Idempotency-Key ${JSON.stringify(keyBytes.toString('latin1').slice(0, 40))} (${keyBytes.length} bytes)`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        if (!accepted) return;
        if (!keyIsValid(keyBytes.toString('latin1'))) fail(`${what}: accepted`);
        const stored = acceptableReport(onTheWire(report));
        if (!stored) return void fail(`${what}: accepted, but the contract refuses the report`);
        await expectReportStored(what, stored, accepted);
      }),
      fuzzOptions(0.05),
    );
  });

  it('answers structured CloudEvents with mutated attributes with 202 or 4xx problem details, and does what the accepted ones ask', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, fc.boolean(), async (generated, asBase64) => {
        const event = asBase64 ? withDataAsBase64(withReference(generated)) : withReference(generated);
        const text = JSON.stringify(event);
        const answer = await post('/v1/events', text, { 'content-type': CloudEventContentTypes.structured });
        count(asBase64 ? 'structured CloudEvents, data_base64' : 'structured CloudEvents', answer);
        const what = `CloudEvent (mutated ${generated.mutated ?? 'none'}) ${text.slice(0, 200)}`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        if (accepted) await expectEventOutcome(what, onTheWire(event), accepted);
        else if (generated.mutated === undefined && event['type'] === IntakeEventTypes.ReportSubmitted) {
          const report = acceptableReport(onTheWire(generated.event['data']));
          if (report?.siteId === 'S1' && answer.status !== 409)
            fail(`${what}: a valid report event was refused with ${answer.status}: ${answer.text.slice(0, 200)}`);
        }
      }),
      fuzzOptions(0.13),
    );
  });

  it('answers binary-mode CloudEvents (ce- headers, the data as the body) with mutated attributes with 202 or 4xx problem details, and does what the accepted ones ask', async () => {
    await fc.assert(
      fc.asyncProperty(eventArb, async (generated) => {
        const event = withReference(generated);
        const { headers, body, sent } = asBinaryMode(event);
        let answer = await post('/v1/events', body, headers);
        // Node's HTTP parser answers headers over its 16 kB limit itself, before the app sees them.
        if (answer.status === 431 && answer.contentType === '') answer = { ...answer, fromHttpParser: true };
        count('binary-mode CloudEvents', answer);
        const what = `binary CloudEvent (mutated ${generated.mutated ?? 'none'}) ${JSON.stringify(headers).slice(0, 200)} ${String(body).slice(0, 100)}`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        if (accepted) await expectEventOutcome(what, sent, accepted);
        else if (generated.mutated === undefined && event['type'] === IntakeEventTypes.ReportSubmitted) {
          const report = acceptableReport(onTheWire(event['data']));
          if (report?.siteId === 'S1' && answer.status !== 409)
            fail(`${what}: a valid report event was refused with ${answer.status}: ${answer.text.slice(0, 200)}`);
        }
      }),
      fuzzOptions(0.1),
    );
  });

  it('answers CloudEvent batches with 202 and a result per event, or refuses the whole batch with 4xx problem details', async () => {
    const batchArb = fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .array(eventArb, { minLength: 1, maxLength: 6 })
          .map((events) => ({ events, extra: undefined as unknown })),
      },
      {
        weight: 1,
        arbitrary: fc
          .array(validEventArb, { minLength: 101, maxLength: 103 })
          .map((events) => ({ events, extra: undefined as unknown })),
      },
      { weight: 1, arbitrary: badValueArb.map((extra) => ({ events: [] as GeneratedEvent[], extra })) },
    );
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ events, extra }) => {
        const body = extra === undefined ? events.map(withReference) : extra;
        const text = JSON.stringify(body) ?? '';
        const answer = await post('/v1/events', text, { 'content-type': CloudEventContentTypes.batch });
        count('CloudEvent batches', answer);
        const what = `batch of ${events.length} (${events.map((e) => e.mutated ?? 'valid').join(', ')}) ${text.slice(0, 160)}`;
        const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
        if (accepted) await expectBatchOutcome(what, onTheWire(body), accepted);
      }),
      fuzzOptions(0.08),
    );
  });

  it('answers resident feedback on random references with random bodies with 2xx or 4xx problem details', async () => {
    const junkReferenceArb = fc.oneof(
      fc.constantFrom(
        '..',
        '..%2F..%2Fv1%2Freports',
        '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
        '..%5C..%5Cwindows',
        '%00',
        'S1-20261123-0001%00',
        '%ZZ',
        '%E0%A4%A',
        '%ED%A0%80',
        '%C0%AE%C0%AE',
        'x'.repeat(5_000),
        '%20',
        '+',
        '__proto__',
        'constructor',
        "1'%20OR%20'1'%3D'1",
      ),
      fc.string({ minLength: 1, maxLength: 40 }).map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return 'lone-surrogate';
        }
      }),
      fc.constantFrom(...ODD_TEXT).map((s) => {
        try {
          return encodeURIComponent(s);
        } catch {
          return encodeURIComponent(s.replace(/\p{Cs}/gu, '?'));
        }
      }),
      fc.integer().map(String),
    );
    const feedbackSchemas: Record<string, ZodTypeAny> = {
      'follow-ups': FollowUpContactSchema,
      confirmation: ResolutionConfirmedSchema,
      rejection: ResolutionRejectedSchema,
    };
    const referenceArb = fc.oneof(
      { weight: 3, arbitrary: orderPickArb.map((pick) => ({ pick, junk: undefined as string | undefined })) },
      { weight: 2, arbitrary: junkReferenceArb.map((junk) => ({ pick: undefined as OrderPick | undefined, junk })) },
    );
    const actionArb = fc.constantFrom(
      { route: 'follow-ups', type: IntakeEventTypes.FollowUpContact },
      { route: 'confirmation', type: IntakeEventTypes.ResolutionConfirmed },
      { route: 'rejection', type: IntakeEventTypes.ResolutionRejected },
    );
    const bodyArb = actionArb.chain((action) =>
      fc.oneof(
        feedbackDataArb(action.type).map((body) => ({ action, body: body as unknown })),
        fc
          .tuple(
            feedbackDataArb(action.type),
            fc.constantFrom('channel', 'note', 'rating', 'comment', 'workOrderId', '+extra'),
            badValueArb,
          )
          .map(([body, field, bad]) => ({
            action,
            body: mutate(body, field, bad) as unknown,
          })),
        fc.jsonValue().map((body) => ({ action, body: body as unknown })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        referenceArb,
        bodyArb,
        fc.option(fetchableKeyArb, { nil: undefined, freq: 4 }),
        async (reference, { action, body }, key) => {
          const picked = resolvePick(reference.pick);
          const segment = reference.junk ?? encodeURIComponent(picked.workOrderId ?? picked.number ?? '');
          const path = `/v1/work-orders/${segment}/${action.route}`;
          const text = JSON.stringify(body) ?? '';
          const answer = await post(path, text, { 'content-type': 'application/json', 'idempotency-key': key });
          count('resident feedback routes', answer);
          const what = `POST ${path.slice(0, 200)} key=${JSON.stringify(key?.slice(0, 40))} ${text.slice(0, 160)}`;
          const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
          if (!accepted) return;
          const feedback = feedbackSchemas[action.route].safeParse(onTheWire(body));
          if (!feedback.success || !storable(feedback.data)) fail(`${what}: accepted feedback its contract refuses`);
          if (key !== undefined && !keyIsValid(key)) fail(`${what}: accepted with an Idempotency-Key outside the rule`);
          await expectFeedbackStored(
            what,
            accepted,
            answer.header('idempotent-replayed') === 'true' ? 'anywhere' : 'last',
          );
        },
      ),
      fuzzOptions(0.19),
    );
    await expectHealthy();
  });

  it('refuses requests without a valid API key or staff token with 401 problem details, and writes nothing', async () => {
    const keyId = /^clk_([0-9a-f]{12})_/.exec(apiKey)?.[1] ?? '000000000000';
    type Credentials = { readonly apiKey?: string; readonly authorization?: string };
    const credentialsArb: fc.Arbitrary<Credentials> = fc.oneof(
      fc.constantFrom<Credentials>(
        {},
        { apiKey: '' },
        { apiKey: 'clk_' },
        { apiKey: apiKey.toUpperCase() },
        { apiKey: `${apiKey}x` },
        { apiKey: apiKey.slice(0, -1) },
        { apiKey: `clk_${'0'.repeat(12)}_${'A'.repeat(43)}` },
        { authorization: 'Bearer' },
        { authorization: `Bearer ${apiKey}` },
        { authorization: 'Basic dXNlcjpwYXNz' },
        // An unsigned token ("alg": "none") must never pass for a staff member.
        {
          authorization:
            'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl0sInNpdGVzIjpbIioiXX0.',
        },
        { authorization: 'Bearer a.b.c' },
      ),
      fc.string({ maxLength: 200 }).map((junk) => ({ apiKey: junk })),
      fc.stringMatching(/^clk_[0-9a-f]{0,14}_[A-Za-z0-9_-]{0,50}$/).map((junk) => ({ apiKey: junk })),
      fc.string({ maxLength: 100 }).map((junk) => ({ authorization: `Bearer ${junk}` })),
      // The real key id with a wrong secret: the slow hash runs, so only a few of these.
      {
        weight: 1,
        arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((secret) => ({ apiKey: `clk_${keyId}_${secret}` })),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        credentialsArb,
        validReportArb,
        fc.constantFrom('/v1/reports', '/v1/events'),
        async (credentials, report, path) => {
          const isEvents = path === '/v1/events';
          const body = JSON.stringify(
            isEvents
              ? {
                  specversion: '1.0',
                  id: randomUUID(),
                  source: SOURCE,
                  type: IntakeEventTypes.ReportSubmitted,
                  data: report,
                }
              : report,
          );
          const answer = await post(path, body, {
            'content-type': isEvents ? CloudEventContentTypes.structured : 'application/json',
            'x-api-key': credentials.apiKey,
            authorization: credentials.authorization,
          });
          count('credentials', answer);
          const what = `${path} with ${JSON.stringify(credentials).slice(0, 160)}`;
          const accepted = (await judge(what, answer)) as Record<string, unknown> | undefined;
          // HTTP drops whitespace around a header value, so a key with only that added is the real key.
          if (credentials.apiKey?.trim() === apiKey) {
            if (accepted) await expectAcceptedReport(what, isEvents, report, accepted);
            return;
          }
          if (answer.status !== 401 && answer.status !== 429)
            fail(`${what}: answered ${answer.status}, not 401: ${answer.text.slice(0, 200)}`);
          if (answer.status === 401 && answer.header('www-authenticate') === undefined)
            fail(`${what}: 401 without WWW-Authenticate`);
        },
      ),
      fuzzOptions(0.03),
    );
  });

  it('refuses request bodies it cannot decode (unknown charsets, content encodings) with 4xx problem details', async () => {
    const caseArb = fc.tuple(
      validReportArb,
      fc.constantFrom(
        { contentType: 'application/json; charset=latin1', encoding: undefined },
        { contentType: 'application/json; charset=iso-8859-1', encoding: undefined },
        { contentType: 'application/json; charset=windows-1252', encoding: undefined },
        { contentType: 'application/json; charset=no-such-charset', encoding: undefined },
        { contentType: 'application/json', encoding: 'gzip' },
        { contentType: 'application/json', encoding: 'deflate' },
        { contentType: 'application/json', encoding: 'br' },
        { contentType: 'application/json', encoding: 'x-unknown' },
        { contentType: CloudEventContentTypes.structured, encoding: 'compress' },
      ),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async ([report, { contentType, encoding }]) => {
        // The body is plain JSON whatever the headers claim: a client that lies about the encoding is refused.
        const answer = await post('/v1/reports', JSON.stringify(report), {
          'content-type': contentType,
          'content-encoding': encoding,
        });
        count('undecodable bodies', answer);
        await judge(`/v1/reports content-type=${contentType} content-encoding=${encoding ?? '(none)'}`, answer);
      }),
      fuzzOptions(0.02),
    );
  });

  // ── Deterministic cases ────────────────────────────────────────────────────────────────────────────────────

  it('stores SQL-looking and HTML-looking text byte for byte', async () => {
    const cases = [
      {
        description: "'; DROP TABLE es_events; --",
        building: 'fuzz-sql',
        reporter: { name: "Robert'); DROP TABLE intake_number_sequences;--" },
      },
      {
        description: '<script>alert(1)</script>',
        building: 'fuzz-html',
        reporter: { name: '<img src=x onerror=alert(1)>' },
      },
    ];
    for (const c of cases) {
      const sent = { siteId: 'S1', channel: 'phone', ...c };
      const answer = await post('/v1/reports', JSON.stringify(sent), { 'content-type': 'application/json' });
      count('verbatim SQL and HTML', answer);
      expect(answer.status).toBe(202);
      const accepted = (await judge('verbatim text', answer)) as { workOrderId: string };
      const [reported] = await streamOf(accepted.workOrderId);
      expect(reported?.event_type).toBe(EventTypes.WorkOrderReported);
      const stored = reported?.data as { description: string; building: string; reporter: { name: string } };
      expect(Buffer.from(stored.description, 'utf8').equals(Buffer.from(c.description, 'utf8'))).toBe(true);
      expect(Buffer.from(stored.reporter.name, 'utf8').equals(Buffer.from(c.reporter.name, 'utf8'))).toBe(true);
      expect(stored.building).toBe(c.building);
      await expectReportStored('verbatim text', acceptableReport(sent) as ReportDetails, accepted);
    }
    const { rows } = await db.pool.query<{ tables: string[] }>(
      "SELECT array_agg(table_name::text ORDER BY table_name) AS tables FROM information_schema.tables WHERE table_name IN ('es_events', 'es_streams', 'intake_number_sequences')",
    );
    expect(rows[0]?.tables).toEqual(['es_events', 'es_streams', 'intake_number_sequences']);
  });

  it('left no partial writes: every stream is a work order that starts with its report at version 1 and holds only valid events', async () => {
    const numbers: { siteId: string; day: string; sequence: number; number: string }[] = [];
    const stored = await partialWrites(db.pool, ({ streamId, events, report }) => {
      const problems: string[] = [];
      const workOrderId = report.data['workOrderId'] as string;
      if (!acknowledged.has(workOrderId))
        problems.push(`${streamId} was written, but no request that created it was answered 2xx`);
      for (const event of events) {
        if (event.metadata['workOrderId'] !== workOrderId)
          problems.push(
            `${streamId}@${event.stream_version} carries metadata of ${String(event.metadata['workOrderId'])}`,
          );
        if ('workOrderId' in event.data && event.data['workOrderId'] !== workOrderId)
          problems.push(`${streamId}@${event.stream_version} names order ${String(event.data['workOrderId'])}`);
      }
      const number = report.data['number'] as string;
      const match = /^(.+)-(\d{4})(\d{2})(\d{2})-(\d{4,})$/.exec(number);
      if (!match) problems.push(`${streamId} has number ${number}`);
      else
        numbers.push({
          siteId: match[1] as string,
          day: `${match[2]}-${match[3]}-${match[4]}`,
          sequence: Number(match[5]),
          number,
        });
      return problems;
    });
    const problems = [...stored.problems];
    for (const workOrderId of acknowledged) {
      if (!stored.streamIds.includes(`workorder-${workOrderId}`))
        problems.push(`order ${workOrderId} was acknowledged but has no stream`);
    }
    // Intake's own tables: a number handed out is within its day's sequence.
    const sequences = (
      await db.pool.query<{ site_id: string; local_date: string; last_value: number }>(
        "SELECT site_id, to_char(local_date, 'YYYY-MM-DD') AS local_date, last_value FROM intake_number_sequences",
      )
    ).rows;
    for (const n of numbers) {
      const row = sequences.find((s) => s.site_id === n.siteId && s.local_date === n.day);
      if (!row || row.last_value < n.sequence)
        problems.push(`number ${n.number} is beyond its sequence (${row ? row.last_value : 'no row'})`);
    }
    problems.slice(0, 5).forEach((p) => findings.add(`partial write: ${p}`));
    expect(problems).toEqual([]);
    expect(stored.streamIds.length).toBeGreaterThan(0);
    await expectHealthy();
  });
});

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  return value;
};
