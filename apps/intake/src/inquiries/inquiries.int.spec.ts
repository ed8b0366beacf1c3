import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { loadConfig } from '@closeloop/config';
import { EventTypes, InquiryEventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { inquiryStream } from '@closeloop/inquiry-domain';
import { toKafkaMessage } from '@closeloop/messaging';
import { startService } from '@closeloop/runtime';
import { callJson, inProcessServiceEnv, ServiceEnvironment, startServiceEnvironment } from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import { intakeConfigSchema } from '../intake.config';
import { intakeModule } from '../intake.module';
import { KnowledgeBaseRepository } from './knowledge-base.repository';

/**
 * Self-service answers through intake's HTTP edge, in this process, on a real database: a confident question is
 * answered and recorded, anything else becomes an order, "did not help" turns an answer into one, and admins keep
 * the knowledge base with versions.
 */
describe('inquiries and the knowledge base (intake in process, real PostgreSQL)', () => {
  let environment: ServiceEnvironment;
  let app: INestApplication;
  let baseUrl: string;
  let store: PostgresEventStore;
  const headers: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    environment = await startServiceEnvironment('intake-inquiries', 'closeloop-inquiries');
    const config = loadConfig(
      intakeConfigSchema,
      inProcessServiceEnv(environment, { RATE_LIMIT_PER_MINUTE: '1000000', SHED_MAX_EVENT_LOOP_LAG_MS: '60000' }),
    );
    app = await startService(intakeModule(config), { host: '127.0.0.1', port: 0, logLevel: 'error' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    store = new PostgresEventStore(environment.db.pool);
    const apiKey = await environment.registerIntegrator({
      integratorId: 'wechat-app',
      name: 'WeChat app',
      sites: ['S1'],
    });
    headers['integrator'] = { 'x-api-key': apiKey };
    for (const [who, roles, sites] of [
      ['admin', ['admin'], ['S1']],
      ['admin2', ['admin'], ['S2']],
      ['everywhere', ['admin'], ['*']],
      ['dispatcher', ['dispatcher'], ['S1']],
    ] as const) {
      const token = await environment.staffToken({ staffId: `s-${who}`, roles: [...roles], sites: [...sites] });
      headers[who] = { authorization: `Bearer ${token}` };
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await environment?.remove();
  });

  const call = (method: string, path: string, as: string, body?: unknown) =>
    callJson(baseUrl, method, path, headers[as], body);
  const ask = (text: string, as = 'integrator', site = 'S1') =>
    call('POST', '/v1/inquiries', as, { site, text, channel: 'wechat', reporter: { name: '王女士' }, building: 'B3' });

  it('answers a question the knowledge base knows, and records a deflected inquiry keyed by its own stream', async () => {
    const answered = await ask('物业费怎么交？');
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({
      answered: true,
      confidence: 1,
      answer: { answerId: 'fees-how-to-pay', version: 1, topic: 'fees' },
    });
    expect(String((answered.body['answer'] as { zh: string }).zh)).toContain('物业费');
    const inquiryId = answered.body['inquiryId'] as string;
    const recorded = await store.readStream(inquiryStream(inquiryId));
    expect(recorded.map((e) => e.type)).toEqual([InquiryEventTypes.InquiryReceived, InquiryEventTypes.InquiryAnswered]);
    const message = toKafkaMessage(recorded[1]!);
    expect(message.key).toBe(`inquiry-${inquiryId}`);
    const published = JSON.parse(String(message.value)) as Record<string, unknown>;
    expect(published).toMatchObject({ subject: `inquiry-${inquiryId}`, partitionkey: `inquiry-${inquiryId}` });
    expect(published['workorderid']).toBeUndefined();
  });

  it('makes a repair an order at once, with the inquiry in its report', async () => {
    const ordered = await ask('卫生间漏水');
    expect(ordered.status).toBe(202);
    expect(ordered.body).toMatchObject({ answered: false, tier: expect.any(String), number: expect.any(String) });
    const inquiryId = ordered.body['inquiryId'] as string;
    const workOrderId = ordered.body['workOrderId'] as string;
    const inquiry = await store.readStream(inquiryStream(inquiryId));
    expect(inquiry.map((e) => e.type)).toEqual([
      InquiryEventTypes.InquiryReceived,
      InquiryEventTypes.InquiryTurnedIntoOrder,
    ]);
    expect(inquiry[1]?.data).toMatchObject({ workOrderId, reason: 'no-confident-answer' });
    const reported = (await store.readStream(workOrderStream(workOrderId))).find(
      (e) => e.type === EventTypes.WorkOrderReported,
    );
    expect((reported?.data as { description: string }).description).toContain(`卫生间漏水`);
    expect((reported?.data as { description: string }).description).toContain(inquiryId);
  });

  it('turns an answered inquiry into an order when it did not help, once however often it is said', async () => {
    const inquiryId = (await ask('停车月卡怎么办', 'dispatcher')).body['inquiryId'] as string;
    const first = await call('POST', `/v1/inquiries/${inquiryId}/not-helped`, 'integrator', {});
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ inquiryId, workOrderId: expect.any(String) });
    const again = await call('POST', `/v1/inquiries/${inquiryId}/not-helped`, 'dispatcher');
    expect(again.status).toBe(202);
    expect(again.body['workOrderId']).toBe(first.body['workOrderId']);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const turned = (await store.readStream(inquiryStream(inquiryId))).filter(
      (e) => e.type === InquiryEventTypes.InquiryTurnedIntoOrder,
    );
    expect(turned.map((e) => (e.data as { reason: string }).reason)).toEqual(['not-helped']);
    const reported = (await store.readStream(workOrderStream(first.body['workOrderId'] as string))).find(
      (e) => e.type === EventTypes.WorkOrderReported,
    );
    expect((reported?.data as { description: string }).description).toMatch(/停车月卡怎么办[\s\S]*did not help/);
  });

  it("hides another site's inquiry and an unknown one alike (404), and refuses another site's question (403)", async () => {
    const inquiryId = (await ask('物业费怎么交？')).body['inquiryId'] as string;
    expect((await call('POST', `/v1/inquiries/${inquiryId}/not-helped`, 'admin2', {})).status).toBe(404);
    expect((await call('POST', `/v1/inquiries/${randomUUID()}/not-helped`, 'admin', {})).status).toBe(404);
    expect((await call('POST', '/v1/inquiries/not-an-id/not-helped', 'admin', {})).status).toBe(404);
    expect((await ask('物业费怎么交？', 'integrator', 'S2')).status).toBe(403);
    expect((await store.readStream(inquiryStream(inquiryId))).length).toBe(2);
  });

  it('refuses an inquiry that is not valid with 422, recording nothing', async () => {
    const refused = await call('POST', '/v1/inquiries', 'integrator', { site: 'S1', text: '', channel: 'fax' });
    expect(refused.status).toBe(422);
    expect(refused.body['code']).toBe('VALIDATION_FAILED');
  });

  it("lets a site's admin replace, version and delete answers, which residents' questions see at once", async () => {
    const content = {
      topic: 'other',
      questions: { zh: ['快递柜在哪里？'], en: ['Where are the parcel lockers?'] },
      keywords: ['快递柜', '快递', 'parcel', 'locker'],
      answer: { zh: '快递柜在 2 号楼东侧。', en: 'The parcel lockers are east of building 2.' },
    };
    expect((await ask('快递柜在哪里')).status).toBe(202);
    const put = await call('PUT', '/v1/knowledge-base/sites/S1/answers/parcel-lockers', 'admin', content);
    expect(put).toMatchObject({ status: 200, body: { siteId: 'S1', answerId: 'parcel-lockers', version: 1 } });
    expect((await ask('快递柜在哪里')).body).toMatchObject({ answered: true, answer: { answerId: 'parcel-lockers' } });
    const replaced = await call('PUT', '/v1/knowledge-base/sites/S1/answers/parcel-lockers', 'admin', {
      ...content,
      answer: { zh: '快递柜已搬到 3 号楼北侧。', en: 'The parcel lockers moved north of building 3.' },
    });
    expect(replaced.body['version']).toBe(2);
    const listed = await call('GET', '/v1/knowledge-base/sites/S1/answers', 'admin');
    const ids = (listed.body['answers'] as { answerId: string; siteId: string }[]).map((a) => a.answerId);
    expect(ids).toEqual(expect.arrayContaining(['parcel-lockers', 'fees-how-to-pay', 'fees-rates']));
    expect((await call('DELETE', '/v1/knowledge-base/sites/S1/answers/parcel-lockers', 'admin')).status).toBe(204);
    expect((await call('DELETE', '/v1/knowledge-base/sites/S1/answers/parcel-lockers', 'admin')).status).toBe(404);
    const history = await call('GET', '/v1/knowledge-base/sites/S1/answers/parcel-lockers/history', 'admin');
    expect(
      (history.body['changes'] as { version: number; action: string; changedBy: string }[]).map((c) => [
        c.version,
        c.action,
        c.changedBy,
      ]),
    ).toEqual([
      [1, 'replaced', 's-admin'],
      [2, 'replaced', 's-admin'],
      [3, 'deleted', 's-admin'],
    ]);
    expect((await ask('快递柜在哪里')).status).toBe(202);
  });

  it("keeps every site's answers for admins of every site, and another site's for its own admins", async () => {
    expect((await call('GET', '/v1/knowledge-base/sites/S2/answers', 'admin')).status).toBe(403);
    expect((await call('GET', '/v1/knowledge-base/sites/*/answers', 'admin')).status).toBe(403);
    expect((await call('GET', '/v1/knowledge-base/sites/S1/answers', 'dispatcher')).status).toBe(403);
    const everySite = await call('GET', '/v1/knowledge-base/sites/*/answers', 'everywhere');
    expect(everySite.status).toBe(200);
    expect((everySite.body['answers'] as { siteId: string }[]).every((a) => a.siteId === '*')).toBe(true);
  });

  it('seeds only answers the knowledge base never held: a deleted one stays deleted', async () => {
    const repository = new KnowledgeBaseRepository(environment.db.pool);
    const at = new Date('2026-12-05T00:00:00Z');
    expect(await repository.delete('*', 'pets-rules', 's-everywhere', at)).toBe(true);
    const seed = [
      { siteId: '*', answerId: 'pets-rules', content: (await repository.history('*', 'pets-rules'))[0]!.content! },
    ];
    expect(await repository.seed(seed, at)).toBe(0);
    expect((await repository.answersOf('*')).map((a) => a.answerId)).not.toContain('pets-rules');
    expect(await repository.seed([{ ...seed[0]!, answerId: 'pets-rules-2' }], at)).toBe(1);
    expect(await repository.seed([{ ...seed[0]!, answerId: 'pets-rules-2' }], at)).toBe(0);
  });
});
