import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { EventTypes, ReportDetails } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { requestFingerprint, WorkOrderCommands } from '@closeloop/work-order-application';
import { workOrderStream } from '@closeloop/work-order-domain';
import { danglingIntakeReferences, IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { workOrderIdForKey } from './idempotency';
import { ReportKeyDecisionsRepository } from './report-key-decisions.repository';
import { SubmitReportHandler } from './submit-report.handler';

/**
 * Retry keys of reports that joined an open order, against the intake service in this process and a real
 * database: a retry answers what the first request answered, whatever became of the joined order since.
 */
describe('a report with a retry key that joined an open order', () => {
  let intake: IntakeUnderTest;
  let commands: WorkOrderCommands;

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-keys');
    commands = new WorkOrderCommands(new PostgresEventStore(intake.db.pool));
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  // A flat of its own per test, so no test's reports join another's order.
  const flat = () => ({ building: 'B7', unit: randomUUID().slice(0, 8) });
  const leak = (
    place: { building: string; unit: string },
    description: string,
    phone = '13900002222',
  ): ReportDetails => ({
    siteId: 'S1',
    ...place,
    channel: 'wechat',
    reporter: { name: 'Mr Lin', phone },
    description,
  });
  const FIRST = 'Water leaking from the bathroom ceiling onto the floor';
  const SECOND = 'Leaking water from our bathroom ceiling';

  const postReport = async (report: ReportDetails, key?: string) => {
    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': intake.apiKey,
        ...(key === undefined ? {} : { 'idempotency-key': key }),
      },
      body: JSON.stringify(report),
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  const cancel = (workOrderId: string) =>
    commands.execute(
      workOrderId,
      () => ({ type: 'Cancel', by: { staffId: 'dispatcher-1', name: 'Dispatcher' }, reason: 'other', now: new Date() }),
      {
        actor: { kind: 'staff', id: 'dispatcher-1' },
        correlationId: randomUUID(),
        causationId: randomUUID(),
        producer: 'intake-test',
      },
    );

  /** Everything a request could write: events, numbers taken, key decisions. */
  const written = async () => {
    const { rows } = await intake.db.pool.query<{ events: string; numbers: string; keys: string }>(
      `SELECT (SELECT count(*) FROM es_events)::text AS events,
              (SELECT coalesce(sum(last_value), 0) FROM intake_number_sequences)::text AS numbers,
              (SELECT count(*) FROM intake_report_keys)::text AS keys`,
    );
    return rows[0];
  };

  const linkedEvents = async (workOrderId: string) =>
    (await new PostgresEventStore(intake.db.pool).readStream(workOrderStream(workOrderId))).filter(
      (e) => e.type === EventTypes.DuplicateReportLinked,
    );

  it('answers a retry with the same order after that order was cancelled and a closer match opened, writing nothing', async () => {
    const place = flat();
    const key = `crm-${randomUUID()}`;
    const first = await postReport(leak(place, FIRST, '13800001111'));
    expect(first.status).toBe(202);
    const joinedId = first.body['workOrderId'] as string;

    const report = leak(place, SECOND);
    const linked = await postReport(report, key);
    expect(linked.status).toBe(202);
    expect(linked.body).toMatchObject({
      workOrderId: joinedId,
      number: first.body['number'],
      linkedAsDuplicate: { reason: expect.stringContaining(place.unit) },
    });

    await cancel(joinedId);
    const beforeRetry = await written();
    const retried = await postReport(report, key);
    expect(retried.status).toBe(202);
    expect(retried.replayed).toBe('true');
    expect(retried.body).toEqual(linked.body);
    expect(await written()).toEqual(beforeRetry);

    // The same problem reported anew (no key) opens an order of its own, now the best match for the key's report.
    const closer = await postReport(leak(place, SECOND, '13700003333'));
    expect(closer.status).toBe(202);
    expect(closer.body['workOrderId']).not.toBe(joinedId);
    expect(closer.body['linkedAsDuplicate']).toBeUndefined();

    const beforeSecondRetry = await written();
    const again = await postReport(report, key);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(linked.body);
    expect(await written()).toEqual(beforeSecondRetry);
    expect(await linkedEvents(joinedId)).toHaveLength(1);
    expect(await linkedEvents(closer.body['workOrderId'] as string)).toHaveLength(0);
  });

  it('refuses the key for a different report with 409 IDEMPOTENCY_KEY_REUSED, writing nothing', async () => {
    const place = flat();
    const key = `crm-${randomUUID()}`;
    await postReport(leak(place, FIRST, '13800001111'));
    const linked = await postReport(leak(place, SECOND), key);
    expect(linked.body['linkedAsDuplicate']).toBeDefined();

    const before = await written();
    const reused = await postReport(leak(place, 'The corridor light on our floor is out'), key);
    expect(reused.status).toBe(409);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await written()).toEqual(before);
  });

  it('gives concurrent requests with one key one answer and one link', async () => {
    const place = flat();
    const key = `crm-${randomUUID()}`;
    const first = await postReport(leak(place, FIRST, '13800001111'));
    const report = leak(place, SECOND);
    const answers = await Promise.all(Array.from({ length: 6 }, () => postReport(report, key)));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual(answers[0]?.body);
    }
    expect(answers[0]?.body['workOrderId']).toBe(first.body['workOrderId']);
    expect(await linkedEvents(first.body['workOrderId'] as string)).toHaveLength(1);
  });

  describe('after a request stopped between recording its decision and linking', () => {
    const scope = 'http:integrator:crashed-before-linking';
    const submit = (report: ReportDetails, key: string) =>
      intake.app.get(SubmitReportHandler).handle({
        report,
        retryKey: { scope, key },
        actor: { kind: 'integrator', id: 'fuzz-hotline' },
        correlationId: randomUUID(),
        causationId: randomUUID(),
      });
    const decideJoining = (report: ReportDetails, key: string, workOrderId: string) =>
      intake.app.get(ReportKeyDecisionsRepository).record(
        workOrderIdForKey(scope, key),
        {
          requestFingerprint: requestFingerprint(report),
          joined: { workOrderId, similarity: 0.8, reason: 'recorded before the stop' },
        },
        undefined,
      );

    it('a retry links the report to the order recorded, not to what matches now', async () => {
      const key = `crm-${randomUUID()}`;
      const recorded = await postReport(leak(flat(), FIRST, '13800001111'));
      const recordedId = recorded.body['workOrderId'] as string;
      // Matched under rules since changed: this report, in another flat, matches nothing now.
      const report = leak(flat(), SECOND);
      await decideJoining(report, key, recordedId);

      const retried = await submit(report, key);
      expect(retried).toMatchObject({
        workOrderId: recordedId,
        number: recorded.body['number'],
        replayed: false,
        linkedAsDuplicate: { similarity: 0.8, reason: 'recorded before the stop' },
      });
      expect(await linkedEvents(recordedId)).toHaveLength(1);
      expect(await submit(report, key)).toEqual({ ...retried, replayed: true });
      expect(await linkedEvents(recordedId)).toHaveLength(1);
    });

    it('a retry opens the key’s own order when the recorded one has moved on, and keeps answering it', async () => {
      const place = flat();
      const key = `crm-${randomUUID()}`;
      const recorded = await postReport(leak(place, FIRST, '13800001111'));
      const recordedId = recorded.body['workOrderId'] as string;
      const report = leak(place, SECOND);
      await decideJoining(report, key, recordedId);
      await cancel(recordedId);

      const retried = await submit(report, key);
      expect(retried.workOrderId).toBe(workOrderIdForKey(scope, key));
      expect(retried.linkedAsDuplicate).toBeUndefined();
      const standing = await intake.db.pool.query(
        'SELECT request_fingerprint, joined_work_order_id FROM intake_report_keys WHERE retry_key_id = $1',
        [retried.workOrderId],
      );
      expect(standing.rows).toEqual([{ request_fingerprint: requestFingerprint(report), joined_work_order_id: null }]);
      expect(await submit(report, key)).toEqual({ ...retried, replayed: true });
      expect(await linkedEvents(recordedId)).toHaveLength(0);
    });
  });

  it('makes one order and links the rest when neighbours report one problem at the same moment', async () => {
    const place = flat();
    const phones = ['13800001111', '13900002222', '13700003333', '13600004444'];
    const answers = await Promise.all(phones.map((phone) => postReport(leak(place, FIRST, phone))));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const orders = new Set(answers.map((a) => a.body['workOrderId']));
    expect(orders.size).toBe(1);
    expect(answers.filter((a) => a.body['linkedAsDuplicate'] !== undefined)).toHaveLength(3);
    expect(await linkedEvents([...orders][0] as string)).toHaveLength(3);
  });

  it('leaves no intake row naming a stream the event store does not have', async () => {
    expect(await danglingIntakeReferences(intake.db.pool)).toEqual([]);
  });
});
