import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CloudEvent, EventTypes } from '@closeloop/contracts';
import { PostgresEventStore } from '@closeloop/event-store';
import { WORK_ORDER_CATEGORY } from '@closeloop/work-order-domain';
import { IntakeUnderTest, startIntakeUnderTest } from '../intake-under-test.spec';
import { encodeCursor } from './feed-cursor';

/**
 * The integrators' feed against the intake service in this process and a real database: an integrator of S1 and one
 * of S2 report into one log; each reads only its site's events, in the store's order, from the beginning and from a
 * cursor, and a caught-up read waits until there is something new.
 */
describe('the integrators feed', () => {
  let intake: IntakeUnderTest;
  let s2Key: string;
  const s1Orders: string[] = [];
  const s2Orders: string[] = [];

  const report = async (apiKey: string, siteId: string): Promise<string> => {
    const response = await fetch(`${intake.baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({
        siteId,
        building: 'B2',
        unit: randomUUID().slice(0, 8),
        channel: 'app',
        reporter: { name: 'Ms Wu', phone: '13900001111' },
        description: `Corridor light out on floor ${randomUUID().slice(0, 4)}`,
      }),
    });
    const body = (await response.json()) as { workOrderId: string };
    expect(response.status).toBe(202);
    return body.workOrderId;
  };

  const feed = async (apiKey: string, query: Record<string, string> = {}) => {
    const response = await fetch(`${intake.baseUrl}/v1/feed?${new URLSearchParams(query).toString()}`, {
      headers: { 'x-api-key': apiKey },
    });
    return {
      status: response.status,
      body: (await response.json()) as { events: CloudEvent[]; next: string } & Record<string, unknown>,
    };
  };

  /** Every event the key's feed holds from the start, `limit` a page. */
  const readAllOf = async (apiKey: string, limit: number): Promise<{ events: CloudEvent[]; next: string }> => {
    const events: CloudEvent[] = [];
    let next: string | undefined;
    for (;;) {
      const page = await feed(apiKey, { limit: String(limit), ...(next ? { after: next } : {}) });
      expect(page.status).toBe(200);
      events.push(...page.body.events);
      if (page.body.events.length === 0) return { events, next: page.body.next };
      next = page.body.next;
    }
  };

  beforeAll(async () => {
    intake = await startIntakeUnderTest('intake-feed');
    s2Key = await intake.registerIntegrator({ integratorId: 'feed-s2', name: 'Feed S2', sites: ['S2'] });
    for (let i = 0; i < 3; i++) {
      s1Orders.push(await report(intake.apiKey, 'S1'));
      s2Orders.push(await report(s2Key, 'S2'));
    }
  }, 90_000);

  afterAll(async () => {
    await intake?.stop();
  });

  it("replays an integrator's history from the start in the store's order, without another site's events", async () => {
    const { events } = await readAllOf(intake.apiKey, 2);
    const store = new PostgresEventStore(intake.db.pool);
    const inStore = (await store.readCategory(WORK_ORDER_CATEGORY, undefined, 10_000)).filter((e) =>
      s1Orders.includes(e.metadata['workOrderId'] as string),
    );
    expect(events.map((e) => e.id)).toEqual(inStore.map((e) => e.eventId));
    expect(new Set(events.map((e) => e.workorderid))).toEqual(new Set(s1Orders));
    expect(events.filter((e) => e.type === EventTypes.WorkOrderReported).map((e) => e.workorderid)).toEqual(s1Orders);
    expect(events.every((e) => e.specversion === '1.0' && e.type.startsWith('closeloop.workorder.'))).toBe(true);
    const s2 = await readAllOf(s2Key, 50);
    expect(new Set(s2.events.map((e) => e.workorderid))).toEqual(new Set(s2Orders));
  });

  it("shows nothing more with another integrator's cursor than the caller's own sites", async () => {
    const theirs = await feed(s2Key, { limit: '1' });
    const mine = await feed(intake.apiKey, { after: theirs.body.next, limit: '100' });
    expect(mine.status).toBe(200);
    expect(mine.body.events.length).toBeGreaterThan(0);
    expect(mine.body.events.every((e) => s1Orders.includes(e.workorderid as string))).toBe(true);
  });

  it('waits when caught up and answers with the next event once it is committed', async () => {
    const { next } = await readAllOf(intake.apiKey, 100);
    const waiting = feed(intake.apiKey, { after: next, wait: '20' });
    const newOrder = await report(intake.apiKey, 'S1');
    await report(s2Key, 'S2');
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(answered.body.events[0]).toMatchObject({ type: EventTypes.WorkOrderReported, workorderid: newOrder });
    expect(answered.body.events.every((e) => e.workorderid === newOrder)).toBe(true);
  });

  it('answers a caught-up read without a wait at once, with a cursor that stays put', async () => {
    const { next } = await readAllOf(intake.apiKey, 100);
    const again = await feed(intake.apiKey, { after: next });
    expect([again.status, again.body.events, again.body.next]).toEqual([200, [], next]);
  });

  it('refuses what is not a cursor, a limit or a wait out of range, and a caller without a key', async () => {
    const forged = await feed(intake.apiKey, { after: 'bm90LWEtY3Vyc29y' });
    expect([forged.status, forged.body['code']]).toEqual([422, 'VALIDATION_FAILED']);
    const tooMany = await feed(intake.apiKey, { limit: '501' });
    expect(tooMany.status).toBe(422);
    const tooLong = await feed(intake.apiKey, { wait: '26' });
    expect(tooLong.status).toBe(422);
    const anonymous = await fetch(`${intake.baseUrl}/v1/feed`);
    expect(anonymous.status).toBe(401);
    expect(encodeCursor(undefined)).toBe('djE6');
  });
});
