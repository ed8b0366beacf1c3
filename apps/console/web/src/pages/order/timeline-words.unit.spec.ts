import { EventTypes } from '@closeloop/contracts';
import i18next from 'i18next';
import en from '../../locales/en/order.json';
import zh from '../../locales/zh/order.json';
import {
  describeActor,
  describeEvent,
  sentenceKeyOf,
  staffNamesOf,
  type TimelineEvent,
  type Words,
} from './timeline-words';

const wordsIn = async (language: 'zh' | 'en'): Promise<Words> => {
  const i18n = i18next.createInstance();
  await i18n.init({
    lng: language,
    defaultNS: 'order',
    resources: { [language]: { order: { en, zh }[language] } },
    interpolation: { escapeValue: false },
  });
  return {
    t: (key, values) => i18n.t(key, values ?? {}),
    exists: (key) => i18n.exists(key),
    locale: language === 'zh' ? 'zh-CN' : 'en-GB',
  };
};

let sequence = 0;
const event = (
  type: string,
  data: Record<string, unknown>,
  actor: string | null = 'system:dispatch',
): TimelineEvent => ({
  eventId: `e-${++sequence}`,
  type,
  occurredAt: '2026-12-05T02:04:05Z',
  source: 'closeloop/dispatch',
  actor,
  correlationId: null,
  causationId: null,
  data,
});

const wang = { staffId: 's1-wang-wei', name: '王伟' };
const reported = event(
  EventTypes.WorkOrderReported,
  {
    channel: 'phone',
    reporter: { name: '林女士', phone: '138****5678' },
    description: '厨房水管爆裂，地面积水',
  },
  'integrator:hotline',
);
const triaged = event(EventTypes.WorkOrderTriaged, {
  tier: 'urgent',
  category: 'plumbing',
  ruleId: 'burst-pipe',
  reason: 'keyword 爆管',
});
const assigned = event(EventTypes.WorkOrderAssigned, {
  owner: wang,
  teamId: 's1-plumbing',
  ruleId: 'roster',
  reason: 'on shift',
});
const acknowledged = event(EventTypes.WorkOrderAcknowledged, { by: wang, becameOwner: false }, 'staff:s1-wang-wei');

describe('timeline events in words', () => {
  it('tells the start of an order in Chinese, with the site-time instants and enum values in words', async () => {
    const zh = await wordsIn('zh');
    expect(describeEvent(reported, zh)).toBe('经热线电话受理报修，报修人 林女士 138****5678：厨房水管爆裂，地面积水');
    expect(describeEvent(triaged, zh)).toBe('分级为「紧急」（plumbing）：keyword 爆管');
    expect(describeEvent(assigned, zh)).toBe('派单给 王伟（s1-plumbing 班组）：on shift');
    expect(describeEvent(acknowledged, zh)).toBe('王伟 已接单');
    expect(
      describeEvent(
        event(EventTypes.SlaTargetsSet, {
          tier: 'urgent',
          responseDueAt: '2026-12-05T02:34:05Z',
          resolutionDueAt: '2026-12-05T04:04:05Z',
        }),
        zh,
      ),
    ).toBe('设定时限（紧急）：2026年12月5日 10:34:05 前响应，2026年12月5日 12:04:05 前办结');
  });

  it('tells the same in English, choosing the sentence by outcome', async () => {
    const en = await wordsIn('en');
    expect(describeEvent(event(EventTypes.WorkOrderAcknowledged, { by: wang, becameOwner: true }), en)).toBe(
      '王伟 acknowledged the order and became its owner',
    );
    expect(
      describeEvent(event(EventTypes.WorkOrderClosed, { outcome: 'confirmed', rating: 4, comment: 'Quick' }), en),
    ).toBe('Closed: the resident confirmed the fix and rated it 4 of 5: Quick');
    expect(
      describeEvent(
        event(EventTypes.AlertDeliveryAttempted, {
          staffId: 'oc-zhao',
          channel: 'wecom',
          destination: '****5678',
          attempt: 2,
          outcome: 'failed',
          error: 'HTTP 500',
        }),
        en,
      ),
    ).toBe('Page to oc-zhao by WeCom (****5678), attempt 2: failed: HTTP 500');
    expect(describeEvent(event(EventTypes.SlaEscalated, { target: 'response', level: 2 }), en)).toBe(
      'Response escalated to level 2: service manager',
    );
  });

  it('has a sentence in both languages for every event type the contracts define', async () => {
    for (const language of ['zh', 'en'] as const) {
      const words = await wordsIn(language);
      const missing = Object.values(EventTypes).filter((type) => !words.exists(sentenceKeyOf(type) ?? ''));
      expect({ language, missing }).toEqual({ language, missing: [] });
    }
  });

  it('fills every placeholder of every sentence, even from an event that carries less than its type promises', async () => {
    for (const language of ['zh', 'en'] as const) {
      const words = await wordsIn(language);
      const unfilled = Object.values(EventTypes)
        .map((type) => describeEvent(event(type, {}), words))
        .filter((sentence) => sentence.includes('{{'));
      expect({ language, unfilled }).toEqual({ language, unfilled: [] });
    }
  });

  it('falls back to the type name for a type the console does not know', async () => {
    const zh = await wordsIn('zh');
    expect(describeEvent(event('closeloop.workorder.teleported.v3', {}), zh)).toBe('closeloop.workorder.teleported.v3');
    expect(describeEvent(event('acme.custom', {}), zh)).toBe('acme.custom');
  });
});

describe('actors in words', () => {
  it('names staff as the timeline names them, and says which service, integrator or resident acted', async () => {
    const zh = await wordsIn('zh');
    const names = staffNamesOf([assigned, acknowledged]);
    expect(describeActor('staff:s1-wang-wei', names, zh)).toBe('王伟');
    expect(describeActor('staff:s1-unknown', names, zh)).toBe('s1-unknown');
    expect(describeActor('system:dispatch', names, zh)).toBe('系统（派单服务）');
    expect(describeActor('integrator:hotline', names, zh)).toBe('接入方 hotline');
    expect(describeActor('resident:via:integrator:hotline', names, zh)).toBe('住户（经 integrator:hotline）');
    expect(describeActor(null, names, zh)).toBe('—');
  });
});
