import { decodeCursor, encodeCursor } from './feed-cursor';

describe('the feed cursor', () => {
  it('round-trips every store checkpoint, and the start of the log', () => {
    for (const checkpoint of ['812:4410', 'C:1024/P:1024', '17', undefined]) {
      const cursor = encodeCursor(checkpoint);
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(cursor)).toBe(checkpoint);
    }
    expect(decodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor('')).toBeUndefined();
  });

  it('refuses anything it did not give out, with a 422 naming `after`', () => {
    const notOurs = [
      'not base64!',
      Buffer.from('812:4410').toString('base64url'),
      Buffer.from('v2:812:4410').toString('base64url'),
      Buffer.from("v1:1' OR 1=1").toString('base64url'),
      'x'.repeat(300),
    ];
    for (const cursor of notOurs)
      expect(() => decodeCursor(cursor)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', issues: [expect.objectContaining({ path: 'after' })] }),
      );
  });
});
