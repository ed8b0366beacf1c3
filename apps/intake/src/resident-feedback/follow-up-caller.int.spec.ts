import { randomUUID } from 'node:crypto';
import { CloudEventContentTypes, EventTypes, IntakeEventTypes } from '@closeloop/contracts';
import { ceilingLeak, eventually, testKafka } from '@closeloop/testing';
import { Producer } from 'kafkajs';
import { FUZZ_SOURCE, IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';

// A hotline system relays neighbours asking after Ms Lin's ceiling leak (libs/testing), by every way intake takes a
// CloudEvent.

describe('a follow-up’s caller in an intake CloudEvent (in-process service, real PostgreSQL and Kafka)', () => {
  let intake: IntakeUnderTest;
  let producer: Producer;
  let workOrderId: string;

  const post = (path: string, contentType: string, body: unknown) =>
    fetch(`${intake.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, 'x-api-key': intake.apiKey },
      body: JSON.stringify(body),
    });
  const followUp = (caller: { name?: string; phone?: string }) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: FUZZ_SOURCE,
    type: IntakeEventTypes.FollowUpContact,
    data: { workOrderId, channel: 'phone', note: 'Any news on the leak?', caller },
  });
  const recordedCallers = async (): Promise<unknown[]> =>
    (
      await intake.db.pool.query<{ caller: unknown }>(
        "SELECT data->'caller' AS caller FROM es_events WHERE event_type = $1 AND data->>'workOrderId' = $2 ORDER BY global_position",
        [EventTypes.FollowUpContactRecorded, workOrderId],
      )
    ).rows.map((r) => r.caller);

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-follow-up-caller');
    producer = testKafka('intake-follow-up-caller').producer();
    await producer.connect();
    const reported = await post('/v1/reports', 'application/json', ceilingLeak);
    expect(reported.status).toBe(202);
    workOrderId = ((await reported.json()) as { workOrderId: string }).workOrderId;
  }, 90_000);

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await intake?.stop();
  });

  it('records the caller of a structured event, of a batch’s events and of a Kafka message, as the HTTP follow-up does', async () => {
    expect(
      (
        await post(
          '/v1/events',
          CloudEventContentTypes.structured,
          followUp({ name: 'Mrs Chen', phone: ' 13700004444 ' }),
        )
      ).status,
    ).toBe(202);
    const batch = await post('/v1/events', CloudEventContentTypes.batch, [
      followUp({ name: 'Mr Wu' }),
      followUp({ phone: '139-0000-2222' }),
    ]);
    expect(batch.status).toBe(202);
    expect(((await batch.json()) as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual([
      'accepted',
      'accepted',
    ]);
    await producer.send({
      topic: intake.intakeTopic,
      messages: [{ key: workOrderId, value: JSON.stringify(followUp({ name: 'Mr Lin', phone: '+86 139 0000 3333' })) }],
    });

    expect(
      await eventually('the Kafka follow-up recorded', async () =>
        (await recordedCallers()).length === 4 ? recordedCallers() : undefined,
      ),
    ).toEqual([
      { name: 'Mrs Chen', phone: '13700004444' },
      { name: 'Mr Wu' },
      { phone: '139-0000-2222' },
      { name: 'Mr Lin', phone: '+86 139 0000 3333' },
    ]);
  });

  it('refuses a caller whose number is not one, as the HTTP follow-up does, and records nothing', async () => {
    const refused = await post(
      '/v1/events',
      CloudEventContentTypes.structured,
      followUp({ name: 'Mrs Chen', phone: '12' }),
    );
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
    expect(await recordedCallers()).toHaveLength(4);
  });
});
