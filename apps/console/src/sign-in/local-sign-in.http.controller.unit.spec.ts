import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_JWKS_FILE, StaffTokenVerifier } from '@closeloop/auth';
import { NotFoundError, UnauthenticatedError, ValidationError } from '@closeloop/contracts';
import { loadConfig } from '@closeloop/config';
import { consoleConfig } from '../console-config';
import { LocalSignInHttpController } from './local-sign-in.http.controller';
import { SignInGrant } from './sign-in-codes';
import { SignInCodes } from './sign-in-codes.repository';

const NOW = new Date('2026-12-05T08:00:00.400Z');
const CODE = 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF';
const grant: SignInGrant = { staffId: 'sup-li', name: '李主管', roles: ['supervisor'], sites: ['S1'] };

let keyDir: string;
beforeAll(() => {
  keyDir = mkdtempSync(join(tmpdir(), 'console-sign-in-'));
});
afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

/**
 * The controller over a code store that hands `grant` over for CODE and refuses every other code as unknown; with
 * the local signing key unless told otherwise.
 */
const controller = (env: Record<string, string> = {}, localKey = true) => {
  const redeem = jest.fn(async (code: string) => {
    if (code === CODE) return grant;
    throw new UnauthenticatedError('unknown', 'SIGN_IN_CODE_UNKNOWN');
  });
  const config = loadConfig(consoleConfig, {
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/closeloop',
    STAFF_TOKEN_ISSUER: 'closeloop-local',
    ...(localKey ? { CONSOLE_LOCAL_SIGNING_KEY_DIR: keyDir } : {}),
    ...env,
  });
  const codes = { redeem } as unknown as SignInCodes;
  return { redeem, controller: new LocalSignInHttpController(config, codes, { now: () => NOW }) };
};

describe('POST /auth/local/exchange', () => {
  it('answers a staff token for the grant, signed with the local key, lasting a shift', async () => {
    const { controller: exchange } = controller();
    const answer = await exchange.exchange({ code: CODE });
    expect(answer.expiresAt).toBe('2026-12-05T16:00:00.000Z');
    const verifier = new StaffTokenVerifier({
      issuer: 'closeloop-local',
      audience: 'closeloop',
      jwks: { file: join(keyDir, LOCAL_JWKS_FILE) },
      clock: () => NOW,
    });
    await expect(verifier.verify(answer.token)).resolves.toEqual({ kind: 'staff', ...grant });
  });

  it('lasts as long as CONSOLE_SESSION_TTL_SECONDS says', async () => {
    const { controller: exchange } = controller({ CONSOLE_SESSION_TTL_SECONDS: '3600' });
    await expect(exchange.exchange({ code: CODE })).resolves.toMatchObject({ expiresAt: '2026-12-05T09:00:00.000Z' });
  });

  it.each([
    ['no body', undefined],
    ['a string', CODE],
    ['no code', {}],
    ['a code too short', { code: CODE.slice(1) }],
    ['a code with a character no code has', { code: `${CODE.slice(1)}=` }],
    ['a code that is not a string', { code: 42 }],
    ['a field more', { code: CODE, staffId: 'admin' }],
  ])('refuses %s as invalid before it asks the code store', async (_what, body) => {
    const { controller: exchange, redeem } = controller();
    await expect(exchange.exchange(body)).rejects.toBeInstanceOf(ValidationError);
    expect(redeem).not.toHaveBeenCalled();
  });

  it('passes the code store’s refusal on', async () => {
    const { controller: exchange } = controller();
    await expect(exchange.exchange({ code: 'A'.repeat(43) })).rejects.toMatchObject({ code: 'SIGN_IN_CODE_UNKNOWN' });
  });

  it('is not there without a local signing key (production): 404, whatever the body', async () => {
    const { controller: exchange, redeem } = controller({}, false);
    await expect(exchange.exchange({ code: CODE })).rejects.toBeInstanceOf(NotFoundError);
    expect(redeem).not.toHaveBeenCalled();
  });
});
