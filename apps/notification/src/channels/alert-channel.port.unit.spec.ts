import { randomBytes } from 'node:crypto';
import { Destination, DestinationSchema, describeDestination } from './alert-channel.port';

const whsec = (bytes = 32) => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('DestinationSchema', () => {
  describe('accepts', () => {
    it.each<[string, unknown]>([
      [
        'a webhook with one secret',
        { channel: 'webhook', url: 'https://hooks.example.com/closeloop', secrets: [whsec()] },
      ],
      [
        'a webhook during a rotation (two secrets)',
        { channel: 'webhook', url: 'http://127.0.0.1:8080/in', secrets: [whsec(), whsec(24)] },
      ],
      ['an e-mail address', { channel: 'email', address: 'oncall@property.example.cn' }],
      [
        'a WeCom robot',
        { channel: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx' },
      ],
      [
        'a DingTalk robot without 加签',
        { channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc' },
      ],
      [
        'a DingTalk robot with 加签',
        { channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: 'SECabc123' },
      ],
      [
        'a Feishu bot with a secret',
        { channel: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/0f0e', secret: 'xyz' },
      ],
      ['a Slack incoming webhook', { channel: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXX' }],
      ['an E.164 phone number', { channel: 'sms', phone: '+8613800138000' }],
    ])('%s', (_name, input) => {
      expect(DestinationSchema.safeParse(input).success).toBe(true);
    });

    it('a phone number written with spaces and dashes, normalised to E.164', () => {
      expect(DestinationSchema.parse({ channel: 'sms', phone: '+86 138-0013-8000' })).toEqual({
        channel: 'sms',
        phone: '+8613800138000',
      });
    });
  });

  describe('rejects', () => {
    it.each<[string, unknown]>([
      ['an unknown channel', { channel: 'pager', url: 'https://x.example' }],
      ['a webhook without secrets', { channel: 'webhook', url: 'https://hooks.example.com', secrets: [] }],
      [
        'a secret without the whsec_ prefix',
        { channel: 'webhook', url: 'https://hooks.example.com', secrets: [randomBytes(32).toString('base64')] },
      ],
      ['a secret that is too short', { channel: 'webhook', url: 'https://hooks.example.com', secrets: [whsec(8)] }],
      [
        'a secret that is not base64',
        { channel: 'webhook', url: 'https://hooks.example.com', secrets: ['whsec_not base64!'] },
      ],
      ['an ftp URL', { channel: 'slack', url: 'ftp://files.example.com/hook' }],
      ['a javascript: URL', { channel: 'wecom', url: 'javascript:alert(1)' }],
      ['a URL with credentials', { channel: 'webhook', url: 'https://user:pw@hooks.example.com', secrets: [whsec()] }],
      ['something that is not a URL', { channel: 'feishu', url: 'open.feishu.cn/hook' }],
      ['a malformed e-mail address', { channel: 'email', address: 'oncall at example.com' }],
      ['two addresses in one', { channel: 'email', address: 'a@example.com, b@example.com' }],
      ['a phone number without country code', { channel: 'sms', phone: '13800138000' }],
      ['a phone number with letters', { channel: 'sms', phone: '+1800FLOWERS' }],
      [
        'an empty robot secret',
        { channel: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=abc', secret: '' },
      ],
      ['unknown fields', { channel: 'slack', url: 'https://hooks.slack.com/services/T/B/X', token: 'x' }],
    ])('%s', (_name, input) => {
      expect(DestinationSchema.safeParse(input).success).toBe(false);
    });

    it('without repeating a rejected secret in its messages', () => {
      const secret = 'whsec_tooshort';
      const result = DestinationSchema.safeParse({
        channel: 'webhook',
        url: 'https://hooks.example.com',
        secrets: [secret],
      });
      expect(result.success).toBe(false);
      expect(JSON.stringify(result.error?.issues)).not.toContain('tooshort');
    });
  });
});

describe('describeDestination', () => {
  const secret = whsec();
  const cases: [Destination, string, string[]][] = [
    [
      { channel: 'webhook', url: 'https://hooks.example.com/in/abc?token=s3cr3t-token', secrets: [secret] },
      'hooks.example.com',
      ['s3cr3t-token', secret, '/in/abc'],
    ],
    [{ channel: 'email', address: 'li.lei@property.example.cn' }, '***@property.example.cn', ['li.lei']],
    [{ channel: 'sms', phone: '+8613800138000' }, '****8000', ['13800138000', '+86']],
    [
      {
        channel: 'wecom',
        url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
      },
      'qyapi.weixin.qq.com',
      ['693a91f6', 'key='],
    ],
    [
      {
        channel: 'dingtalk',
        url: 'https://oapi.dingtalk.com/robot/send?access_token=abcdef123456',
        secret: 'SECdeadbeef',
      },
      'oapi.dingtalk.com',
      ['abcdef123456', 'SECdeadbeef'],
    ],
    [
      { channel: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/0f0e1d2c-aaaa', secret: 'feishu-secret' },
      'open.feishu.cn',
      ['0f0e1d2c', 'feishu-secret'],
    ],
    [
      { channel: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET' },
      'hooks.slack.com',
      ['XXXXSECRET', 'T000'],
    ],
    [{ channel: 'webhook', url: 'http://127.0.0.1:8443/alerts', secrets: [secret] }, '127.0.0.1:8443', [secret]],
  ];

  it.each(cases)('masks %j as %s', (destination, expected, hidden) => {
    const described = describeDestination(destination);
    expect(described).toBe(expected);
    for (const fragment of hidden) expect(described).not.toContain(fragment);
  });

  it('shows no digits of a number too short to mask safely', () => {
    expect(describeDestination({ channel: 'sms', phone: '+12345' })).toBe('****');
  });

  it('says so, without the text, when a URL does not parse', () => {
    expect(describeDestination({ channel: 'slack', url: 'not a url with secret-part' })).toBe('(unparsable url)');
  });
});
