import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  ChannelSchema,
  CloudEventSchema,
  DeadLetterHeaders,
  deadLetterTopicOf,
  EventTypes,
  IntakeEventTypes,
  ReportDetailsSchema,
} from '@closeloop/contracts';
import { eventually, FUZZ_RUNS, FUZZ_SEED, TestDatabase, testKafka } from '@closeloop/testing';
import fc from 'fast-check';
import { Consumer, IHeaders, Kafka, Producer } from 'kafkajs';
import { FUZZ_SOURCE, IntakeUnderTest, partialWrites, startIntakeUnderTest } from './intake-under-test.spec';

/**
 * Property-based fuzzing of intake's Kafka path (issue "hardened inputs"): about a thousand generated malformed
 * messages on `<prefix>workorders.intake` must each land on its dead-letter topic, at the first attempt, byte for
 * byte and with the reason in its headers; the valid ones among them must each create exactly one work order; the
 * consumer must keep consuming; and nothing may be half written.
 *
 * FUZZ_RUNS (default 3000, shared with the HTTP fuzzing file) sets the number of malformed messages to a third of
 * it; FUZZ_SEED replays a run (the seed is printed in the summary).
 */
const MALFORMED_COUNT = Math.max(30, Math.round(FUZZ_RUNS / 3));
// Unlike the HTTP fuzzing's, this run always has a seed: the summary prints it, so any run can be replayed.
const SEED = FUZZ_SEED ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const VALID_COUNT = 24;
const PARTITIONS = 6;

const SOURCE = FUZZ_SOURCE;
const INTAKE_TYPES: readonly string[] = Object.values(IntakeEventTypes);
const CASE_HEADER = 'fuzz-case';

// ── Generated messages ───────────────────────────────────────────────────────────────────────────────────────

const ODD_TEXT = [
  "'; DROP TABLE es_events; --",
  '<script>alert(1)</script>',
  '报修：厨房水管爆裂',
  '😀🔥💧',
  'مرحبا، الماء يتسرب',
  '\u202Etxt.exe',
  '\u200B\u200D\uFEFF',
  'a\u0000b',
  'lone \ud800 surrogate',
  '\udfff',
];
const textArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.constantFrom(...ODD_TEXT),
);

const badValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, -1e308, '', ' ', [], {}),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double(),
  textArb,
  fc.integer({ min: 4_001, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.integer({ min: 1, max: 2_000 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
    return value;
  }),
);

const reportArb = fc.record({
  siteId: fc.constant('S1'),
  building: fc.option(fc.oneof(fc.constantFrom('1', '2', 'A座'), textArb), { nil: undefined }),
  channel: fc.constantFrom(...ChannelSchema.options),
  reporter: fc.option(
    fc.record({
      name: fc.option(textArb, { nil: undefined }),
      phone: fc.option(fc.constantFrom('13812345678', '+86 138-1234-5678'), { nil: undefined }),
    }),
    {
      nil: undefined,
    },
  ),
  description: textArb,
});

const setField = (value: Record<string, unknown>, field: string, bad: unknown): Record<string, unknown> => {
  const copy = { ...value };
  if (field.startsWith('-')) delete copy[field.slice(1)];
  else copy[field] = bad;
  return copy;
};

/** Feedback on orders that do not exist (site X9 never reports here, and the ids are random). */
const feedbackArb = fc.tuple(
  fc.constantFrom(
    IntakeEventTypes.FollowUpContact,
    IntakeEventTypes.ResolutionConfirmed,
    IntakeEventTypes.ResolutionRejected,
  ),
  fc.oneof(
    fc.uuid().map((workOrderId) => ({ workOrderId })),
    fc.integer({ min: 1, max: 9_999 }).map((n) => ({ number: `X9-20260101-${String(n).padStart(4, '0')}` })),
    fc.constant({}),
  ),
  fc.constantFrom(...ChannelSchema.options),
  fc.integer({ min: 0, max: 6 }),
  fc.option(textArb, { nil: undefined }),
);

const envelope = (type: string, data: unknown, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id: randomUUID(),
  source: SOURCE,
  type,
  time: '2026-11-23T09:00:00+08:00',
  datacontenttype: 'application/json',
  data,
  ...extra,
});

const ATTRIBUTE_BAD_VALUES: Record<string, readonly unknown[]> = {
  specversion: ['0.3', '1', '1.0 ', 1, null, ''],
  id: ['', 42, null, 'x'.repeat(257), 'a\u0000b', '\ud800'],
  source: ['', null, 7, 's'.repeat(513), '/integrators/fuzz-hotline\u0000'],
  type: ['', null, 'closeloop.workorder.reported.v1', 'closeloop.intake.report-submitted.v2', 'toString', '__proto__'],
  time: ['yesterday', '2026-13-45T25:61:61Z', '2026-11-23 09:00:00', 1732345200, ''],
  datacontenttype: ['text/xml', 'application/jsonx', 5, ''],
  subject: [1, null, 's'.repeat(257)],
  correlationid: ['a\u0000b', '\udc00', 'c'.repeat(257), 3],
  workorderid: ['not-a-uuid', '', 1],
  sequence: ['-1', '1.5', 'x', '12345678901234567890', 3],
};

interface Draft {
  readonly category: string;
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers: IHeaders;
}

const keyArb: fc.Arbitrary<Buffer | string | null> = fc.oneof(
  fc.constant(null),
  fc.uuid(),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
);

/** Header names kafkajs decodes wrongly (as [Object.prototype member, value]); they have a test of their own below. */
const PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype);

/** Headers a careless or hostile producer adds: binary, unicode and empty names, large values, spoofed DLQ headers. */
const oddHeadersArb: fc.Arbitrary<IHeaders> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({}) },
  {
    weight: 2,
    arbitrary: fc.dictionary(
      fc
        .string({ unit: 'binary', maxLength: 16 })
        .filter((name) => name !== CASE_HEADER && !PROTOTYPE_NAMES.includes(name)),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        fc.integer({ min: 1_000, max: 30_000 }).map((n) => Buffer.alloc(n, 0xff)),
      ),
      { maxKeys: 4 },
    ) as fc.Arbitrary<IHeaders>,
  },
  {
    weight: 1,
    arbitrary: fc.constant<IHeaders>({
      [DeadLetterHeaders.reason]: '',
      [DeadLetterHeaders.attempts]: '99',
      [DeadLetterHeaders.errorCode]: 'SPOOFED',
    }),
  },
);

const valueArb: fc.Arbitrary<{ category: string; value: Buffer | string | null }> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ category: 'random bytes', value: Buffer.from(bytes) })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((value) => ({ category: 'random text', value })),
  fc.constantFrom<{ category: string; value: Buffer | string | null }>(
    { category: 'tombstone', value: null },
    { category: 'empty', value: '' },
    { category: 'JSON primitive', value: 'null' },
    { category: 'JSON primitive', value: '"1.0"' },
  ),
  reportArb.map((data) => {
    const text = JSON.stringify(envelope(IntakeEventTypes.ReportSubmitted, data));
    return { category: 'truncated JSON', value: text.slice(0, Math.max(1, text.length - 1 - (text.length % 7))) };
  }),
  reportArb.map((data) => ({
    category: 'UTF-16 JSON',
    value: Buffer.from(JSON.stringify(envelope(IntakeEventTypes.ReportSubmitted, data)), 'utf16le'),
  })),
  reportArb.map((data) => ({
    category: 'BOM and JSON',
    value: `\ufeff${JSON.stringify(envelope(IntakeEventTypes.ReportSubmitted, data))}`,
  })),
  fc.jsonValue().map((json) => ({ category: 'JSON, not a CloudEvent', value: JSON.stringify(json) ?? 'null' })),
  fc
    .tuple(reportArb, fc.constantFrom(...Object.keys(ATTRIBUTE_BAD_VALUES)), fc.nat())
    .map(([data, attribute, pick]) => {
      const bad = ATTRIBUTE_BAD_VALUES[attribute] as readonly unknown[];
      return {
        category: `bad ${attribute}`,
        value: JSON.stringify({
          ...envelope(IntakeEventTypes.ReportSubmitted, data),
          [attribute]: bad[pick % bad.length],
        }),
      };
    }),
  fc.tuple(reportArb, fc.constantFrom('specversion', 'id', 'source', 'type')).map(([data, attribute]) => {
    const event: Record<string, unknown> = envelope(IntakeEventTypes.ReportSubmitted, data);
    delete event[attribute];
    return { category: `missing ${attribute}`, value: JSON.stringify(event) };
  }),
  fc
    .tuple(
      reportArb,
      fc.constantFrom(
        'siteId',
        'building',
        'channel',
        'reporter',
        'description',
        'category',
        'priority',
        '-channel',
        '-description',
        '-siteId',
      ),
      badValueArb,
    )
    .map(([data, field, bad]) => ({
      category: `bad data.${field.replace(/^-/, 'missing ')}`,
      value: JSON.stringify(envelope(IntakeEventTypes.ReportSubmitted, setField(data, field, bad))),
    })),
  badValueArb.map((data) => ({
    category: 'data not a report',
    value: JSON.stringify(envelope(IntakeEventTypes.ReportSubmitted, data)),
  })),
  reportArb.map(() => ({
    category: 'no data',
    value: JSON.stringify({ ...envelope(IntakeEventTypes.ReportSubmitted, undefined), data: undefined }),
  })),
  fc
    .tuple(reportArb, fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(...Object.values(EventTypes))))
    .map(([data, type]) => ({
      category: 'unsupported type',
      value: JSON.stringify(envelope(type, data)),
    })),
  feedbackArb.map(([type, reference, channel, rating, note]) => ({
    category: 'feedback on no order',
    value: JSON.stringify(
      envelope(type, {
        ...reference,
        ...(type === IntakeEventTypes.FollowUpContact
          ? { channel, note }
          : type === IntakeEventTypes.ResolutionConfirmed
            ? { rating }
            : { comment: note }),
      }),
    ),
  })),
  fc
    .tuple(
      reportArb,
      fc.constantFrom({ source: '/integrators/nobody' }, { source: 'urn:crm:hotline' }, { source: SOURCE, site: 'S2' }),
    )
    .map(([data, { source, site }]) => ({
      category: 'foreign source or site',
      value: JSON.stringify(
        envelope(IntakeEventTypes.ReportSubmitted, { ...data, siteId: site ?? data.siteId }, { source }),
      ),
    })),
  fc
    .tuple(reportArb, fc.constantFrom('x', '报', 'a\u0000'), fc.integer({ min: 100_000, max: 600_000 }))
    .map(([data, unit, bytes]) => ({
      category: 'huge',
      value: JSON.stringify(
        envelope(IntakeEventTypes.ReportSubmitted, {
          ...data,
          description: unit.repeat(Math.ceil(bytes / Buffer.byteLength(JSON.stringify(unit)))),
        }),
      ),
    })),
);

/** Binary mode (Kafka binding 3.2): the attributes as ce_ headers, datacontenttype as content-type, the value the data. */
const binaryMessage = (event: Record<string, unknown>): { value: string | null; headers: IHeaders } => {
  const headers: IHeaders = {};
  for (const [attribute, value] of Object.entries(event)) {
    if (value === undefined || attribute === 'data') continue;
    // As bytes, the way Kafka carries them: a lone surrogate arrives as U+FFFD, for intake and the oracle alike.
    const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
    headers[attribute === 'datacontenttype' ? 'content-type' : `ce_${attribute}`] = bytes;
  }
  return { value: event['data'] === undefined ? null : JSON.stringify(event['data']), headers };
};

const binaryDraftArb: fc.Arbitrary<Draft> = fc
  .tuple(
    reportArb,
    keyArb,
    fc.constantFrom(...Object.keys(ATTRIBUTE_BAD_VALUES), '-specversion', '-id', '-source', '-type', 'data', 'twice'),
    fc.nat(),
    badValueArb,
  )
  .map(([data, key, mutation, pick, bad]) => {
    const event: Record<string, unknown> = envelope(IntakeEventTypes.ReportSubmitted, data);
    if (mutation.startsWith('-')) delete event[mutation.slice(1)];
    else if (mutation === 'data') event['data'] = bad;
    else if (mutation !== 'twice') {
      const values = ATTRIBUTE_BAD_VALUES[mutation] as readonly unknown[];
      event[mutation] = values[pick % values.length];
    }
    const message = binaryMessage(event);
    // A header a producer wrote twice: kafkajs hands it over as a list.
    if (mutation === 'twice') message.headers['ce_id'] = [String(event['id']), randomUUID()];
    return { category: `binary mode, ${mutation.replace(/^-/, 'missing ')}`, key, ...message };
  });

const draftArb: fc.Arbitrary<Draft> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(valueArb, keyArb, oddHeadersArb)
      .map(([{ category, value }, key, headers]) => ({ category, key, value, headers })),
  },
  { weight: 1, arbitrary: binaryDraftArb },
);

// ── The oracle ───────────────────────────────────────────────────────────────────────────────────────────────

const storable = (value: unknown): boolean => {
  if (typeof value === 'string') return !/\u0000|\p{Cs}/u.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value && typeof value === 'object') return Object.values(value).every(storable);
  return true;
};

/**
 * What intake must do with a message, by its contract: `malformed` ones can never succeed and must be dead-lettered
 * at once; `valid` reports from our integrator for its site must be taken; `unsettled` are well-formed reports from
 * another source or site, which intake takes or refuses depending on whether the Kafka source check is in.
 */
/** The envelope a message carries, as the Kafka binding reads it: its value, or its ce_ headers around its value. */
const envelopeOf = (value: Buffer | string | null, headers: IHeaders = {}): unknown => {
  const text = bytesOf(value)?.toString('utf8');
  const attributes = Object.entries(headers).filter(([name]) => name.startsWith('ce_'));
  if (attributes.length === 0) return text === undefined ? undefined : JSON.parse(text);
  if (attributes.some(([, header]) => Array.isArray(header))) return undefined;
  return {
    ...Object.fromEntries(attributes.map(([name, header]) => [name.slice('ce_'.length), header?.toString()])),
    datacontenttype: headerText(headers, 'content-type'),
    data: text === undefined ? undefined : JSON.parse(text),
  };
};

const fateOf = (value: Buffer | string | null, headers?: IHeaders): 'malformed' | 'valid' | 'unsettled' => {
  let json: unknown;
  try {
    json = envelopeOf(value, headers);
  } catch {
    return 'malformed';
  }
  const parsed = CloudEventSchema.safeParse(json);
  if (!parsed.success || !INTAKE_TYPES.includes(parsed.data.type)) return 'malformed';
  const event = parsed.data;
  if (!storable([event.id, event.source, event.correlationid ?? ''])) return 'malformed';
  if (event.type !== IntakeEventTypes.ReportSubmitted) {
    // Feedback in the generated set only ever names orders that do not exist: refused whatever its shape.
    return 'malformed';
  }
  const report = ReportDetailsSchema.safeParse(event.data);
  if (!report.success || !storable(report.data)) return 'malformed';
  return event.source === SOURCE && report.data.siteId === 'S1' ? 'valid' : 'unsettled';
};

const headerText = (headers: IHeaders | undefined, name: string): string | undefined => {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value[value.length - 1] : value)?.toString();
};

const bytesOf = (value: Buffer | string | null): Buffer | null =>
  value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');

/** Kafka does not tell an empty key from none once it has been round-tripped through a dead letter. */
const sameKey = (sent: Buffer | string | null, seen: Buffer | null): boolean => {
  const a = bytesOf(sent);
  return a === null || a.length === 0 ? seen === null || seen.length === 0 : seen !== null && a.equals(seen);
};

/** The id of an unsettled message (a well-formed CloudEvent by construction). */
const eventIdOf = (draft: Draft): string => (envelopeOf(draft.value, draft.headers) as { id: string }).id;

interface DeadLetterSeen {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

describe('intake Kafka path under property-based fuzzing (in-process service, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let prefix: string;
  let intakeTopic: string;
  let db: TestDatabase;
  let kafka: Kafka;
  let producer: Producer;
  let watcher: Consumer;
  const deadLetters = new Map<string, DeadLetterSeen[]>();
  const startedAt = Date.now();
  const summary: string[] = [];

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-kfuzz');
    ({ prefix, intakeTopic, db } = intake);
    kafka = testKafka('intake-kafka-fuzz');
    producer = kafka.producer();
    await producer.connect();
    watcher = kafka.consumer({ groupId: `${prefix}dlq-watcher`, maxBytes: 20 * 1024 * 1024 });
    await watcher.connect();
    await watcher.subscribe({ topic: deadLetterTopicOf(intakeTopic), fromBeginning: true });
    await watcher.run({
      eachMessage: async ({ message }) => {
        const id = headerText(message.headers, CASE_HEADER) ?? '(no case header)';
        deadLetters.set(id, [
          ...(deadLetters.get(id) ?? []),
          { key: message.key, value: message.value, headers: message.headers ?? {} },
        ]);
      },
    });
  }, 90_000);

  afterAll(async () => {
    console.log(
      `intake Kafka fuzzing (FUZZ_SEED=${SEED}) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s:\n  ${summary.join('\n  ')}`,
    );
    await watcher?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await intake?.stop();
  });

  it('dead-letters every malformed message at once, with its reason; takes each valid one exactly once; keeps consuming; writes nothing by halves', async () => {
    // ── Generate ───────────────────────────────────────────────────────────────────────────────────────────
    const malformed: Draft[] = [];
    const unsettled: Draft[] = [];
    let generated = 0;
    let dropped = 0;
    for (let round = 0; malformed.length < MALFORMED_COUNT && round < 10; round++) {
      for (const draft of fc.sample(draftArb, { numRuns: MALFORMED_COUNT, seed: SEED + round })) {
        if (malformed.length >= MALFORMED_COUNT) break;
        generated++;
        const fate = fateOf(draft.value, draft.headers);
        if (fate === 'malformed') malformed.push(draft);
        else if (fate === 'unsettled' && unsettled.length < 20) unsettled.push(draft);
        // A generated message that happens to be valid is dropped: the valid ones below are made to be told apart.
        else dropped++;
      }
    }
    const validDescriptions = fc.sample(
      textArb.filter((d) => d.trim().length > 0 && storable(d.trim())),
      { numRuns: VALID_COUNT + PARTITIONS, seed: SEED },
    );
    const validEvents = validDescriptions.map((description, i) =>
      envelope(
        IntakeEventTypes.ReportSubmitted,
        { siteId: 'S1', building: `kafka-valid-${i}`, channel: 'app', description },
        { correlationid: `kfuzz-${i}` },
      ),
    );
    validEvents.forEach((event) => {
      expect(fateOf(JSON.stringify(event))).toBe('valid');
      expect(fateOf(binaryMessage(event).value, binaryMessage(event).headers)).toBe('valid');
    });

    // ── Produce: junk in chunks with valid reports between, some valid ones twice, then one valid per partition ──
    const labelled = (draft: Draft, id: string) => ({
      key: draft.key,
      value: draft.value,
      headers: { ...draft.headers, [CASE_HEADER]: id },
    });
    // Every other valid report in binary mode: both modes must be taken exactly once.
    const validMessage = (i: number) => {
      const event = validEvents[i] as Record<string, unknown>;
      const message = i % 2 === 1 ? binaryMessage(event) : { value: JSON.stringify(event), headers: {} };
      return {
        key: String(event['id']),
        value: message.value,
        headers: { ...message.headers, [CASE_HEADER]: `valid-${i}` },
      };
    };
    const body = [...malformed.map((d, i) => labelled(d, `m-${i}`)), ...unsettled.map((d, i) => labelled(d, `u-${i}`))];
    const chunk = Math.ceil(body.length / VALID_COUNT);
    for (let i = 0; i < VALID_COUNT; i++) {
      const slice = body.slice(i * chunk, (i + 1) * chunk);
      // Large messages go alone: a record batch over the broker's limit would be refused whole.
      const small = slice.filter((m) => (bytesOf(m.value)?.length ?? 0) < 50_000);
      for (const large of slice.filter((m) => (bytesOf(m.value)?.length ?? 0) >= 50_000))
        await producer.send({ topic: intakeTopic, messages: [large] });
      await producer.send({
        topic: intakeTopic,
        messages: [...small, validMessage(i), ...(i % 8 === 0 ? [validMessage(i)] : [])],
      });
    }
    const tail = Array.from({ length: PARTITIONS }, (_, p) => ({ ...validMessage(VALID_COUNT + p), partition: p }));
    await producer.send({ topic: intakeTopic, messages: tail });

    // ── Every valid one taken, including the ones behind all the junk on every partition ──────────────────────
    // A report taken either starts an order or joins an open one as a duplicate; both are caused by its event id.
    const reportsByCause = async () =>
      new Map(
        (
          await db.pool.query<{ cause: string; n: number }>(
            "SELECT metadata->>'causationId' AS cause, count(*)::int AS n FROM es_events WHERE event_type = ANY($1) GROUP BY 1",
            [[EventTypes.WorkOrderReported, EventTypes.DuplicateReportLinked]],
          )
        ).rows.map((r) => [r.cause, r.n]),
      );
    await eventually(
      'every valid report taken, the last one on each partition too',
      async () => {
        const taken = await reportsByCause();
        return validEvents.every((e) => taken.has(e.id)) ? true : undefined;
      },
      60_000,
      250,
    );

    // ── Every malformed one dead-lettered ──────────────────────────────────────────────────────────────────
    await eventually(
      `${malformed.length} dead letters`,
      async () => (malformed.every((_, i) => deadLetters.has(`m-${i}`)) ? true : undefined),
      60_000,
      250,
    );
    await eventually(
      'a verdict on every message from another source or site',
      async () => {
        const taken = await reportsByCause();
        return unsettled.every((d, i) => deadLetters.has(`u-${i}`) || taken.has(eventIdOf(d))) ? true : undefined;
      },
      30_000,
      250,
    );

    const problems: string[] = [];
    const codes = new Map<string, number>();
    const categories = new Map<string, number>();
    let redelivered = 0;
    malformed.forEach((draft, i) => {
      categories.set(draft.category, (categories.get(draft.category) ?? 0) + 1);
      const letters = deadLetters.get(`m-${i}`) ?? [];
      if (letters.length > 1) redelivered++;
      const letter = letters[0];
      if (!letter) return void problems.push(`m-${i} (${draft.category}) was not dead-lettered`);
      const code = headerText(letter.headers, DeadLetterHeaders.errorCode) ?? '(none)';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      const reason = headerText(letter.headers, DeadLetterHeaders.reason);
      const what = `m-${i} (${draft.category}, ${String(bytesOf(draft.value)?.toString('utf8')).slice(0, 120)})`;
      if (!reason) problems.push(`${what}: dead letter without a reason`);
      if (code === 'SPOOFED' || code === 'RETRIES_EXHAUSTED' || code === 'HANDLER_FAILED')
        problems.push(`${what}: dead-lettered as ${code}: ${reason}`);
      if (headerText(letter.headers, DeadLetterHeaders.attempts) !== '1')
        problems.push(
          `${what}: dead-lettered after ${headerText(letter.headers, DeadLetterHeaders.attempts)} attempts: ${reason}`,
        );
      if (headerText(letter.headers, DeadLetterHeaders.originalTopic) !== intakeTopic)
        problems.push(`${what}: original topic ${headerText(letter.headers, DeadLetterHeaders.originalTopic)}`);
      if (headerText(letter.headers, DeadLetterHeaders.consumerGroup) !== `${prefix}intake`)
        problems.push(`${what}: consumer group ${headerText(letter.headers, DeadLetterHeaders.consumerGroup)}`);
      const sent = bytesOf(draft.value);
      if (sent === null ? letter.value !== null : !letter.value?.equals(sent))
        problems.push(`${what}: the dead letter's value is not the message's bytes`);
      if (!sameKey(draft.key, letter.key)) problems.push(`${what}: the dead letter's key is not the message's`);
    });
    validEvents.forEach((_, i) => {
      if (deadLetters.has(`valid-${i}`))
        problems.push(
          `valid-${i} was dead-lettered: ${headerText(deadLetters.get(`valid-${i}`)?.[0]?.headers, DeadLetterHeaders.reason)}`,
        );
    });
    const taken = await reportsByCause();
    validEvents.forEach((event, i) => {
      if (taken.get(event.id) !== 1)
        problems.push(`valid-${i} created ${taken.get(event.id) ?? 0} work orders, not exactly one`);
    });
    const unsettledTaken = unsettled.filter((d, i) => !deadLetters.has(`u-${i}`) && taken.has(eventIdOf(d))).length;

    // ── No partial writes ──────────────────────────────────────────────────────────────────────────────────
    const validIds = new Set<string>(validEvents.map((e) => e.id));
    const allowedCauses = new Set([...validIds, ...unsettled.map(eventIdOf)]);
    let validStreams = 0;
    const stored = await partialWrites(db.pool, ({ streamId, events, report }) => {
      const causationId = String(report.metadata['causationId']);
      if (!allowedCauses.has(causationId)) return [`${streamId} was created by ${causationId}, not by a valid message`];
      if (!validIds.has(causationId)) return [];
      validStreams++;
      // Nothing but intake wrote here, and valid reports name buildings of their own: an order and its triage.
      const types = events.map((e) => e.event_type);
      return types.join() === [EventTypes.WorkOrderReported, EventTypes.WorkOrderTriaged].join()
        ? []
        : [`${streamId} holds ${types.join(', ')}`];
    });
    problems.push(...stored.problems);

    // ── Still up ───────────────────────────────────────────────────────────────────────────────────────────
    const health = await fetch(`${intake.baseUrl}/health`);

    summary.push(
      `${malformed.length} malformed messages (of ${generated} generated; ${dropped} valid or surplus dropped), ${validEvents.length} valid (+${Math.ceil(VALID_COUNT / 8)} sent twice), ${unsettled.length} from another source or site`,
      `malformed by kind: ${[...categories.entries()]
        .sort()
        .map(([c, n]) => `${c}×${n}`)
        .join(', ')}`,
      `dead-letter codes: ${[...codes.entries()]
        .sort()
        .map(([c, n]) => `${c}×${n}`)
        .join(', ')}${redelivered ? `; ${redelivered} dead-lettered more than once (at-least-once redelivery)` : ''}`,
      `from another source or site: ${unsettled.length - unsettledTaken} dead-lettered, ${unsettledTaken} taken${unsettledTaken ? ' (the Kafka source check is not in yet)' : ''}`,
      `work orders: ${stored.streamIds.length} streams; health ${health.status}`,
      problems.length === 0
        ? 'findings: none (no stall, no retry of a permanent failure, no partial write)'
        : `findings:\n    ${problems.slice(0, 20).join('\n    ')}`,
    );
    expect(problems).toEqual([]);
    expect(health.status).toBe(200);
    expect(validStreams).toBe(validEvents.length);
  }, 150_000);

  it('dead-letters a malformed message with a header named like an Object.prototype member, and keeps consuming', async () => {
    // kafkajs decodes a header named 'toString' (or '__proto__', 'constructor', ...) as [Object.prototype.toString,
    // value]; copying that into the dead letter made its send throw and crashed the intake consumer for good.
    const names = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf'];
    const markers = names.map((name) => ({ name, marker: `proto-header-${name}-${randomUUID()}` }));
    await producer.send({
      topic: intakeTopic,
      messages: markers.map(({ name, marker }) => ({
        key: 'one-partition',
        value: `not json ${marker}`,
        headers: { [CASE_HEADER]: marker, [name]: 'x' },
      })),
    });
    const after = envelope(IntakeEventTypes.ReportSubmitted, {
      siteId: 'S1',
      building: 'kafka-after-proto',
      channel: 'app',
      description: 'Lift stuck on floor 3',
    });
    await producer.send({ topic: intakeTopic, messages: [{ key: 'one-partition', value: JSON.stringify(after) }] });
    await eventually(
      'the messages with prototype-named headers dead-lettered',
      async () => (markers.every(({ marker }) => deadLetters.has(marker)) ? true : undefined),
      30_000,
      250,
    ).catch((error: Error) => {
      summary.push(
        `prototype-named headers (${names.join(', ')}): NOT dead-lettered within 30 s; the intake consumer crashed (see kafkajs "Crash" above)`,
      );
      throw error;
    });
    for (const { name, marker } of markers) {
      const letter = deadLetters.get(marker)?.[0];
      expect(headerText(letter?.headers, DeadLetterHeaders.errorCode)).toBe('MALFORMED_CLOUDEVENT');
      expect(headerText(letter?.headers, DeadLetterHeaders.attempts)).toBe('1');
      if (name !== '__proto__') expect(Object.prototype.hasOwnProperty.call(letter?.headers, name)).toBe(true);
    }
    await eventually(
      'the report behind them taken',
      async () => {
        const { rowCount } = await db.pool.query("SELECT 1 FROM es_events WHERE metadata->>'causationId' = $1", [
          after.id,
        ]);
        return rowCount ? true : undefined;
      },
      30_000,
      250,
    );
    summary.push(`prototype-named headers (${names.join(', ')}): dead-lettered, and the consumer kept consuming`);
  }, 90_000);
});
