import { randomUUID } from 'node:crypto';
import { EventTypes, IdempotencyKeyReusedError } from '@closeloop/contracts';
import { InMemoryEventStore } from '@closeloop/event-store';
import { recordEvents } from '@closeloop/testing';
import { Staff, WorkOrderCommand, workOrderDecider, workOrderStream } from '@closeloop/work-order-domain';
import { requestFingerprint } from './request-fingerprint';
import { CommandContext, WorkOrderCommands } from './work-order-commands';

// ── Fixtures: an urgent burst pipe at S1, assigned by dispatch to Wang Wei ──────────────────────────────────

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';
const wangWei: Staff = { staffId: 's1-wang-wei', name: 'Wang Wei' };
const reportedAt = new Date('2026-11-23T09:00:00+08:00');
const now = new Date('2026-11-23T09:04:00+08:00');

const reportedAndAssigned = async (store: InMemoryEventStore) => {
  const reported = workOrderDecider.decide(
    {
      type: 'ReportWorkOrder',
      workOrderId,
      number: 'S1-20261123-0001',
      report: {
        siteId: 'S1',
        building: '3',
        unit: '1202',
        channel: 'phone',
        reporter: { name: 'Ms Lin', phone: '13812345678' },
        description: 'Burst pipe under the sink',
      },
      triage: { tier: 'urgent', category: 'plumbing', ruleId: 'urgent-water', reason: 'keyword "burst"' },
      now: reportedAt,
    },
    workOrderDecider.initialState(),
  );
  await recordEvents(
    store,
    workOrderStream(workOrderId),
    reported,
    { workOrderId, correlationId: 'c-1', causationId: 'c-1', actor: { kind: 'system', id: 'test' }, producer: 'test' },
    'no-stream',
  );
  await new WorkOrderCommands(store).execute(
    workOrderId,
    () => ({
      type: 'AssignOwner',
      routing: { kind: 'team', teamId: 's1-plumbing', owner: wangWei, ruleId: 'roster:S1', reason: 'plumbers' },
      now: reportedAt,
    }),
    { actor: { kind: 'system', id: 'dispatch' }, correlationId: 'c-1', causationId: 'c-1', producer: 'dispatch' },
  );
};

const asWangWei = (idempotencyKey: string, request?: unknown): CommandContext => ({
  actor: { kind: 'staff', id: wangWei.staffId },
  correlationId: randomUUID(),
  causationId: `request:${randomUUID()}`,
  producer: 'dispatch',
  idempotencyKey,
  request,
});

const acknowledge = (): WorkOrderCommand => ({ type: 'Acknowledge', by: wangWei, now });
const cancel = (): WorkOrderCommand => ({ type: 'Cancel', by: wangWei, reason: 'withdrawn-by-resident', now });

describe('WorkOrderCommands: a retry key names one request', () => {
  let store: InMemoryEventStore;
  let commands: WorkOrderCommands;

  beforeEach(async () => {
    store = new InMemoryEventStore();
    commands = new WorkOrderCommands(store);
    await reportedAndAssigned(store);
  });

  it('records the request’s fingerprint with the key, and answers the same request under the same key as the first time', async () => {
    const first = await commands.execute(
      workOrderId,
      acknowledge,
      asWangWei('s1-wang-wei:tablet-1', { action: 'acknowledge', body: {} }),
    );
    const retry = await commands.execute(
      workOrderId,
      acknowledge,
      asWangWei('s1-wang-wei:tablet-1', { body: {}, action: 'acknowledge' }),
    );

    expect(first.replayed).toBe(false);
    expect(retry).toMatchObject({ replayed: true, version: first.version, events: first.events });
    const stream = await store.readStream(workOrderStream(workOrderId));
    expect(stream.filter((e) => e.type === EventTypes.WorkOrderAcknowledged)).toHaveLength(1);
    expect(stream.at(-1)?.metadata).toMatchObject({
      idempotencyKey: 's1-wang-wei:tablet-1',
      requestFingerprint: requestFingerprint({ action: 'acknowledge', body: {} }),
    });
  });

  it('refuses the key sent again with a different action, and records nothing', async () => {
    await commands.execute(
      workOrderId,
      acknowledge,
      asWangWei('s1-wang-wei:tablet-2', { action: 'acknowledge', body: {} }),
    );
    const versionBefore = (await store.readStream(workOrderStream(workOrderId))).length;

    const reused = commands.execute(
      workOrderId,
      cancel,
      asWangWei('s1-wang-wei:tablet-2', { action: 'cancel', body: { reason: 'withdrawn-by-resident' } }),
    );

    await expect(reused).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(reused).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      details: { key: 's1-wang-wei:tablet-2' },
    });
    expect(await store.readStream(workOrderStream(workOrderId))).toHaveLength(versionBefore);
  });

  it('refuses the key sent again with the same action and a different payload', async () => {
    const followUp = (note: string) => (): WorkOrderCommand => ({
      type: 'RecordFollowUp',
      channel: 'phone',
      note,
      now,
    });
    await commands.execute(
      workOrderId,
      followUp('Where is the plumber?'),
      asWangWei('ivr-3', { kind: 'follow-up', channel: 'phone', note: 'Where is the plumber?' }),
    );

    await expect(
      commands.execute(
        workOrderId,
        followUp('The water is off now'),
        asWangWei('ivr-3', { kind: 'follow-up', channel: 'phone', note: 'The water is off now' }),
      ),
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('replays events recorded before fingerprints were kept, whatever the retry asks', async () => {
    await commands.execute(workOrderId, acknowledge, asWangWei('s1-wang-wei:old-tablet'));
    expect((await store.readStream(workOrderStream(workOrderId))).at(-1)?.metadata).not.toHaveProperty(
      'requestFingerprint',
    );

    const retry = await commands.execute(
      workOrderId,
      acknowledge,
      asWangWei('s1-wang-wei:old-tablet', { action: 'acknowledge', body: {} }),
    );

    expect(retry.replayed).toBe(true);
    expect(retry.events.map((e) => e.type)).toEqual([EventTypes.WorkOrderAcknowledged]);
  });

  it('keeps keys apart: another key with another action is decided on its own', async () => {
    await commands.execute(workOrderId, acknowledge, asWangWei('s1-wang-wei:a', { action: 'acknowledge', body: {} }));
    const started = await commands.execute(
      workOrderId,
      () => ({ type: 'StartWork', by: wangWei, now }),
      asWangWei('s1-wang-wei:b', { action: 'start', body: {} }),
    );
    expect(started).toMatchObject({ replayed: false, state: { status: 'in-progress' } });
  });

  it('many orders at once: decides each order on its own stream and leaves an unknown order its not-found, the others applied', async () => {
    const unknown = randomUUID();
    const outcomes = await commands.executeMany([
      { workOrderId, command: acknowledge, context: asWangWei('k-1') },
      { workOrderId: unknown, command: acknowledge, context: asWangWei('k-2') },
    ]);

    expect(outcomes[0]).toMatchObject({
      outcome: { workOrderId, replayed: false, state: { status: 'acknowledged' } },
    });
    expect(outcomes[1]).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await store.readStream(workOrderStream(workOrderId))).map((e) => e.type).at(-1)).toBe(
      EventTypes.WorkOrderAcknowledged,
    );
  });

  it('many orders at once: answers a retry under its key with what the first attempt recorded, as execute does', async () => {
    const first = await commands.execute(workOrderId, acknowledge, asWangWei('k-1'));
    const [again] = await commands.executeMany([{ workOrderId, command: acknowledge, context: asWangWei('k-1') }]);
    expect(again).toEqual({ outcome: { ...first, replayed: true } });
  });
});
