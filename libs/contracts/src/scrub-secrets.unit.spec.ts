import { itKeeps, itMaps } from '@closeloop/testing';
import { isSecretFieldName, scrubSecrets } from './scrub-secrets';

const jwt =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImxvY2FsLTEifQ.eyJzdWIiOiJ6aGFvbGVpIiwicm9sZXMiOlsiZGlzcGF0Y2hlciJdLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
const apiKey = 'clk_0a1b2c3d4e5f_Qm9ndXNTZWNyZXRfZm9yX3Rlc3RzX29ubHlfNDNjaGFycw';

describe('scrubSecrets', () => {
  describe('phone numbers keep only their last four digits', () => {
    itMaps('%s', scrubSecrets, [
      ['a bare mainland mobile', 'resident 13812345678 called', 'resident 138****5678 called'],
      ['a mobile in groups', 'call 138 1234 5678 now', 'call 138****5678 now'],
      ['a mobile with dashes', 'call 138-1234-5678', 'call 138****5678'],
      ['+86 and a mobile', 'from +86 138 1234 5678', 'from 138****5678'],
      ['+8613… written together', 'from +8613812345678.', 'from 138****5678.'],
      ['0086 and a mobile', 'from 0086 13912345678', 'from 139****5678'],
      ['a Beijing landline with an area code', 'desk 010-12345678', 'desk ****5678'],
      ['a Shenzhen landline in groups', 'desk 0755-8765-4321', 'desk ****4321'],
      ['+86 and a landline', 'desk +86 10 6552 9988', 'desk ****9988'],
      ['a 400 hotline', 'hotline 400-820-8820', 'hotline ****8820'],
      ['an international number', 'US office +1 312 555 0199', 'US office ****0199'],
      ['seven bare digits', 'ext 6552998', 'ext ****2998'],
      ['a number after Chinese text', '报修电话13812345678，请回电', '报修电话138****5678，请回电'],
      ['a number in JSON', '{"reporterPhone":"13812345678"}', '{"reporterPhone":"138****5678"}'],
      [
        'a number in a path',
        'GET /v1/residents/13812345678/orders failed',
        'GET /v1/residents/138****5678/orders failed',
      ],
      ['a comma-separated list', 'to 13812345678,13987654321', 'to 138****5678,139****4321'],
      ['a number before a building letter', 'phone 13812345678 B栋', 'phone 138****5678 B栋'],
      ['a number at the end of a sentence', 'Call me on 13812345678.', 'Call me on 138****5678.'],
    ]);
  });

  describe('numbers that are not phone numbers stay', () => {
    itKeeps('%s', scrubSecrets, [
      ['a UUID', 'order 550e8400-e29b-41d4-a716-446655440000 not found'],
      ['a UUID of digits only', 'order 12345678-1234-4234-8234-123456789012 not found'],
      ['an ISO timestamp', 'due 2026-11-23T09:00:00.000Z, reported 2026-11-23T08:15:30+08:00'],
      ['an ISO date and a time with a space', 'since 2026-11-20 and 2026-11-23 09:00:00+08'],
      ['a work-order number', 'work order S1-20261123-0001 escalated'],
      ['a causation id', 'caused by crm-20261123-000042'],
      ['a port number', 'listening on 127.0.0.1:3001, Kafka at 127.0.0.1:9092, PostgreSQL at db:5432'],
      ['a duration in ms', 'Kafka topics not ready after 30000 ms; request took 1800000 ms, timer 86400000ms'],
      ['durations in seconds', 'retry in 3600 s; window 86400s; 1209600 seconds'],
      ['a size', 'The request body is larger than 1048576 bytes'],
      ['a Kafka offset', 'dead-lettering closeloop.events[3]@1234567: MALFORMED_CLOUDEVENT'],
      ['a hex digest', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
      ['an integrator key id alone', 'key 0a1b2c3d4e5f revoked'],
      ['short numbers', 'attempt 3 of 5, partition 12, level 2, 600 requests per minute'],
      ['a decimal', 'p99 latency 0.12345678'],
      ['an IP address', 'from 192.168.100.200'],
      ['a version', 'nest 11.2.10, node v20.19.0'],
      ['prose about credentials', 'The bearer token has expired; sign in again. Use Basic auth or a key: none given'],
      ['an English "token:" line', 'invalid token: expired'],
      ['an idempotency key', 'idempotency-key=retry-2026-11-23-a'],
    ]);
  });

  describe('credentials are masked, keeping what names them', () => {
    itMaps('%s', scrubSecrets, [
      ['a bearer token', 'authorization: Bearer abc.def-ghi_123', 'authorization: Bearer ***'],
      ['a bearer token in lower case', 'authorization: bearer s3cr3t-opaque', 'authorization: bearer ***'],
      ['a bearer JWT in JSON', `{"authorization":"Bearer ${jwt}"}`, '{"authorization":"Bearer ***"}'],
      ['a bare JWT', `token ${jwt} rejected`, 'token eyJ*** rejected'],
      ['an unsigned JWT', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJ***'],
      [
        'an ack-link token in a path',
        'GET /alert-links/eyJhIjoiMmYxZTRjM2IiLCJzIjoiemhhb2xlaSIsImUiOjE3OTk5OTk5OTl9.q1w2e3r4t5y6u7i8o9p0-_ failed',
        'GET /alert-links/eyJ*** failed',
      ],
      [
        'a resident status-link token in a path',
        'POST /v1/resident/orders/q3Jb4c7VQm0k9z1X2yWvU8tS6rP5oN4mL3kJ2iH1gF0/notes failed; opened /r/q3Jb4c7VQm0k9z1X2yWvU8tS6rP5oN4mL3kJ2iH1gF0',
        'POST /v1/resident/orders/***/notes failed; opened /r/***',
      ],
      ['an integrator key', `X-Api-Key: ${apiKey}`, 'X-Api-Key: clk_0a1b2c3d4e5f_***'],
      ['an integrator key in a query', `?api_key=${apiKey}&site=S1`, '?api_key=clk_0a1b2c3d4e5f_***&site=S1'],
      ['a malformed integrator key', 'presented clk_garbage', 'presented clk_***'],
      ['a webhook secret', 'secrets ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw+/=="]', 'secrets ["whsec_***"]'],
      ['Basic credentials', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'Authorization: Basic ***'],
      ['password in a form', 'username=zhao&password=hunter2&remember=1', 'username=zhao&password=***&remember=1'],
      [
        'secret, token and key in a query',
        '/cb?client_secret=abc&token=xyz&key=k1&page=2',
        '/cb?client_secret=***&token=***&key=***&page=2',
      ],
      ['camelCase names', 'accessToken=abc apiKey=def clientSecret=ghi', 'accessToken=*** apiKey=*** clientSecret=***'],
      [
        'JSON fields',
        '{"password": "hunter2", "name": "Zhao", "refresh_token":"r-1"}',
        '{"password": "***", "name": "Zhao", "refresh_token":"***"}',
      ],
      [
        'util.inspect fields',
        "{ password: 'hunter2', secret: 'x', user: 'zhao' }",
        "{ password: '***', secret: '***', user: 'zhao' }",
      ],
      [
        'a database URL password',
        'cannot reach postgres://closeloop:s3cr3t@db:5432/closeloop',
        'cannot reach postgres://closeloop:***@db:5432/closeloop',
      ],
      ['a cookie header', 'cookie: session=abc123; theme=dark', 'cookie: ***'],
    ]);
  });

  it.each([
    'GET /v1/callers/13800138000?site=S1 failed',
    'GET /v1/callers/%2B8613800138000 failed',
    'GET /v1/callers/%2B86%20138%200013%208000?site=S1 failed',
    '"instance":"/v1/callers/0086-138-0013-8000"',
  ])('masks the phone in a caller lookup’s path: %s', (line) => {
    const scrubbed = scrubSecrets(line);
    expect(scrubbed).toContain('/v1/callers/***');
    expect(scrubbed.replace(/\D/g, '')).not.toMatch(/0013|8000/);
  });

  it('masks every secret in a line that holds several, phones included', () => {
    const line = `POST /v1/reports?token=t0k3n from 13812345678 with Bearer ${jwt} and ${apiKey}`;
    expect(scrubSecrets(line)).toBe(
      'POST /v1/reports?token=*** from 138****5678 with Bearer *** and clk_0a1b2c3d4e5f_***',
    );
  });

  it('masks inside stack traces and keeps their line numbers', () => {
    const stack =
      'Error: resident 13812345678 not reachable\n    at deliver (/app/apps/notification/dist/sms.channel.js:42:17)';
    expect(scrubSecrets(stack)).toBe(
      'Error: resident 138****5678 not reachable\n    at deliver (/app/apps/notification/dist/sms.channel.js:42:17)',
    );
  });

  it('is idempotent', () => {
    const inputs = [
      '13812345678',
      `Bearer ${jwt}`,
      apiKey,
      'password=x',
      'whsec_abc==',
      '010-12345678',
      'postgres://u:p@h/db',
    ];
    for (const input of inputs) expect(scrubSecrets(scrubSecrets(input))).toBe(scrubSecrets(input));
  });

  // A pattern that backtracks catastrophically would hang here for minutes; the test's own time limit catches that
  // without a wall-clock bound that a loaded machine could miss.
  it('finishes on long hostile input, and again on what it made of it, changing nothing the second time', () => {
    const scrubbed = scrubSecrets(`${'1 22 333 4444 '.repeat(5_000)}${'a=b&'.repeat(5_000)}${'"key":"'.repeat(2_000)}`);
    expect(scrubSecrets(scrubbed)).toBe(scrubbed);
  }, 10_000);

  it('leaves text without secrets untouched, byte for byte', () => {
    const text =
      'work order 550e8400-e29b-41d4-a716-446655440000 acknowledged by zhaolei at 2026-11-23T09:00:00Z (S1-20261123-0001)';
    expect(scrubSecrets(text)).toBe(text);
  });
});

describe('isSecretFieldName', () => {
  it.each([
    'password',
    'PASSWORD',
    'passwd',
    'client_secret',
    'access_token',
    'refresh-token',
    'apiKey',
    'x-api-key',
    'api_key',
    'apikey',
    'key',
    'signingKey',
  ])('%s holds a credential', (name) => expect(isSecretFieldName(name)).toBe(true));

  it.each([
    'monkey',
    'keys',
    'tokens_used',
    'username',
    'idempotency-key',
    'Idempotency-Key',
    'partitionKey',
    'keyId',
    'site',
  ])('%s does not', (name) => expect(isSecretFieldName(name)).toBe(false));
});
