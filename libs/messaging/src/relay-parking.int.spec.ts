import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { adminJson, eventually, runAdminCli, setTopicMaxMessageBytes } from '@closeloop/testing';
import { Kafka, logLevel } from 'kafkajs';
import { EventRelay, RELAY_EVENT_PARKED } from './relay';
import { relayNameOf, RelayStateRepository } from './relay-state.repository';
import { RelayUnderTest, relayUnderTest, workOrderEvent } from './relay-under-test.spec';

/**
 * A poison event through a real broker and database: an event the broker refuses (larger than the topic's
 * max.message.bytes) and one that cannot be mapped to a record at all. Neither may stop the relay, and neither
 * may let its own order's later events overtake it.
 */
describe('EventRelay parking poison events, through a real broker', () => {
  let env: RelayUnderTest;
  let parking: RelayStateRepository;
  const alerts: string[] = [];

  beforeAll(async () => {
    env = await relayUnderTest('relay-parking');
    env.startRelay({ idleMillis: 50, alert: (line) => alerts.push(line) });
    parking = new RelayStateRepository(env.db.pool, relayNameOf(env.topic));
  }, 60_000);

  afterAll(async () => {
    await env?.close();
  });

  // Over the broker's default max.message.bytes (1 MB) once wrapped in its CloudEvent.
  const tooLarge = (workOrderId: string) => workOrderEvent(workOrderId, { note: 'x'.repeat(1_200_000) });

  const idsOf = (key: string) => env.received.filter((r) => r.key === key).map((r) => r.eventId);
  const arrived = (what: string, ids: readonly string[]) =>
    eventually(what, async () => (ids.every((id) => env.received.some((r) => r.eventId === id)) ? true : undefined));

  it('parks an event the broker refuses, publishes other orders past it, and holds its own order behind it until an operator retries it', async () => {
    const poisoned = randomUUID();
    const other = randomUUID();
    const stream = `workorder-${poisoned}`;
    const before = workOrderEvent(poisoned);
    const poison = tooLarge(poisoned);
    const behind = [workOrderEvent(poisoned), workOrderEvent(poisoned)];
    await env.store.append(stream, [before], 'no-stream');
    await env.store.append(stream, [poison], 1);
    await env.store.append(stream, [behind[0]!], 2);
    const others = [workOrderEvent(other), workOrderEvent(other)];
    await env.store.append(`workorder-${other}`, [others[0]!], 'no-stream');
    await env.store.append(stream, [behind[1]!], 3);
    await env.store.append(`workorder-${other}`, [others[1]!], 1);

    // The other order's events, appended after the poison, get through.
    await arrived(
      "the other order's events",
      others.map((e) => e.eventId),
    );
    // At least once (ADR 13): when the poison shared a send with them, the broker took them while refusing it, and
    // the relay sends them again without it. In order, each of them, and nothing else.
    expect([...new Set(idsOf(other))]).toEqual(others.map((e) => e.eventId));

    const list = await eventually('the poison parked', async () => {
      const l = await parking.list({ include: 'unresolved', limit: 100 });
      return l.unresolved === 3 ? l : undefined;
    });
    expect(list.events.map((p) => [p.eventId, p.errorCode, p.heldBehind, p.status])).toEqual([
      [poison.eventId, 'MESSAGE_TOO_LARGE', null, 'parked'],
      [behind[0]!.eventId, 'HELD_BEHIND_PARKED_EVENT', poison.eventId, 'parked'],
      [behind[1]!.eventId, 'HELD_BEHIND_PARKED_EVENT', poison.eventId, 'parked'],
    ]);
    expect(list.events[0]).toMatchObject({
      streamId: stream,
      streamVersion: 2,
      eventType: EventTypes.WorkOrderTriaged,
    });
    expect(
      alerts.some(
        (a) => a.startsWith(RELAY_EVENT_PARKED) && a.includes(poison.eventId) && a.includes('MESSAGE_TOO_LARGE'),
      ),
    ).toBe(true);

    // An event of the same order appended now waits too, while a later other order goes straight through.
    const later = workOrderEvent(poisoned);
    await env.store.append(stream, [later], 4);
    const third = workOrderEvent(randomUUID());
    await env.store.append(`workorder-${third.metadata['workOrderId'] as string}`, [third], 'no-stream');
    await arrived('an event appended after the parking', [third.eventId]);
    expect(await parking.countUnresolved()).toBe(4);
    expect(idsOf(poisoned)).toEqual([before.eventId]);

    // The operator makes room for the record (as one would raise max.message.bytes), then retries it.
    await setTopicMaxMessageBytes(env.kafka, env.topic, 4_194_304);
    await new Promise((r) => setTimeout(r, 1_000)); // the topic's new limit reaches the partition leader
    await parking.retry(poison.eventId, 'test-operator');

    await arrived('the parked events, after the retry', [
      poison.eventId,
      ...behind.map((e) => e.eventId),
      later.eventId,
    ]);
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show
    expect(idsOf(poisoned)).toEqual([
      before.eventId,
      poison.eventId,
      behind[0]!.eventId,
      behind[1]!.eventId,
      later.eventId,
    ]);
    const after = await eventually('every parked event marked published', async () => {
      const l = await parking.list({ include: 'all', limit: 100 });
      return l.unresolved === 0 ? l : undefined;
    });
    expect(after.unresolved).toBe(0);
    expect(after.events.map((p) => p.status)).toEqual(['published', 'published', 'published', 'published']);
    expect(after.events[0]).toMatchObject({ resolvedBy: 'test-operator', resolvedAt: expect.any(Date) });

    // Unblocked: the order's next event goes straight out.
    const next = workOrderEvent(poisoned);
    await env.store.append(stream, [next], 5);
    await arrived('the next event of the released order', [next.eventId]);
    expect(await parking.countUnresolved()).toBe(0);
  }, 90_000);

  it('parks an event that cannot be mapped to a record, and publishes its stream on without it once an operator skips it', async () => {
    const order = randomUUID();
    const stream = `workorder-${order}`;
    const unmappable = workOrderEvent(order, { note: 'fine' }, { correlationId: 'c' }); // no work-order id, actor or producer
    const behind = workOrderEvent(order);
    await env.store.append(stream, [unmappable], 'no-stream');
    await env.store.append(stream, [behind], 1);
    const bystander = workOrderEvent(randomUUID());
    await env.store.append(`workorder-${bystander.metadata['workOrderId'] as string}`, [bystander], 'no-stream');
    await arrived('the bystander', [bystander.eventId]);

    const parked = await eventually('the unmappable event parked', async () => {
      const l = await parking.list({ include: 'unresolved', limit: 100 });
      return l.events.length === 2 ? l.events : undefined;
    });
    expect(parked.map((p) => [p.eventId, p.errorCode, p.heldBehind])).toEqual([
      [unmappable.eventId, 'UNMAPPABLE_EVENT', null],
      [behind.eventId, 'HELD_BEHIND_PARKED_EVENT', unmappable.eventId],
    ]);
    // The reason names what the metadata lacks (its key is checked once the rest is whole).
    expect(parked[0]?.reason).toMatch(/actor/);

    // Retrying what cannot be mapped parks it again, still holding the stream.
    expect(await parking.countUnresolved()).toBe(2);
    await parking.retry(unmappable.eventId, 'test-operator');
    await eventually('the retried event parked again', async () => {
      const [first] = (await parking.list({ include: 'unresolved', limit: 100 })).events;
      return first?.status === 'parked' && first.attempts === 2 ? true : undefined;
    });
    expect(idsOf(order)).toEqual([]);

    // As an operator does it: the admin tool lists the stream's events and skips the unmappable one.
    const listed = adminJson<{ relay: string; unresolved: number; events: { eventId: string; status: string }[] }>(
      await runAdminCli(env.db.url, 'relay', 'parked', 'list', '--prefix', env.prefix, '--json'),
    );
    expect(listed.relay).toBe(relayNameOf(env.topic));
    expect(listed.events.map((p) => p.eventId)).toEqual([unmappable.eventId, behind.eventId]);
    const skipped = adminJson<{ status: string; resolvedBy: string }>(
      await runAdminCli(env.db.url, 'relay', 'parked', 'skip', unmappable.eventId, '--prefix', env.prefix, '--json'),
    );
    expect(skipped).toMatchObject({ status: 'skipped', resolvedBy: expect.stringMatching(/^admin/) });
    await arrived('the event held behind the skipped one', [behind.eventId]);
    expect(idsOf(order)).toEqual([behind.eventId]);
    // Marked published right after the broker's acknowledgement, which the observer may see first.
    const all = await eventually('the held event marked published', async () => {
      const mine = (await parking.list({ include: 'all', limit: 100 })).events.filter((p) => p.streamId === stream);
      return mine.every((p) => p.status !== 'parked') ? mine : undefined;
    });
    expect(all.map((p) => p.status)).toEqual(['skipped', 'published']);

    await expect(parking.skip(unmappable.eventId, 'test-operator')).rejects.toMatchObject({
      code: 'PARKED_EVENT_RESOLVED',
    });
    const again = await runAdminCli(env.db.url, 'relay', 'parked', 'retry', unmappable.eventId, '--prefix', env.prefix);
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('already skipped')]);
    await expect(parking.retry(randomUUID(), 'test-operator')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);

  it('parks nothing while the broker does not answer: it retries the batch, and the checkpoint stays', async () => {
    await env.store.append(`workorder-${randomUUID()}`, [workOrderEvent(randomUUID())], 'no-stream');
    // A second relay of its own name, whose only broker refuses connections.
    const unreachable = new Kafka({
      clientId: 'unreachable',
      brokers: ['127.0.0.1:1'],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).producer();
    const lines: string[] = [];
    const name = 'relay:unreachable-broker-test';
    const stranded = new EventRelay({
      ...env.relayOptions,
      producer: unreachable,
      name,
      idleMillis: 50,
      log: (line) => lines.push(line),
      alert: (line) => lines.push(line),
    });
    stranded.start();
    try {
      await eventually(
        'two failed sends',
        async () => (lines.filter((l) => l.includes('failed, retrying')).length >= 2 ? true : undefined),
        20_000,
      );
      const state = new RelayStateRepository(env.db.pool, name);
      expect(await state.countUnresolved()).toBe(0);
      expect(await env.store.readCheckpoint(name)).toBeUndefined();
      expect(lines.some((l) => l.includes(RELAY_EVENT_PARKED))).toBe(false);
    } finally {
      await stranded.stop();
    }
  }, 60_000);
});
