import { createHash } from 'node:crypto';
import { requestFingerprint } from './request-fingerprint';

describe('requestFingerprint', () => {
  const report = {
    siteId: 'S1',
    building: '3',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    description: 'Burst pipe under the kitchen sink',
  };

  it('keeps giving the fingerprints stored before intake and the work-order commands shared one function', () => {
    // What intake's own copy (apps/intake/src/submit-report/idempotency.ts until it was removed) gave for this body,
    // with the canonical JSON it hashed: report keys and recorded events keep matching their retries.
    const body = {
      siteId: 'S1',
      building: '3',
      unit: undefined,
      channel: 'phone',
      reporter: { phone: '13812345678', name: 'Ms Lin' },
      category: 'plumbing',
      description: 'Burst pipe under the kitchen sink — 厨房水管爆裂',
      tags: ['leak', 2, null, { b: true, a: 1.5 }],
    };
    const canonical =
      '{"building":"3","category":"plumbing","channel":"phone","description":"Burst pipe under the kitchen sink — 厨房水管爆裂",' +
      '"reporter":{"name":"Ms Lin","phone":"13812345678"},"siteId":"S1","tags":["leak",2,null,{"a":1.5,"b":true}]}';
    expect(requestFingerprint(body)).toBe('e9eb766ffcfdfcc98c4597c05e8fbc73e17dbe75c0c32c0fa5939e40259ffde1');
    expect(requestFingerprint(body)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

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
    expect(
      requestFingerprint({
        ...report,
        unit: undefined,
        reporter: { ...report.reporter, name: 'Ms Lin', email: undefined },
      }),
    ).toBe(requestFingerprint(report));
  });

  it('tells a different report apart', () => {
    expect(requestFingerprint({ ...report, building: '4' })).not.toBe(requestFingerprint(report));
    expect(requestFingerprint({ ...report, reporter: { ...report.reporter, phone: '13812345679' } })).not.toBe(
      requestFingerprint(report),
    );
  });

  it('keeps array order and value types: photos in another order, or a rating as text, are another request', () => {
    expect(requestFingerprint({ action: 'resolve', body: { photoRefs: ['a', 'b'] } })).not.toBe(
      requestFingerprint({ action: 'resolve', body: { photoRefs: ['b', 'a'] } }),
    );
    expect(requestFingerprint({ rating: 5 })).not.toBe(requestFingerprint({ rating: '5' }));
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
