import { workOrderIdForKey } from './idempotency';

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
    expect(workOrderIdForKey('cloudevent:crm', '/hotline-42')).not.toBe(
      workOrderIdForKey('cloudevent:crm/', 'hotline-42'),
    );
  });

  it('gives different ids for different keys', () => {
    const ids = Array.from({ length: 50 }, (_, i) => workOrderIdForKey('http', `retry-${i}`));
    expect(new Set(ids).size).toBe(50);
  });
});
