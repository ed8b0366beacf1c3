import { EventTypes, ResidentNoticeEvent } from '@closeloop/contracts';
import { residentNoticeDecider } from './resident-notice.decider';
import {
  NoticeInput,
  planNotice,
  quietHoursEndAt,
  renderResidentMessage,
  ResidentNoticeConfigSchema,
  residentStepOf,
  siteNoticeRule,
  smsNumberOf,
} from './resident-notice.rules';

const by = { staffId: 'tech-1', name: 'Wang Wei' };
const id = '7b7e0c40-1a0e-4c3e-9a55-0a0c1e2f3a4b';
const at = '2026-12-05T02:00:00.000Z';

const config = ResidentNoticeConfigSchema.parse({
  default: { channels: { phone: 'sms', 'front-desk': 'sms', wechat: 'wechat', app: 'integrator', other: 'none' } },
  sites: {
    S2: { channels: { phone: 'wechat' }, timeZone: 'Europe/Berlin', quietHours: { from: '20:00', to: '06:30' } },
    S3: { quietHours: null },
    S4: { quietHours: { from: '12:00', to: '14:00' } },
  },
});

describe('which step an event of the order is', () => {
  it('tells the resident of received (once triaged), assigned, started, on hold with why, resolved and closed', () => {
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderTriaged,
        data: { workOrderId: id, tier: 'normal', category: 'plumbing', ruleId: 'r', reason: 'x', triagedAt: at },
      }),
    ).toEqual({ step: 'received' });
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderAssigned,
        data: { workOrderId: id, owner: by, teamId: 't', ruleId: 'r', reason: 'x', assignedAt: at },
      }),
    ).toEqual({ step: 'assigned' });
    expect(residentStepOf({ type: EventTypes.WorkStarted, data: { workOrderId: id, by, startedAt: at } })).toEqual({
      step: 'started',
    });
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderPutOnHold,
        data: { workOrderId: id, by, reason: 'waiting-on-parts', heldAt: at },
      }),
    ).toEqual({ step: 'on-hold', holdReason: 'waiting-on-parts' });
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderResolved,
        data: { workOrderId: id, by, notes: 'done', photoRefs: [], resolvedAt: at },
      }),
    ).toEqual({ step: 'resolved' });
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderClosed,
        data: { workOrderId: id, outcome: 'confirmed', rating: 5, closedAt: at },
      }),
    ).toEqual({ step: 'closed' });
  });

  it('counts an acknowledgement as the assignment only when it made the owner (from the dispatcher queue)', () => {
    const ack = (becameOwner: boolean) =>
      residentStepOf({
        type: EventTypes.WorkOrderAcknowledged,
        data: { workOrderId: id, by, becameOwner, acknowledgedAt: at },
      });
    expect(ack(true)).toEqual({ step: 'assigned' });
    expect(ack(false)).toBeUndefined();
  });

  it('is silent about everything else (a resume, a reopen, SLA events, its own notices)', () => {
    expect(
      residentStepOf({
        type: EventTypes.WorkOrderResumed,
        data: { workOrderId: id, by, heldSeconds: 10, resumedAt: at },
      }),
    ).toBeUndefined();
    expect(
      residentStepOf({
        type: EventTypes.ResidentNotificationSkipped,
        data: { workOrderId: id, noticeId: id, step: 'closed', channel: 'none', reason: 'channel-none', skippedAt: at },
      }),
    ).toBeUndefined();
  });
});

describe('which channel, per site and report channel', () => {
  it('takes the default unless the site names its own, report channel by report channel', () => {
    expect(siteNoticeRule(config, 'S1').channels.phone).toBe('sms');
    expect(siteNoticeRule(config, 'S2').channels.phone).toBe('wechat');
    expect(siteNoticeRule(config, 'S2').channels['front-desk']).toBe('sms');
    expect(siteNoticeRule(config, 'S1')).toMatchObject({
      timeZone: 'Asia/Shanghai',
      quietHours: { from: '22:00', to: '07:00' },
    });
    expect(siteNoticeRule(config, 'S3').quietHours).toBeNull();
  });

  it('refuses a file with an unknown channel or equal quiet-hour ends', () => {
    expect(
      ResidentNoticeConfigSchema.safeParse({
        default: { channels: { phone: 'fax', 'front-desk': 'sms', wechat: 'wechat', app: 'sms', other: 'none' } },
      }).success,
    ).toBe(false);
    expect(
      ResidentNoticeConfigSchema.safeParse({
        default: {
          channels: { phone: 'sms', 'front-desk': 'sms', wechat: 'wechat', app: 'sms', other: 'none' },
          quietHours: { from: '07:00', to: '07:00' },
        },
      }).success,
    ).toBe(false);
  });
});

describe('quiet hours, in the site’s zone', () => {
  const shanghai = siteNoticeRule(config, 'S1');
  it('end on the next morning when it is late evening, this morning after midnight, never in the day', () => {
    // 23:30 in Shanghai is 15:30 UTC; quiet hours end at 07:00 next day, 23:00 UTC.
    expect(quietHoursEndAt(shanghai, new Date('2026-12-05T15:30:00Z'))?.toISOString()).toBe('2026-12-05T23:00:00.000Z');
    // 03:00 in Shanghai is 19:00 UTC the day before; they end at 07:00 the same local day.
    expect(quietHoursEndAt(shanghai, new Date('2026-12-05T19:00:00Z'))?.toISOString()).toBe('2026-12-05T23:00:00.000Z');
    // 07:00 exactly is no longer quiet, 21:59 not yet.
    expect(quietHoursEndAt(shanghai, new Date('2026-12-05T23:00:00Z'))).toBeUndefined();
    expect(quietHoursEndAt(shanghai, new Date('2026-12-05T13:59:00Z'))).toBeUndefined();
  });

  it('follow the site’s own zone and hours, including daytime ones and none', () => {
    // 21:00 in Berlin (winter, UTC+1) is 20:00 UTC; quiet until 06:30 local = 05:30 UTC.
    expect(quietHoursEndAt(siteNoticeRule(config, 'S2'), new Date('2026-12-05T20:00:00Z'))?.toISOString()).toBe(
      '2026-12-06T05:30:00.000Z',
    );
    expect(quietHoursEndAt(siteNoticeRule(config, 'S4'), new Date('2026-12-05T05:00:00Z'))?.toISOString()).toBe(
      '2026-12-05T06:00:00.000Z',
    );
    expect(quietHoursEndAt(siteNoticeRule(config, 'S3'), new Date('2026-12-05T15:30:00Z'))).toBeUndefined();
  });
});

describe('the plan for one step', () => {
  const base: NoticeInput = {
    rule: siteNoticeRule(config, 'S1'),
    reportChannel: 'phone',
    tier: 'normal',
    reporterPhone: '138 1234 5678',
    wechatOpenId: null,
    optedOut: false,
    available: { sms: true, wechat: true },
    now: new Date('2026-12-05T02:00:00Z'), // 10:00 in Shanghai
  };
  const night = new Date('2026-12-05T15:30:00Z'); // 23:30 in Shanghai

  it('sends an SMS by day', () => {
    expect(planNotice(base)).toEqual({ action: 'send', channel: 'sms' });
  });

  it('defers a normal order’s SMS in quiet hours to their end, and sends an urgent one at once', () => {
    expect(planNotice({ ...base, now: night })).toEqual({
      action: 'defer',
      channel: 'sms',
      until: new Date('2026-12-05T23:00:00Z'),
    });
    expect(planNotice({ ...base, now: night, tier: 'urgent' })).toEqual({ action: 'send', channel: 'sms' });
  });

  it('sends WeChat in quiet hours too (a message in the app, not a ring), to the openid', () => {
    const wechat = { ...base, reportChannel: 'wechat' as const, now: night };
    expect(planNotice({ ...wechat, wechatOpenId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' })).toEqual({
      action: 'send',
      channel: 'wechat',
    });
    expect(planNotice(wechat)).toEqual({ action: 'skip', channel: 'wechat', reason: 'no-contact' });
  });

  it('sends nothing to an opted-out resident, nor for an integrator’s or a silent channel', () => {
    expect(planNotice({ ...base, optedOut: true })).toEqual({ action: 'skip', channel: 'sms', reason: 'opted-out' });
    expect(planNotice({ ...base, reportChannel: 'app' })).toEqual({
      action: 'skip',
      channel: 'integrator',
      reason: 'left-to-integrator',
    });
    expect(planNotice({ ...base, reportChannel: 'other' })).toEqual({
      action: 'skip',
      channel: 'none',
      reason: 'channel-none',
    });
  });

  it('says so when there is no mobile number or no provider', () => {
    expect(planNotice({ ...base, reporterPhone: '021-5555-1234' })).toMatchObject({ reason: 'no-contact' });
    expect(planNotice({ ...base, reporterPhone: null })).toMatchObject({ reason: 'no-contact' });
    expect(planNotice({ ...base, available: { sms: false, wechat: true } })).toMatchObject({
      reason: 'channel-unavailable',
    });
  });
});

describe('the number an SMS goes to', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['+86 138-1234-5678', '+8613812345678'],
    ['008613812345678', '+8613812345678'],
    ['+1 415 555 0100', '+14155550100'],
  ])('%s is %s', (phone, e164) => expect(smsNumberOf(phone)).toBe(e164));

  it.each(['021-5555-1234', '12345', ''])('%s takes no SMS', (phone) => expect(smsNumberOf(phone)).toBeUndefined());
});

describe('what the resident reads', () => {
  const context = {
    number: 'S1-20261205-0001',
    link: 'http://127.0.0.1:3006/r/abc',
    at: new Date('2026-12-05T02:05:00Z'),
    timeZone: 'Asia/Shanghai',
  };
  it('asks to confirm with the link when resolved, says why on hold, and gives the local time', () => {
    const resolved = renderResidentMessage({ ...context, occurrence: { step: 'resolved' } });
    expect(resolved.text).toBe(
      '【物业服务】您的报修S1-20261205-0001已处理完毕，请确认是否修好并评价：http://127.0.0.1:3006/r/abc',
    );
    expect(resolved.time).toBe('2026-12-05 10:05');
    const held = renderResidentMessage({ ...context, occurrence: { step: 'on-hold', holdReason: 'waiting-on-parts' } });
    expect(held.text).toContain('暂停处理：正在等待配件');
    expect(held.status).toBe('暂停处理');
  });
});

describe('the resident-notice stream', () => {
  const deferred: ResidentNoticeEvent = {
    type: EventTypes.ResidentNotificationDeferred,
    data: {
      workOrderId: id,
      noticeId: id,
      step: 'received',
      channel: 'sms',
      reason: 'quiet-hours',
      until: at,
      deferredAt: at,
    },
  };
  const superseded: ResidentNoticeEvent = {
    type: EventTypes.ResidentNotificationSkipped,
    data: {
      workOrderId: id,
      noticeId: id,
      step: 'received',
      channel: 'sms',
      reason: 'superseded',
      supersededBy: 'assigned',
      skippedAt: at,
    },
  };
  const sent: ResidentNoticeEvent = {
    type: EventTypes.ResidentNotificationSent,
    data: {
      workOrderId: id,
      noticeId: id,
      step: 'received',
      channel: 'sms',
      destination: '****5678',
      attempts: 1,
      latencyMs: 3,
      sentAt: at,
    },
  };
  const record = (event: ResidentNoticeEvent) => ({ type: 'RecordResidentNotice' as const, event });
  const after = (...events: ResidentNoticeEvent[]) =>
    events.reduce(residentNoticeDecider.evolve, residentNoticeDecider.initialState());

  it('given a deferred notice, a later outcome is recorded, and a second deferral is not', () => {
    expect(residentNoticeDecider.decide(record(superseded), after(deferred))).toEqual([superseded]);
    expect(residentNoticeDecider.decide(record(deferred), after(deferred))).toEqual([]);
  });

  it('given a superseded notice, nothing more is recorded of it: it is not sent after all', () => {
    expect(residentNoticeDecider.decide(record(sent), after(deferred, superseded))).toEqual([]);
  });
});
