import { itMaps } from '@closeloop/testing';
import {
  AlertContext,
  AlertMessage,
  DigestContext,
  formatDuration,
  maskPhonesIn,
  renderAlert,
  renderDigest,
  shortEventName,
} from './alert-message';

// ── Fixture: level 2 escalation of a burst pipe, rendered at 10:35 Beijing time, 1 h 05 min past its 09:30 target ─

const context: AlertContext = {
  kind: 'escalation',
  level: 2,
  target: 'response',
  number: 'S1-20261123-0007',
  siteId: 'S1',
  building: '3栋',
  unit: '1202',
  category: 'plumbing',
  tier: 'urgent',
  description:
    'Burst pipe under the kitchen sink, water everywhere. Call my husband on 139 8765 4321 if I do not answer.',
  reporterPhone: '13812345678',
  dueAt: '2026-11-23T01:30:00.000Z',
  now: new Date('2026-11-23T10:35:00+08:00'),
  ownerName: 'Wang Wei',
  recentEvents: [
    { type: 'closeloop.workorder.reported.v1', at: '2026-11-23T01:00:00.000Z' },
    { type: 'closeloop.workorder.triaged.v1', at: '2026-11-23T01:00:01.000Z' },
    { type: 'closeloop.workorder.assigned.v1', at: '2026-11-23T01:00:02.000Z' },
    { type: 'closeloop.sla.breached.v1', at: '2026-11-23T01:30:00.000Z' },
    { type: 'closeloop.sla.escalated.v1', at: '2026-11-23T01:30:00.000Z' },
    { type: 'closeloop.alert.dead-lettered.v1', at: '2026-11-23T01:37:00.000Z' },
    { type: 'work-started', at: '2026-11-23T02:20:00.000Z' },
  ],
  timelineUrl: 'https://desk.example.cn/orders/e7c1f3a2/timeline',
  ackUrl: 'https://desk.example.cn/alerts/2f1e4c3b/ack?token=abc',
};

/** A change to the fixture, and what formats of its rendering must show and must not: `[format, words]` pairs. */
interface Variation {
  readonly name: string;
  readonly change: Partial<AlertContext>;
  readonly shows: readonly (readonly [keyof AlertMessage, string])[];
  readonly hides?: readonly (readonly [keyof AlertMessage, string])[];
}

const formats = (message: ReturnType<typeof renderAlert>) => [
  message.title,
  message.text,
  message.html,
  message.markdown,
];

describe('renderAlert', () => {
  const message = renderAlert(context);

  it('titles the alert with its kind (and the Chinese term), the order, the site and how late it is', () => {
    expect(message.title).toBe(
      'Escalation level 2 (升级): order S1-20261123-0007 at S1 — response overdue by 1 h 05 min',
    );
  });

  it('says in plain text everything the person paged needs', () => {
    expect(message.text).toBe(
      [
        'Escalation level 2 (升级): order S1-20261123-0007 at S1 — response overdue by 1 h 05 min',
        '',
        'Order (工单): S1-20261123-0007',
        'Site (项目): S1',
        'Location (位置): 3栋, 1202',
        'Category (类别): plumbing',
        'Tier (等级): urgent (紧急)',
        'Response (响应): overdue by 1 h 05 min (due 2026-11-23 09:30, Asia/Shanghai)',
        'Owner (负责人): Wang Wei',
        'Resident phone (报修电话): 138****5678',
        'Description (描述): Burst pipe under the kitchen sink, water everywhere. Call my husband on 139****4321 if I do not answer.',
        '',
        'Recent events (最近动态):',
        '- 2026-11-23 09:00 assigned',
        '- 2026-11-23 09:30 SLA breached',
        '- 2026-11-23 09:30 SLA escalated',
        '- 2026-11-23 09:37 alert dead lettered',
        '- 2026-11-23 10:20 work started',
        '',
        'Timeline (工单时间线): https://desk.example.cn/orders/e7c1f3a2/timeline',
        'Acknowledge (确认收到): https://desk.example.cn/alerts/2f1e4c3b/ack?token=abc',
      ].join('\n'),
    );
  });

  it('carries the same facts in HTML and Markdown, with working links', () => {
    for (const body of [message.html, message.markdown]) {
      expect(body).toContain('1 h 05 min');
      expect(body).toContain('Wang Wei');
      expect(body).toContain('SLA escalated');
      expect(body).not.toContain('triaged'); // only the last five events
    }
    expect(message.html).toContain(
      '<a href="https://desk.example.cn/alerts/2f1e4c3b/ack?token=abc">Acknowledge (确认收到)</a>',
    );
    expect(message.markdown).toContain('[Timeline (工单时间线)](https://desk.example.cn/orders/e7c1f3a2/timeline)');
  });

  it('masks the resident’s phone numbers in every format', () => {
    for (const body of formats(message)) {
      expect(body).not.toMatch(/13812345678|12345678|98765|87654321/);
    }
    expect(message.html).toContain('138****5678');
    expect(message.markdown).toContain('138\\*\\*\\*\\*5678');
  });

  it('escapes HTML in every inserted value, so a description with a script renders as text', () => {
    const hostile = renderAlert({
      ...context,
      description: `<script>alert('x')</script> & "quoted"`,
      ownerName: '<b>Boss</b>',
      building: '<img src=x onerror=alert(1)>',
    });
    expect(hostile.html).not.toMatch(/<script|<img|<b>/);
    expect(hostile.html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;');
    expect(hostile.html).toContain('&lt;b&gt;Boss&lt;/b&gt;');
    expect(hostile.markdown).not.toMatch(/(?<!\\)<script|(?<!\\)<img/);
    expect(hostile.markdown).toContain('\\<script\\>');
  });

  it.each<Variation>([
    {
      name: 'keeps Markdown in free text from turning into formatting or links',
      change: { description: 'see **this** [click](https://evil.example) _now_' },
      shows: [['markdown', 'see \\*\\*this\\*\\* \\[click\\](https://evil.example) \\_now\\_']],
    },
    {
      name: 'links only web addresses: anything else is shown as text',
      change: { ackUrl: 'javascript:alert(1)' },
      shows: [['html', 'Acknowledge (确认收到): javascript:alert(1)']],
      hides: [
        ['html', 'href="javascript'],
        ['markdown', '](javascript'],
      ],
    },
    {
      name: 'percent-encodes characters that would break out of a link',
      change: { timelineUrl: 'https://desk.example.cn/a b"c)d' },
      shows: [
        ['html', 'href="https://desk.example.cn/a%20b%22c%29d"'],
        ['markdown', '(https://desk.example.cn/a%20b%22c%29d)'],
      ],
    },
    {
      name: 'shows local times in the site’s zone when one is given',
      change: { timeZone: 'America/New_York' },
      shows: [
        ['text', '(due 2026-11-22 20:30, America/New_York)'],
        ['text', '- 2026-11-22 21:20 work started'],
      ],
    },
  ])('$name', ({ change, shows, hides = [] }) => {
    const rendered = renderAlert({ ...context, ...change });
    for (const [format, part] of shows) expect(rendered[format]).toContain(part);
    for (const [format, part] of hides) expect(rendered[format]).not.toContain(part);
  });

  it('tells a warning how long is left, for the resolution target', () => {
    const warning = renderAlert({
      ...context,
      kind: 'warning',
      level: undefined,
      target: 'resolution',
      dueAt: '2026-11-23T03:00:00.000Z',
      now: new Date('2026-11-23T02:35:00.000Z'),
    });
    expect(warning.title).toBe('SLA warning (预警): order S1-20261123-0007 at S1 — resolution due in 25 min');
    expect(warning.text).toContain('Resolution (解决): due in 25 min (due 2026-11-23 11:00, Asia/Shanghai)');
  });

  it('announces a new urgent order without a deadline, an owner or an ack link', () => {
    const urgent = renderAlert({
      kind: 'urgent-order',
      number: 'S1-20261123-0008',
      siteId: 'S1',
      now: new Date('2026-11-23T02:00:00Z'),
      recentEvents: [],
      timelineUrl: 'https://desk.example.cn/orders/x/timeline',
    });
    expect(urgent.title).toBe('Urgent order (紧急工单): order S1-20261123-0008 at S1');
    expect(urgent.text).toContain('Owner (负责人): none yet (未指派)');
    expect(urgent.text).not.toMatch(/Acknowledge|Recent events|Resident phone|overdue|due in/);
    expect(urgent.html).not.toContain('<ul>');
  });

  it('calls an escalation without a level just an escalation', () => {
    expect(renderAlert({ ...context, level: undefined }).title).toMatch(/^Escalation \(升级\): /);
  });
});

describe('formatDuration', () => {
  itMaps('%p ms is %p', formatDuration, [
    [30_000, 'less than 1 min'],
    [12 * 60_000, '12 min'],
    [65 * 60_000, '1 h 05 min'],
    [(2 * 1440 + 3 * 60 + 5) * 60_000, '2 d 3 h 05 min'],
    [-25 * 60_000, '25 min'],
  ]);
});

describe('shortEventName', () => {
  itMaps('%p is %p', shortEventName, [
    ['closeloop.workorder.acknowledged.v1', 'acknowledged'],
    ['closeloop.workorder.work-started.v1', 'work started'],
    ['closeloop.sla.breached.v1', 'SLA breached'],
    ['closeloop.alert.delivery-attempted.v1', 'alert delivery attempted'],
    ['acknowledged', 'acknowledged'],
    ['put-on-hold', 'put on hold'],
  ]);
});

describe('maskPhonesIn', () => {
  it('masks every phone-like run in free text', () => {
    expect(maskPhonesIn('call 13812345678 or 139-8765-4321, office +86 21 6123 4567, ext 6123456')).toBe(
      'call 138****5678 or 139****4321, office ****4567, ext ****3456',
    );
  });

  it('leaves short numbers and dates alone', () => {
    expect(maskPhonesIn('room 1202, since 2026-11-20, 3 times, code 123456')).toBe(
      'room 1202, since 2026-11-20, 3 times, code 123456',
    );
  });
});

// ── Storm digests: a burst main at S1, the orders held past the threshold in a 5-minute window ─────────────

const digest: DigestContext = {
  siteId: 'S1',
  windowSeconds: 300,
  ackUrl: 'https://desk.example.cn/v1/alert-digest-links/abc',
  entries: Array.from({ length: 12 }, (_, i) => ({
    kind: 'urgent-order' as const,
    number: `S1-20261204-${String(i + 1).padStart(4, '0')}`,
    building: `${1 + (i % 3)}栋`,
    category: 'plumbing',
    timelineUrl: `https://desk.example.cn/v1/work-orders/${i + 1}/timeline`,
  })),
};

describe('renderDigest', () => {
  it('heads the digest with the count, the site and the window, and lists every order with its timeline', () => {
    const message = renderDigest(digest);
    expect(message.title).toBe('12 urgent orders at S1 in 5 min (告警汇总)');
    for (const entry of digest.entries)
      expect(message.text).toContain(
        `${entry.number} · Urgent order (紧急工单) · ${entry.building} · plumbing: ${entry.timelineUrl}`,
      );
    expect(message.text.endsWith('Acknowledge all (全部确认): https://desk.example.cn/v1/alert-digest-links/abc')).toBe(
      true,
    );
    expect(message.html.match(/<li>/g)).toHaveLength(12);
    expect(message.markdown).toContain(
      '[Acknowledge all (全部确认)](https://desk.example.cn/v1/alert-digest-links/abc)',
    );
  });

  it('says "alerts" when the kinds are mixed, with each escalation\'s level and target, and a window under a minute in seconds', () => {
    const mixed = renderDigest({
      ...digest,
      windowSeconds: 20,
      entries: [
        digest.entries[0]!,
        {
          kind: 'escalation',
          level: 1,
          target: 'response',
          number: 'S1-20261204-0099',
          timelineUrl: 'https://desk.example.cn/t/99',
        },
      ],
    });
    expect(mixed.title).toBe('2 alerts at S1 in 20 s (告警汇总)');
    expect(mixed.text).toContain(
      'S1-20261204-0099 · Escalation level 1 (升级) · Response (响应): https://desk.example.cn/t/99',
    );
  });

  it('escapes markup and masks phone numbers typed into a location', () => {
    const hostile = renderDigest({
      ...digest,
      entries: [{ ...digest.entries[0]!, building: '<b>B3</b> call 13812345678' }],
    });
    expect(hostile.html).not.toContain('<b>');
    expect(hostile.text).not.toContain('13812345678');
  });
});
