import { UnauthenticatedError, ValidationError } from '@closeloop/contracts';
import { freshDatabase, TestDatabase } from '@closeloop/testing';
import { SignInGrant } from './sign-in-codes';
import { SignInCodes } from './sign-in-codes.repository';

const supervisor: SignInGrant = { staffId: 'sup-li', name: '李主管', roles: ['supervisor'], sites: ['S1'] };
const ISSUED_AT = new Date('2026-12-05T08:00:00Z');

let db: TestDatabase;
let now: Date;
let codes: SignInCodes;

const rows = async () =>
  (await db.pool.query('SELECT * FROM console_sign_in_codes ORDER BY created_at, code_hash')).rows as Record<
    string,
    unknown
  >[];

/** The refusal's stable code, or a failure naming what happened instead. */
const refusalOf = async (redeeming: Promise<unknown>): Promise<string> => {
  const outcome = await redeeming.then(
    () => 'redeemed',
    (error: unknown) => (error instanceof UnauthenticatedError ? error.code : String(error)),
  );
  return outcome;
};

beforeAll(async () => {
  db = await freshDatabase('console_sign_in');
});

beforeEach(async () => {
  await db.pool.query('DELETE FROM console_sign_in_codes');
  now = ISSUED_AT;
  codes = new SignInCodes(db.pool, () => now);
});

afterAll(async () => {
  await db.drop();
});

describe('the console sign-in codes (real PostgreSQL)', () => {
  it('keeps only the hash of a code, and hands its grant over once', async () => {
    const { code, expiresAt } = await codes.issue({ ...supervisor, ttlSeconds: 600 });
    expect(expiresAt).toEqual(new Date('2026-12-05T08:10:00Z'));
    expect(JSON.stringify(await rows())).not.toContain(code);

    now = new Date('2026-12-05T08:09:59Z');
    await expect(codes.redeem(code)).resolves.toEqual(supervisor);
    await expect(refusalOf(codes.redeem(code))).resolves.toBe('SIGN_IN_CODE_USED');
    expect((await rows()).map((r) => r['used_at'])).toEqual([new Date('2026-12-05T08:09:59Z')]);
  });

  it('lets exactly one of two exchanges of the same code at once win', async () => {
    for (let round = 0; round < 10; round++) {
      const { code } = await codes.issue({ ...supervisor, ttlSeconds: 600 });
      const outcomes = await Promise.all([refusalOf(codes.redeem(code)), refusalOf(codes.redeem(code))]);
      expect(outcomes.sort()).toEqual(['SIGN_IN_CODE_USED', 'redeemed']);
    }
  });

  it('refuses an expired code and an unknown one, writing nothing', async () => {
    const { code } = await codes.issue({ ...supervisor, ttlSeconds: 60 });
    const before = await rows();
    now = new Date('2026-12-05T08:01:00Z');
    await expect(refusalOf(codes.redeem(code))).resolves.toBe('SIGN_IN_CODE_EXPIRED');
    await expect(refusalOf(codes.redeem('A'.repeat(43)))).resolves.toBe('SIGN_IN_CODE_UNKNOWN');
    expect(await rows()).toEqual(before);
  });

  it('forgets codes a day past their expiry when it issues the next, so an old link reads as unknown', async () => {
    const { code: old } = await codes.issue({ ...supervisor, ttlSeconds: 60 });
    now = new Date('2026-12-06T08:01:01Z');
    await codes.issue({ ...supervisor, ttlSeconds: 60 });
    expect(await rows()).toHaveLength(1);
    await expect(refusalOf(codes.redeem(old))).resolves.toBe('SIGN_IN_CODE_UNKNOWN');
  });

  it('refuses a grant Closeloop cannot sign in, and stores nothing', async () => {
    const refused = codes.issue({ staffId: 'x y', name: ' ', roles: ['boss' as never], sites: [], ttlSeconds: 0 });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({
      issues: [
        { path: 'staffId', message: expect.any(String) },
        { path: 'name', message: expect.any(String) },
        { path: 'roles.0', message: expect.stringContaining('boss is not one of') },
        { path: 'sites', message: expect.stringContaining('at least one site') },
        { path: 'ttlSeconds', message: expect.stringContaining('at least one second') },
      ],
    });
    expect(await rows()).toEqual([]);
  });
});
