import { normalisePhone, RESIDENT_LINK_TOKEN, ResidentKeys } from './resident-keys';

describe('ResidentKeys', () => {
  const keys = new ResidentKeys('a-deployment-secret-of-at-least-32-chars');

  it('gives each order one 256-bit link token that every service holding the secret computes alike', () => {
    const token = keys.linkToken('4c1e3d0a-8d7e-4a57-9a55-0d6f7f0f1b11');
    expect(token).toMatch(RESIDENT_LINK_TOKEN);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(
      new ResidentKeys('a-deployment-secret-of-at-least-32-chars').linkToken('4c1e3d0a-8d7e-4a57-9a55-0d6f7f0f1b11'),
    ).toBe(token);
    expect(keys.linkToken('another-order')).not.toBe(token);
    expect(
      new ResidentKeys('another-deployment-secret-32-chars-long').linkToken('4c1e3d0a-8d7e-4a57-9a55-0d6f7f0f1b11'),
    ).not.toBe(token);
  });

  it('stores a digest of the token, never the token', () => {
    const token = keys.linkToken('order-1');
    const digest = ResidentKeys.linkTokenDigest(token);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).not.toContain(token);
  });

  it('matches one caller however the number is written, and keys phones apart from links', () => {
    const digest = keys.phoneDigest('13800138000');
    for (const spelling of ['+86 138-0013-8000', '008613800138000', '8613800138000', ' 138 0013 8000 ']) {
      expect(keys.phoneDigest(spelling)).toBe(digest);
    }
    expect(keys.phoneDigest('13800138001')).not.toBe(digest);
    expect(digest).not.toBe(Buffer.from(keys.linkToken('13800138000'), 'base64url').toString('hex'));
  });

  it('keeps landline area codes and refuses a short secret', () => {
    expect(normalisePhone('021-5555-1234')).toBe('02155551234');
    expect(normalisePhone('+86 21 5555 1234')).toBe('02155551234');
    expect(() => new ResidentKeys('short')).toThrow(/RESIDENT_SECRET/);
  });
});
