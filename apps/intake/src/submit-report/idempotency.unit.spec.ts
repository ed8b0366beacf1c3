import { requestFingerprint, workOrderIdForKey } from './idempotency';

const RFC_9562_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const idempotencyKey = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('workOrderIdForKey', () => {
  it('gives the same work-order id for the same scope and key, on every call', () => {
    expect(workOrderIdForKey('http', idempotencyKey)).toBe(workOrderIdForKey('http', idempotencyKey));
  });

  it('keeps mapping a key to the id it has always mapped to (ids derived before an upgrade must still match)', () => {
    expect(workOrderIdForKey('http', idempotencyKey)).toBe('52a7a9a9-1890-5615-b63b-08ced3da02ed');
  });

  it('is a version-5 UUID with the RFC variant bits', () => {
    for (const [scope, key] of [
      ['http', idempotencyKey],
      ['cloudevent:crm/hotline', 'crm-20261123-000042'],
      ['http', ''],
      ['cloudevent:wechat/mini-program', '报修-0001'],
    ] as const) {
      const id = workOrderIdForKey(scope, key);
      expect(id).toMatch(RFC_9562_V5);
      expect(id[14]).toBe('5');
      expect(['8', '9', 'a', 'b']).toContain(id[19]);
    }
  });

  it('gives different ids for the same key in different scopes', () => {
    const fromHttp = workOrderIdForKey('http', 'crm-20261123-000042');
    const fromCrm = workOrderIdForKey('cloudevent:crm/hotline', 'crm-20261123-000042');
    const fromIvr = workOrderIdForKey('cloudevent:ivr/main', 'crm-20261123-000042');
    expect(new Set([fromHttp, fromCrm, fromIvr]).size).toBe(3);
  });

  it('does not confuse scope and key boundaries', () => {
    expect(workOrderIdForKey('cloudevent:crm', '/hotline-42')).not.toBe(workOrderIdForKey('cloudevent:crm/', 'hotline-42'));
  });

  it('gives different ids for different keys', () => {
    const ids = Array.from({ length: 50 }, (_, i) => workOrderIdForKey('http', `retry-${i}`));
    expect(new Set(ids).size).toBe(50);
  });
});

describe('requestFingerprint', () => {
  const report = {
    siteId: 'S1',
    building: '3',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    description: 'Burst pipe under the kitchen sink',
  };

  it('is a hex SHA-256 digest', () => {
    expect(requestFingerprint(report)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, at any depth', () => {
    const reordered = {
      description: 'Burst pipe under the kitchen sink',
      reporter: { phone: '13812345678', name: 'Ms Lin' },
      channel: 'phone',
      building: '3',
      siteId: 'S1',
    };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(report));
  });

  it('ignores properties whose value is undefined', () => {
    expect(requestFingerprint({ ...report, unit: undefined, reporter: { ...report.reporter, name: 'Ms Lin', email: undefined } })).toBe(
      requestFingerprint(report),
    );
  });

  it('tells a different report apart', () => {
    expect(requestFingerprint({ ...report, building: '4' })).not.toBe(requestFingerprint(report));
    expect(requestFingerprint({ ...report, reporter: { ...report.reporter, phone: '13812345679' } })).not.toBe(requestFingerprint(report));
  });

  it('tells null apart from an absent value', () => {
    expect(requestFingerprint({ ...report, unit: null })).not.toBe(requestFingerprint(report));
  });

  it('keeps array order significant', () => {
    expect(requestFingerprint({ tags: ['leak', 'urgent'] })).not.toBe(requestFingerprint({ tags: ['urgent', 'leak'] }));
  });

  it('does not confuse a string with the number it spells', () => {
    expect(requestFingerprint({ unit: '1202' })).not.toBe(requestFingerprint({ unit: 1202 }));
  });
});
