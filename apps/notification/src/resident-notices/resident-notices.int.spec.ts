import { randomUUID } from 'node:crypto';
import { ResidentKeys } from '@closeloop/auth';
import { EventTypes, ResidentNoticeEvent, toDomainEvents } from '@closeloop/contracts';
import { residentNoticeStream } from '@closeloop/notification-domain';
import { toKafkaMessage } from '@closeloop/messaging';
import {
  eventually,
  ResidentNoticeStandIns,
  ResidentStandIns,
  startResidentNoticeStandIns,
  startResidentStandIns,
  testKafka,
} from '@closeloop/testing';
import { workOrderStream } from '@closeloop/work-order-domain';
import { ANY_ADDRESS } from '../channels/outbound-addresses';
import { caughtUp, NotificationUnderTest, startNotificationUnderTest } from '../notification-under-test.spec';
import { WeChatSubscribeMessageChannel } from './wechat-subscribe-message.channel';

const RESIDENT_SECRET = 'resident-secret-for-the-notices-int-spec-0123456789';
const LINK_BASE = 'http://127.0.0.1:3006/r/';
const OPEN_ID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const by = { staffId: 'tech-1', name: 'Wang Wei' };

describe('step notices to the resident (notification with Twilio and WeChat stand-ins)', () => {
  let service: NotificationUnderTest;
  let standIns: ResidentNoticeStandIns;

  beforeAll(async () => {
    standIns = await startResidentNoticeStandIns('RQ');
    service = await startNotificationUnderTest('resident-notices', {
      ...standIns.env,
      RESIDENT_SECRET,
      RESIDENT_LINK_BASE_URL: LINK_BASE,
      // An expired token and a busy platform in a row still leave an attempt to deliver.
      ALERT_MAX_ATTEMPTS: '4',
    });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await standIns?.close();
  });

  /** Appends events to an order's work-order stream as intake and dispatch would; the relay publishes them. */
  const append = (workOrderId: string, events: { type: string; data: Record<string, unknown> }[]) =>
    service.append(workOrderStream(workOrderId), workOrderId, events);

  let numbers = 0;
  const report = async (
    siteId: string,
    options: { channel?: string; phone?: string; wechatOpenId?: string; tier?: 'urgent' | 'normal' } = {},
  ) => {
    const workOrderId = randomUUID();
    const at = new Date().toISOString();
    const number = `${siteId}-20261205-${String(++numbers).padStart(4, '0')}`;
    await append(workOrderId, [
      {
        type: EventTypes.WorkOrderReported,
        data: {
          workOrderId,
          number,
          siteId,
          channel: options.channel ?? 'phone',
          reporter: {
            name: 'Ms Lin',
            ...(options.phone ? { phone: options.phone } : {}),
            ...(options.wechatOpenId ? { wechatOpenId: options.wechatOpenId } : {}),
          },
          description: 'Burst pipe under the kitchen sink',
          reportedAt: at,
        },
      },
      {
        type: EventTypes.WorkOrderTriaged,
        data: {
          workOrderId,
          tier: options.tier ?? 'normal',
          category: 'plumbing',
          ruleId: 't',
          reason: 't',
          triagedAt: at,
        },
      },
    ]);
    return { workOrderId, number };
  };

  const at = () => new Date().toISOString();
  const steps = {
    assigned: (workOrderId: string) => ({
      type: EventTypes.WorkOrderAssigned,
      data: { workOrderId, owner: by, teamId: 'plumbing', ruleId: 'r', reason: 'roster', assignedAt: at() },
    }),
    started: (workOrderId: string) => ({ type: EventTypes.WorkStarted, data: { workOrderId, by, startedAt: at() } }),
    held: (workOrderId: string) => ({
      type: EventTypes.WorkOrderPutOnHold,
      data: { workOrderId, by, reason: 'waiting-on-parts', heldAt: at() },
    }),
    resolved: (workOrderId: string) => ({
      type: EventTypes.WorkOrderResolved,
      data: { workOrderId, by, notes: 'Replaced the valve', photoRefs: [], resolvedAt: at() },
    }),
    closed: (workOrderId: string) => ({
      type: EventTypes.WorkOrderClosed,
      data: { workOrderId, outcome: 'confirmed', rating: 5, closedAt: at() },
    }),
  };

  const noticesOf = async (workOrderId: string) =>
    toDomainEvents(await service.store.readStream(residentNoticeStream(workOrderId))) as ResidentNoticeEvent[];
  const noticesWhere = (workOrderId: string, what: string, check: (events: ResidentNoticeEvent[]) => boolean) =>
    eventually(what, async () => {
      const events = await noticesOf(workOrderId);
      return check(events) ? events : undefined;
    });
  const ofType = (events: ResidentNoticeEvent[], type: string) => events.filter((e) => e.type === type);

  it('texts the reporter once per step, received to closed, the resolved one asking to confirm by their link', async () => {
    const phone = '138 0000 0001';
    const { workOrderId, number } = await report('RS', { phone });
    for (const step of [steps.assigned, steps.started, steps.held, steps.resolved, steps.closed])
      await append(workOrderId, [step(workOrderId)]);
    const events = await noticesWhere(
      workOrderId,
      'six notices sent',
      (e) => ofType(e, EventTypes.ResidentNotificationSent).length === 6,
    );
    expect(events.map((e) => [e.type, e.data.step])).toEqual(
      ['received', 'assigned', 'started', 'on-hold', 'resolved', 'closed'].map((step) => [
        EventTypes.ResidentNotificationSent,
        step,
      ]),
    );
    expect(
      events.every((e) => e.type === EventTypes.ResidentNotificationSent && e.data.destination === '****0001'),
    ).toBe(true);
    const texts = standIns.sms.filter((m) => m.body.includes(number));
    expect(texts).toHaveLength(6);
    expect(texts.every((m) => m.to === '+8613800000001')).toBe(true);
    const link = `${LINK_BASE}${new ResidentKeys(RESIDENT_SECRET).linkToken(workOrderId)}`;
    expect(texts[3]?.body).toContain('暂停处理：正在等待配件');
    expect(texts[4]?.body).toBe(`【物业服务】您的报修${number}已处理完毕，请确认是否修好并评价：${link}`);
  });

  it('sends a WeChat subscribe message per step, retrying past a busy platform and an expired access token', async () => {
    const { workOrderId, number } = await report('RS', { channel: 'wechat', wechatOpenId: OPEN_ID });
    const received = await noticesWhere(workOrderId, 'the received notice', (e) => e.length === 1);
    expect(received[0]).toMatchObject({
      type: EventTypes.ResidentNotificationSent,
      data: { channel: 'wechat', destination: '****eS6o' },
    });
    standIns.expireToken();
    standIns.busyFor(1);
    const tokensBefore = standIns.tokensIssued();
    await append(workOrderId, [steps.assigned(workOrderId)]);
    const events = await noticesWhere(workOrderId, 'the assigned notice', (e) => e.length === 2);
    expect(events[1]).toMatchObject({ type: EventTypes.ResidentNotificationSent, data: { step: 'assigned' } });
    expect((events[1] as { data: { attempts: number } }).data.attempts).toBeGreaterThan(1);
    expect(standIns.tokensIssued()).toBe(tokensBefore + 1);
    const messages = standIns.wechat.filter((m) => m.data['character_string1']?.value === number);
    expect(messages.map((m) => m.data['phrase2']?.value)).toEqual(['已受理', '已派单']);
    expect(messages[0]).toMatchObject({
      touser: OPEN_ID,
      template_id: 'tmpl-progress',
      page: `pages/orders/detail?token=${new ResidentKeys(RESIDENT_SECRET).linkToken(workOrderId)}`,
    });
  });

  it('records a WeChat notice the resident never subscribed to as failed, without retrying it', async () => {
    const refused = 'oRefusedxxxxxxxxxxxxxxxxxxxx';
    standIns.unsubscribed.add(refused);
    const { workOrderId } = await report('RS', { channel: 'wechat', wechatOpenId: refused });
    const [failed] = await noticesWhere(workOrderId, 'the failed notice', (e) => e.length === 1);
    expect(failed).toMatchObject({
      type: EventTypes.ResidentNotificationFailed,
      data: { step: 'received', attempts: 1 },
    });
    expect((failed as { data: { reason: string } }).data.reason).toMatch(/WeChat error 43101/);
  });

  it('in quiet hours defers a normal order’s SMS, a later step superseding it; an urgent order is texted at once', async () => {
    const normal = await report('RQ', { phone: '13800000002' });
    await noticesWhere(normal.workOrderId, 'the deferred received notice', (e) => e.length === 1);
    await append(normal.workOrderId, [steps.assigned(normal.workOrderId)]);
    const events = await noticesWhere(normal.workOrderId, 'the second deferral', (e) => e.length === 3);
    expect(events.map((e) => [e.type, e.data.step])).toEqual([
      [EventTypes.ResidentNotificationDeferred, 'received'],
      [EventTypes.ResidentNotificationSkipped, 'received'],
      [EventTypes.ResidentNotificationDeferred, 'assigned'],
    ]);
    expect(events[1]).toMatchObject({ data: { reason: 'superseded', supersededBy: 'assigned' } });
    expect(events[0]).toMatchObject({ data: { reason: 'quiet-hours', channel: 'sms' } });

    // The triage redelivered (a relay publishing a batch again): planned before, it supersedes nothing now.
    const triage = (await service.store.readStream(workOrderStream(normal.workOrderId))).find(
      (e) => e.type === EventTypes.WorkOrderTriaged,
    );
    const producer = testKafka('resident-notices-redelivery').producer();
    await producer.connect();
    await producer.send({ topic: service.eventsTopic, messages: [toKafkaMessage(triage!)] });
    await producer.disconnect();
    await caughtUp(service);
    expect((await noticesOf(normal.workOrderId)).map((e) => [e.type, e.data.step])).toEqual(
      events.map((e) => [e.type, e.data.step]),
    );

    const urgent = await report('RQ', { phone: '13800000003', tier: 'urgent' });
    await noticesWhere(
      urgent.workOrderId,
      'the urgent notice sent',
      (e) => ofType(e, EventTypes.ResidentNotificationSent).length === 1,
    );
    expect(standIns.sms.filter((m) => m.body.includes(urgent.number))).toHaveLength(1);
    expect(standIns.sms.filter((m) => m.body.includes(normal.number))).toHaveLength(0);
  });

  it('leaves an app report to the integrator, and sends nothing to an opted-out resident until they opt back in', async () => {
    const app = await report('RS', { channel: 'app', phone: '13800000004' });
    const [left] = await noticesWhere(app.workOrderId, 'the skipped notice', (e) => e.length === 1);
    expect(left).toMatchObject({ data: { channel: 'integrator', reason: 'left-to-integrator' } });

    const staff = await service.asStaff('disp-rs', ['dispatcher'], ['RS']);
    const optOut = await fetch(`${service.baseUrl}/v1/sites/RS/resident-notification-opt-outs/+86%20138-0000-0005`, {
      method: 'PUT',
      headers: staff,
    });
    expect(optOut.status).toBe(200);
    expect(await optOut.json()).toEqual({ siteId: 'RS', phone: '138****0005', optedOut: true, created: true });
    const { rows } = await service.db.pool.query('SELECT phone_digest FROM notification_resident_opt_outs');
    expect(JSON.stringify(rows)).not.toContain('13800000005');

    const quiet = await report('RS', { phone: '13800000005' });
    const [skipped] = await noticesWhere(quiet.workOrderId, 'the opted-out notice', (e) => e.length === 1);
    expect(skipped).toMatchObject({ data: { channel: 'sms', reason: 'opted-out' } });

    const elsewhere = await fetch(`${service.baseUrl}/v1/sites/RQ/resident-notification-opt-outs/13800000005`, {
      method: 'PUT',
      headers: staff,
    });
    expect(elsewhere.status).toBe(403);
    const optIn = await fetch(`${service.baseUrl}/v1/sites/RS/resident-notification-opt-outs/13800000005`, {
      method: 'DELETE',
      headers: staff,
    });
    expect(optIn.status).toBe(204);
    await append(quiet.workOrderId, [steps.assigned(quiet.workOrderId)]);
    const events = await noticesWhere(quiet.workOrderId, 'the assigned notice sent', (e) => e.length === 2);
    expect(events[1]).toMatchObject({ type: EventTypes.ResidentNotificationSent, data: { step: 'assigned' } });
    expect(standIns.sms.filter((m) => m.body.includes(quiet.number))).toHaveLength(1);
  });
});

describe('the WeChat subscribe-message adapter against a stand-in', () => {
  let standIns: ResidentStandIns;
  beforeAll(async () => {
    standIns = await startResidentStandIns();
  });
  afterAll(() => standIns.close());

  const channel = () =>
    new WeChatSubscribeMessageChannel(
      { baseUrl: standIns.baseUrl, appId: 'wx0123456789abcdef', appSecret: '0123456789abcdef0123456789abcdef' },
      () => new Date(),
      { addresses: ANY_ADDRESS, timeoutMs: 2_000 },
    );
  const message = { touser: OPEN_ID, template_id: 't', data: { thing3: { value: '已处理' } } };

  it('fetches an access token once and reuses it', async () => {
    const wechat = channel();
    const before = standIns.tokensIssued();
    await wechat.send(message);
    await wechat.send(message);
    expect(standIns.tokensIssued()).toBe(before + 1);
    expect(standIns.wechat.slice(-2)).toEqual([
      { ...message, lang: 'zh_CN' },
      { ...message, lang: 'zh_CN' },
    ]);
  });

  it('drops an expired token as a retryable failure and fetches a new one on the next attempt', async () => {
    const wechat = channel();
    await wechat.send(message);
    standIns.expireToken();
    await expect(wechat.send(message)).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(/40001/),
    });
    const before = standIns.tokensIssued();
    await wechat.send(message);
    expect(standIns.tokensIssued()).toBe(before + 1);
  });

  it('answers busy as retryable and a refused subscription for good, never echoing the token', async () => {
    const wechat = channel();
    standIns.busyFor(1);
    await expect(wechat.send(message)).rejects.toMatchObject({ retryable: true });
    standIns.unsubscribed.add('oNotSubscribedxxxxxxxxxxxxxx');
    const refusal = wechat.send({ ...message, touser: 'oNotSubscribedxxxxxxxxxxxxxx' });
    await expect(refusal).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/43101/) });
    await expect(refusal).rejects.not.toMatchObject({ message: expect.stringMatching(/stand-in-token/) });
  });
});
