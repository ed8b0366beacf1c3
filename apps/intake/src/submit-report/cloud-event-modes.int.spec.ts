import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  CloudEventContentTypes,
  DeadLetterHeaders,
  deadLetterTopicOf,
  EventTypes,
  IntakeEventTypes,
  ReportDetails,
} from '@closeloop/contracts';
import { eventually, infrastructure, testKafka } from '@closeloop/testing';
import { CloudEvent, HTTP, Kafka as KafkaBinding, KafkaMessage } from 'cloudevents';
import { Consumer, IHeaders, Producer } from 'kafkajs';
import { FUZZ_SOURCE, IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';

// An integrator's tools speak CloudEvents through the official JavaScript SDK (`cloudevents` on npm): its HTTP
// emitter in binary mode (ce- headers, the data as the body) and in structured mode, data_base64 for bytes, and its
// Kafka binding's binary mode (ce_ headers, the data as the value). Intake reads them all, by one path.

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

interface Problem {
  readonly code: string;
  readonly issues?: { path: string; message: string }[];
}

const leakIn = (unit: string): ReportDetails => ({
  siteId: 'S1',
  building: 'SDK',
  unit,
  channel: 'app',
  reporter: { name: 'Ms Zhou', phone: '13800001111' },
  description: `Water dripping through the kitchen ceiling of ${unit}`,
});

const reportEvent = (data: unknown, extensions: Record<string, string> = {}) =>
  new CloudEvent({ type: IntakeEventTypes.ReportSubmitted, source: FUZZ_SOURCE, data, ...extensions });

/** The SDK's Kafka message as kafkajs takes it: text values, and no header the SDK left undefined. */
const kafkaRecord = (message: KafkaMessage<unknown>) => ({
  key: message.key ?? null,
  value: typeof message.value === 'string' ? message.value : JSON.stringify(message.value),
  headers: Object.fromEntries(Object.entries(message.headers).filter(([, value]) => value !== undefined)) as IHeaders,
});

describe('CloudEvents in every content mode, sent by the official SDK (in-process intake, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let producer: Producer;
  let deadLetterWatcher: Consumer;
  const deadLetters = new Map<string, IHeaders>();

  const send = async (message: { headers: Record<string, unknown>; body: unknown }): Promise<Answer> => {
    const response = await fetch(`${intake.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { ...(message.headers as Record<string, string>), 'x-api-key': intake.apiKey },
      ...(message.body === undefined ? {} : { body: message.body as string }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const reportsOf = async (unit: string) =>
    (
      await intake.db.pool.query<{ data: Record<string, unknown>; metadata: Record<string, unknown> }>(
        "SELECT data, metadata FROM es_events WHERE event_type = $1 AND data->>'unit' = $2 ORDER BY global_position",
        [EventTypes.WorkOrderReported, unit],
      )
    ).rows;

  const eventCount = async () =>
    Number((await intake.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM es_events')).rows[0]?.n);

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-ce-modes');
    const kafka = testKafka('intake-ce-modes');
    producer = kafka.producer();
    await producer.connect();
    deadLetterWatcher = kafka.consumer({ groupId: `${intake.prefix}ce-modes-dlq` });
    await deadLetterWatcher.connect();
    await deadLetterWatcher.subscribe({ topic: deadLetterTopicOf(intake.intakeTopic), fromBeginning: true });
    await deadLetterWatcher.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['ce_id']?.toString() ?? '(no ce_id)';
        deadLetters.set(id, message.headers ?? {});
      },
    });
  }, 90_000);

  afterAll(async () => {
    await deadLetterWatcher?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await intake?.stop();
  });

  describe('over HTTP', () => {
    it('takes HTTP.binary(event) and HTTP.structured(event) alike: one event sent both ways is one order', async () => {
      const report = leakIn(`B-${randomUUID().slice(0, 8)}`);
      const event = reportEvent(report, { correlationid: 'sdk-call-1' });

      const binary = await send(HTTP.binary(event));
      expect(binary.status).toBe(202);
      expect(binary.body).toMatchObject({ id: event.id, workOrderId: expect.any(String), number: expect.any(String) });

      const structured = await send(HTTP.structured(event));
      expect(structured.status).toBe(202);
      expect(structured.body).toEqual(binary.body);

      const stored = await reportsOf(report.unit as string);
      expect(stored).toHaveLength(1);
      expect(stored[0]?.data).toMatchObject({ ...report, workOrderId: binary.body['workOrderId'] });
      expect(stored[0]?.metadata).toMatchObject({ correlationId: 'sdk-call-1', causationId: event.id });
    });

    it('percent-decodes ce- header values, as the HTTP binding writes non-ASCII text', async () => {
      const report = leakIn(`P-${randomUUID().slice(0, 8)}`);
      const message = HTTP.binary(reportEvent(report));
      const answer = await send({
        ...message,
        headers: { ...message.headers, 'ce-correlationid': encodeURIComponent('回访 "call" 7%') },
      });
      expect(answer.status).toBe(202);
      expect((await reportsOf(report.unit as string))[0]?.metadata).toMatchObject({ correlationId: '回访 "call" 7%' });
    });

    it('takes data_base64 in structured mode and in a batch when it decodes to JSON data', async () => {
      const single = leakIn(`D-${randomUUID().slice(0, 8)}`);
      // Bytes as data: the SDK sends them as data_base64.
      const bytes = new TextEncoder().encode(JSON.stringify(single));
      const message = HTTP.structured(reportEvent(bytes, { datacontenttype: 'application/json' }));
      expect(JSON.parse(message.body as string)).toHaveProperty('data_base64');
      expect((await send(message)).status).toBe(202);

      const batched = leakIn(`D-${randomUUID().slice(0, 8)}`);
      const batch = await send({
        headers: { 'content-type': CloudEventContentTypes.batch },
        body: JSON.stringify([
          {
            specversion: '1.0',
            id: randomUUID(),
            source: FUZZ_SOURCE,
            type: IntakeEventTypes.ReportSubmitted,
            data_base64: Buffer.from(JSON.stringify(batched)).toString('base64'),
          },
        ]),
      });
      expect(batch.status).toBe(202);
      expect(batch.body['results']).toEqual([expect.objectContaining({ outcome: 'accepted' })]);

      for (const report of [single, batched])
        expect((await reportsOf(report.unit as string)).map((r) => r.data['description'])).toEqual([
          report.description,
        ]);
    });

    it('refuses data_base64 that is not JSON, or comes with data, naming it, and writes nothing', async () => {
      const before = await eventCount();
      const notJson = HTTP.structured(reportEvent(new TextEncoder().encode('a leaking pipe')));
      const refused = await send(notJson);
      expect(refused.status).toBe(422);
      expect((refused.body as unknown as Problem).issues).toEqual([
        { path: 'data_base64', message: expect.stringContaining('JSON') },
      ]);

      const both = JSON.parse(HTTP.structured(reportEvent(leakIn('D-both'))).body as string) as Record<string, unknown>;
      const twice = await send({
        headers: { 'content-type': CloudEventContentTypes.structured },
        body: JSON.stringify({ ...both, data_base64: Buffer.from('{}').toString('base64') }),
      });
      expect(twice.status).toBe(422);
      expect((twice.body as unknown as Problem).issues).toEqual([expect.objectContaining({ path: 'data_base64' })]);
      expect(await eventCount()).toBe(before);
    });

    it('refuses binary requests it cannot read with a problem that names what to fix, and writes nothing', async () => {
      const before = await eventCount();
      const message = HTTP.binary(reportEvent(leakIn('R-1')));
      const headers = message.headers as Record<string, string>;

      const structured = HTTP.structured(reportEvent(leakIn('R-1')));
      const mixed = await send({ ...structured, headers: { ...structured.headers, 'ce-id': 'x' } });
      expect(mixed.status).toBe(400);
      expect(mixed.body).toMatchObject({ code: 'MIXED_CONTENT_MODES', headers: ['ce-id'] });

      const { 'ce-source': _source, 'ce-type': _type, ...withoutSourceAndType } = headers;
      const missing = await send({ headers: withoutSourceAndType, body: message.body });
      expect(missing.status).toBe(422);
      expect(((missing.body as unknown as Problem).issues ?? []).map((i) => i.path).sort()).toEqual([
        'ce-source',
        'ce-type',
      ]);

      const noHeaders = await send({ headers: { 'content-type': 'application/json' }, body: message.body });
      expect(noHeaders.status).toBe(422);
      expect((noHeaders.body as unknown as Problem).issues?.map((i) => i.path)).toEqual(
        expect.arrayContaining(['ce-specversion', 'ce-id']),
      );

      const badEscape = await send({ headers: { ...headers, 'ce-subject': '50%' }, body: message.body });
      expect(badEscape.status).toBe(422);
      expect((badEscape.body as unknown as Problem).issues).toEqual([
        { path: 'ce-subject', message: 'must be percent-encoded UTF-8' },
      ]);

      const form = await send({
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'siteId=S1',
      });
      expect(form.status).toBe(415);
      expect(form.body).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });

      const notAReport = await send({ headers, body: JSON.stringify({ siteId: 'S1' }) });
      expect(notAReport.status).toBe(422);
      expect((notAReport.body as unknown as Problem).issues?.map((i) => i.path)).toEqual(
        expect.arrayContaining(['data.channel', 'data.description']),
      );
      expect(await eventCount()).toBe(before);
    });
  });

  describe('on workorders.intake', () => {
    it('takes Kafka.binary(event) (ce_ headers, the data as the value) beside Kafka.structured(event)', async () => {
      const binary = leakIn(`K-${randomUUID().slice(0, 8)}`);
      const structured = leakIn(`K-${randomUUID().slice(0, 8)}`);
      // The Kafka binding writes the data as it is: JSON text, so the value is bytes kafkajs can send.
      const binaryEvent = reportEvent(JSON.stringify(binary), { datacontenttype: 'application/json' });
      await producer.send({
        topic: intake.intakeTopic,
        messages: [
          kafkaRecord(KafkaBinding.binary(binaryEvent)),
          kafkaRecord(KafkaBinding.structured(reportEvent(structured))),
        ],
      });
      for (const report of [binary, structured]) {
        const [stored] = await eventually(`the report of ${report.unit}`, async () => {
          const rows = await reportsOf(report.unit as string);
          return rows.length > 0 ? rows : undefined;
        });
        expect(stored?.data).toMatchObject(report);
      }
      expect((await reportsOf(binary.unit as string))[0]?.metadata).toMatchObject({ causationId: binaryEvent.id });
    });

    it('takes a binary-mode message produced by kcat, as an operator would send one by hand', async () => {
      const report = leakIn(`C-${randomUUID().slice(0, 8)}`);
      const id = randomUUID();
      const header = (name: string, value: string) => ['-H', `${name}=${value}`];
      // kcat (scripts/infra/debian-packages.sh) produces each line of its input as one record.
      execFileSync(
        'kcat',
        [
          ...['-P', '-b', infrastructure().kafkaBrokers.join(','), '-t', intake.intakeTopic],
          ...header('ce_specversion', '1.0'),
          ...header('ce_id', id),
          ...header('ce_source', FUZZ_SOURCE),
          ...header('ce_type', IntakeEventTypes.ReportSubmitted),
          ...header('content-type', 'application/json'),
        ],
        { input: `${JSON.stringify(report)}\n`, timeout: 30_000 },
      );
      const [stored] = await eventually('the report kcat sent', async () => {
        const rows = await reportsOf(report.unit as string);
        return rows.length > 0 ? rows : undefined;
      });
      expect(stored?.data).toMatchObject(report);
      expect(stored?.metadata).toMatchObject({ causationId: id });
    });

    it('dead-letters binary messages it cannot read, with the reason naming the header or the data', async () => {
      const withoutSource = kafkaRecord(KafkaBinding.binary(reportEvent(JSON.stringify(leakIn('K-bad')))));
      delete (withoutSource.headers as Record<string, unknown>)['ce_source'];
      const notJson = kafkaRecord(KafkaBinding.binary(reportEvent('a leaking pipe')));
      await producer.send({ topic: intake.intakeTopic, messages: [withoutSource, notJson] });

      const reasonOf = (record: { headers: IHeaders }) =>
        eventually('the dead letter', async () =>
          deadLetters.get(String(record.headers['ce_id']))?.[DeadLetterHeaders.reason]?.toString(),
        );
      expect(await reasonOf(withoutSource)).toContain('ce_source');
      expect(await reasonOf(notJson)).toMatch(/^data is not JSON/);
    });
  });
});
