import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { eventually, ResidentNoticeStandIns, startResidentNoticeStandIns } from '@closeloop/testing';
import { asStaff, get, orderInStatus, post, startTestStack, TestStack, TimelineEvent, urls } from './test-stack';

const OPEN_ID = 'oE2eResidentxxxxxxxxxxxxxxxx';

const notices = (timeline: TimelineEvent[]) => timeline.filter((e) => e.type.startsWith('closeloop.resident-notice.'));

describe('residents hear of their order’s steps through the running services: SMS and WeChat, quiet hours respected', () => {
  let stack: TestStack;
  let standIns: ResidentNoticeStandIns;

  beforeAll(async () => {
    standIns = await startResidentNoticeStandIns('RQ');
    stack = await startTestStack('e2e-resident', { ...standIns.env, ALERT_POLL_MILLIS: '100' });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await standIns?.close();
  });

  /** A report at a site without a roster: it waits in the dispatcher queue, whose dispatcher then takes it. */
  const report = async (siteId: string, description: string, reporter: Record<string, string>, channel = 'phone') => {
    const accepted = await post(`${urls.intake}/v1/reports`, {
      siteId,
      building: 'B3',
      unit: randomUUID().slice(0, 8),
      channel,
      reporter,
      description,
    });
    expect(accepted.status).toBe(202);
    const workOrderId = accepted.body['workOrderId'] as string;
    await orderInStatus(workOrderId, 'awaiting-dispatch');
    const dispatcher = await asStaff(`disp-${siteId.toLowerCase()}`, 'Zhao Lei', ['dispatcher'], [siteId]);
    const act = async (action: string, body: unknown = {}) => {
      const result = await post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, dispatcher);
      expect(result.status).toBe(200);
    };
    return { workOrderId, number: accepted.body['number'] as string, act };
  };

  const timelineWhere = (workOrderId: string, what: string, check: (events: TimelineEvent[]) => boolean) =>
    eventually(
      what,
      async () => {
        const { status, body } = await get(`${urls.query}/v1/work-orders/${workOrderId}/timeline`);
        const events = status === 200 ? (body['events'] as TimelineEvent[]) : undefined;
        return events && check(events) ? events : undefined;
      },
      60_000,
    );
  const sentSteps = (events: TimelineEvent[]) =>
    notices(events)
      .filter((e) => e.type === EventTypes.ResidentNotificationSent)
      .map((e) => e.data['step']);

  it('texts the reporter exactly once per step, received to closed, each notice and its outcome on the timeline', async () => {
    const order = await report('RS', 'Kitchen cupboard hinge is loose', { name: 'Ms Lin', phone: '13800000011' });
    await order.act('acknowledge');
    await order.act('start');
    await order.act('hold', { reason: 'waiting-on-parts' });
    await order.act('resume');
    await order.act('resolve', { notes: 'Replaced the hinge' });
    await timelineWhere(order.workOrderId, 'the resolved notice', (e) => sentSteps(e).includes('resolved'));
    const confirmed = await post(`${urls.intake}/v1/work-orders/${order.workOrderId}/confirmation`, { rating: 4 });
    expect(confirmed.status).toBeLessThan(300);
    const timeline = await timelineWhere(order.workOrderId, 'six notices sent', (e) => sentSteps(e).length === 6);
    expect(sentSteps(timeline)).toEqual(['received', 'assigned', 'started', 'on-hold', 'resolved', 'closed']);
    expect(notices(timeline).every((e) => e.actor === 'system:notification')).toBe(true);

    const texts = standIns.sms.filter((m) => m.body.includes(order.number));
    expect(texts).toHaveLength(6);
    expect(new Set(texts.map((m) => m.to))).toEqual(new Set(['+8613800000011']));
    expect(texts[4]?.body).toMatch(
      new RegExp(`请确认是否修好并评价：http://127\\.0\\.0\\.1:\\d+/r/[A-Za-z0-9_-]{43}$`),
    );
  });

  it('sends a WeChat report’s steps as subscribe messages to the reporter’s openid, once per step', async () => {
    const order = await report('RS', 'Balcony drain is slow', { name: 'Mr Lin', wechatOpenId: OPEN_ID }, 'wechat');
    await order.act('acknowledge');
    const timeline = await timelineWhere(order.workOrderId, 'two notices sent', (e) => sentSteps(e).length === 2);
    expect(notices(timeline).map((e) => [e.data['step'], e.data['channel'], e.data['destination']])).toEqual([
      ['received', 'wechat', '****xxxx'],
      ['assigned', 'wechat', '****xxxx'],
    ]);
    const messages = standIns.wechat.filter((m) => m.data['character_string1']?.value === order.number);
    expect(messages.map((m) => [m.touser, m.template_id, m.data['phrase2']?.value])).toEqual([
      [OPEN_ID, 'tmpl-progress', '已受理'],
      [OPEN_ID, 'tmpl-progress', '已派单'],
    ]);
  });

  it('sends no SMS in quiet hours for a normal order, the resident to get the latest step once they end; an urgent order is texted', async () => {
    const normal = await report('RQ', 'Kitchen cupboard hinge is loose', { phone: '13800000012' });
    await timelineWhere(normal.workOrderId, 'the received notice deferred', (e) =>
      notices(e).some((n) => n.type === EventTypes.ResidentNotificationDeferred),
    );
    await normal.act('acknowledge');
    const timeline = await timelineWhere(
      normal.workOrderId,
      'the assigned notice deferred',
      (e) => notices(e).length === 3,
    );
    expect(notices(timeline).map((e) => [e.type, e.data['step'], e.data['reason']])).toEqual([
      [EventTypes.ResidentNotificationDeferred, 'received', 'quiet-hours'],
      [EventTypes.ResidentNotificationSkipped, 'received', 'superseded'],
      [EventTypes.ResidentNotificationDeferred, 'assigned', 'quiet-hours'],
    ]);

    const urgent = await report('RQ', 'Burst pipe, water flooding the kitchen', { phone: '13800000013' });
    await timelineWhere(urgent.workOrderId, 'the urgent notice sent', (e) => sentSteps(e).includes('received'));
    expect(standIns.sms.filter((m) => m.body.includes(urgent.number))).toHaveLength(1);
    expect(standIns.sms.filter((m) => m.body.includes(normal.number))).toHaveLength(0);
  });
});
