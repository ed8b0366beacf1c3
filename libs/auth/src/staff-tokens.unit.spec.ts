import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimitedError, UnauthenticatedError } from '@closeloop/contracts';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { ensureLocalSigningKey, issueStaffToken, LOCAL_JWKS_FILE, LOCAL_SIGNING_KEY_FILE } from './local-signing-key';
import { bearerCredentialOf, staffCoversSite, StaffKeysUnavailableError, StaffTokenVerifier } from './staff-tokens';

const issuer = 'https://id.closeloop.test/realms/desk';
const audience = 'closeloop';
const now = new Date('2026-11-23T09:00:00+08:00');
const clock = () => now;

let dir: string;
let verifier: StaffTokenVerifier;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-auth-'));
  const { jwksFile } = await ensureLocalSigningKey(dir);
  verifier = new StaffTokenVerifier({ issuer, audience, jwks: { file: jwksFile }, clock });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const issue = (overrides: Partial<Parameters<typeof issueStaffToken>[0]> = {}) =>
  issueStaffToken({
    dir,
    issuer,
    audience,
    staffId: 'u1',
    name: 'Li Wei',
    roles: ['supervisor', 'on-call'],
    sites: ['S1'],
    ttlSeconds: 3600,
    now,
    ...overrides,
  });

/** The staff member `issue()` names. */
const liWei = { kind: 'staff', staffId: 'u1', name: 'Li Wei', roles: ['supervisor', 'on-call'], sites: ['S1'] };

const issuedAt = Math.floor(now.getTime() / 1000);

/** The registered claims of a token for `sub`, issued now for this issuer and audience, valid `ttlSeconds`. */
const registeredClaims = (sub: string, ttlSeconds = 300) => ({
  iss: issuer,
  aud: audience,
  sub,
  iat: issuedAt,
  exp: issuedAt + ttlSeconds,
});

/** Signs arbitrary claims with the local private key, as a misconfigured or foreign IdP might. */
const signWithLocalKey = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) => {
  const jwk = JSON.parse(readFileSync(join(dir, LOCAL_SIGNING_KEY_FILE), 'utf8')) as JWK;
  return new SignJWT({ ...registeredClaims('kc-7f3a'), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string, ...header })
    .sign(await importJWK(jwk, 'ES256'));
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const rejection = async (token: string): Promise<UnauthenticatedError> => {
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthenticatedError);
  const unauthenticated = error as UnauthenticatedError;
  expect(unauthenticated.kind).toBe('unauthenticated');
  // A token is a credential: no part of it may appear in what the caller or a log line sees.
  for (const part of token.split('.').filter((p) => p.length > 8)) expect(unauthenticated.message).not.toContain(part);
  return unauthenticated;
};

describe('a token from the local signing key', () => {
  it('verifies to the staff member it names', async () => {
    await expect(verifier.verify(await issue())).resolves.toEqual(liWei);
  });

  it('is accepted with its Bearer prefix too', async () => {
    await expect(verifier.verify(`Bearer ${await issue()}`)).resolves.toMatchObject({ staffId: 'u1' });
  });

  it('carries * for an administrator of every site', async () => {
    const principal = await verifier.verify(await issue({ roles: ['admin'], sites: ['*'] }));
    expect(principal).toMatchObject({ roles: ['admin'], sites: ['*'] });
    expect(staffCoversSite(principal, 'S9')).toBe(true);
    expect(staffCoversSite({ sites: ['S1'] }, 'S9')).toBe(false);
  });

  it('is still accepted within the 5 s clock tolerance after expiry', async () => {
    const token = await issue({ now: new Date(now.getTime() - 3603_000), ttlSeconds: 3600 });
    await expect(verifier.verify(token)).resolves.toMatchObject({ staffId: 'u1' });
  });
});

describe('the clock tolerance', () => {
  const expiredAgo = (seconds: number) =>
    issue({ now: new Date(now.getTime() - (3600 + seconds) * 1000), ttlSeconds: 3600 });

  it('refuses a token that expired 10 s ago (it used to pass for 30 s)', async () => {
    expect((await rejection(await expiredAgo(10))).code).toBe('TOKEN_EXPIRED');
  });

  it('refuses one that expired 6 s ago, just past the default', async () => {
    expect((await rejection(await expiredAgo(6))).code).toBe('TOKEN_EXPIRED');
  });

  it('takes none at 0: a token expired a second ago is refused', async () => {
    const strict = new StaffTokenVerifier({
      issuer,
      audience,
      jwks: { file: join(dir, LOCAL_JWKS_FILE) },
      clock,
      clockToleranceSeconds: 0,
    });
    await expect(strict.verify(await expiredAgo(1))).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('cannot be set above 5 s', () => {
    expect(
      () =>
        new StaffTokenVerifier({
          issuer,
          audience,
          jwks: { file: join(dir, LOCAL_JWKS_FILE) },
          clock,
          clockToleranceSeconds: 30,
        }),
    ).toThrow('0 to 5');
  });
});

describe('a token remembered once verified', () => {
  /** A verifier of its own, with an empty memory, on a clock the test moves. */
  const movable = () => {
    let at = now;
    const moving = new StaffTokenVerifier({
      issuer,
      audience,
      jwks: { file: join(dir, LOCAL_JWKS_FILE) },
      clock: () => at,
    });
    return { moving, moveTo: (to: Date) => (at = to) };
  };

  it('is refused from memory once it expires, as on its first check', async () => {
    const { moving, moveTo } = movable();
    const token = await issue({ ttlSeconds: 30 });
    await expect(moving.verify(token)).resolves.toMatchObject({ staffId: 'u1' });
    moveTo(new Date(now.getTime() + 34_000));
    await expect(moving.verify(token)).resolves.toMatchObject({ staffId: 'u1' });
    moveTo(new Date(now.getTime() + 35_000));
    await expect(moving.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('answers the same staff member, and no caller can change what is remembered', async () => {
    const { moving } = movable();
    const token = await issue();
    const first = await moving.verify(token);
    expect(() => first.roles.push('admin')).toThrow();
    expect(() => first.sites.push('*')).toThrow();
    await expect(moving.verify(token)).resolves.toEqual(liWei);
  });

  it('does not remember a token that failed: a bad signature fails every time', async () => {
    const { moving } = movable();
    const [head, body] = (await issue()).split('.');
    const forged = `${head}.${body}.${b64('not a signature')}`;
    await expect(moving.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(moving.verify(forged)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('remembers the whole token: the same claims under another signature are checked, and refused', async () => {
    const { moving } = movable();
    const token = await issue();
    await expect(moving.verify(token)).resolves.toMatchObject({ staffId: 'u1' });
    const [head, body] = token.split('.');
    await expect(moving.verify(`${head}.${body}.${b64('another signature')}`)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });
  });
});

describe('a token that must be refused', () => {
  it('has expired', async () => {
    const token = await issue({ now: new Date(now.getTime() - 7200_000), ttlSeconds: 3600 });
    expect((await rejection(token)).code).toBe('TOKEN_EXPIRED');
  });

  it('names another issuer', async () => {
    const error = await rejection(await issue({ issuer: 'https://evil.example/realms/desk' }));
    expect(error.code).toBe('TOKEN_INVALID');
    expect(error.message).toContain('"iss"');
  });

  it('is meant for another audience', async () => {
    expect((await rejection(await issue({ audience: 'billing' }))).message).toContain('"aud"');
  });

  it('has no expiry', async () => {
    const jwk = JSON.parse(readFileSync(join(dir, LOCAL_SIGNING_KEY_FILE), 'utf8')) as JWK;
    const token = await new SignJWT({ roles: ['admin'], sites: ['*'] })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject('u1')
      .sign(await importJWK(jwk, 'ES256'));
    expect((await rejection(token)).message).toContain('"exp"');
  });

  it('has no subject', async () => {
    expect((await rejection(await signWithLocalKey({ sub: undefined }))).code).toBe('TOKEN_INVALID');
  });

  it('is unsigned (alg none)', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...registeredClaims('u1'), roles: ['admin'], sites: ['*'] })}.`;
    expect(await rejection(token)).toMatchObject({
      code: 'TOKEN_INVALID',
      message: expect.stringContaining('RS256, ES256, EdDSA'),
    });
  });

  it('is signed with a shared secret (HS256), even one equal to the public key', async () => {
    const jwks = readFileSync(join(dir, LOCAL_JWKS_FILE));
    const token = await new SignJWT({ ...registeredClaims('u1'), roles: ['admin'], sites: ['*'] })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(jwks));
    expect((await rejection(token)).message).toContain('RS256, ES256, EdDSA');
  });

  it('was tampered with after signing', async () => {
    const [header, payload, signature] = (await issue({ roles: ['technician'] })).split('.') as [
      string,
      string,
      string,
    ];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64({ ...claims, roles: ['admin'], sites: ['*'] })}.${signature}`;
    expect((await rejection(tampered)).message).toContain('signature');
  });

  it('is signed by a key the identity provider does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT(registeredClaims('u1'))
      .setProtectedHeader({ alg: 'ES256', kid: 'other' })
      .sign(privateKey);
    expect(await rejection(token)).toMatchObject({
      code: 'TOKEN_INVALID',
      message: expect.stringContaining('signature'),
    });
  });

  it('is not a JWT at all, or is missing', async () => {
    expect((await rejection('not-a-token')).code).toBe('TOKEN_INVALID');
    expect((await rejection('')).code).toBe('TOKEN_MISSING');
  });
});

describe('claims from an identity provider', () => {
  it("reads Keycloak's realm_access roles and preferred_username", async () => {
    const token = await signWithLocalKey({
      preferred_username: 'wang.fang',
      realm_access: { roles: ['dispatcher', 'offline_access', 'uma_authorization'] },
      sites: ['S1', 'S2'],
    });
    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'staff',
      staffId: 'kc-7f3a',
      name: 'wang.fang',
      roles: ['dispatcher'],
      sites: ['S1', 'S2'],
    });
  });

  it('drops roles Closeloop does not know, and values that are not strings', async () => {
    const token = await signWithLocalKey({
      name: 'Zhao Lei',
      roles: ['technician', 'superuser', 42, 'admin '],
      realm_access: { roles: ['technician'] },
      sites: ['S1', 7],
    });
    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'staff',
      staffId: 'kc-7f3a',
      name: 'Zhao Lei',
      roles: ['technician'],
      sites: ['S1'],
    });
  });

  it('gives no roles and no sites when the token carries none', async () => {
    await expect(verifier.verify(await signWithLocalKey({}))).resolves.toEqual({
      kind: 'staff',
      staffId: 'kc-7f3a',
      name: 'kc-7f3a',
      roles: [],
      sites: [],
    });
  });

  it('accepts RS256 from a JWKS file holding an RSA key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const rsaFile = join(dir, 'rsa-jwks.json');
    writeFileSync(
      rsaFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }] }),
    );
    const rsaVerifier = new StaffTokenVerifier({ issuer, audience, jwks: { file: rsaFile }, clock });
    const token = await new SignJWT({ ...registeredClaims('u2', 60), roles: ['technician'], sites: ['S3'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .sign(privateKey);
    await expect(rsaVerifier.verify(token)).resolves.toMatchObject({ staffId: 'u2', roles: ['technician'] });
  });
});

describe('a remote JWKS (the IdP over HTTP)', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const jwks = readFileSync(join(dir, LOCAL_JWKS_FILE));
    server = createServer((request, response) => {
      if (request.url === '/certs') response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
      else response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies tokens against the keys it serves', async () => {
    const remote = new StaffTokenVerifier({ issuer, audience, jwks: { url: `${base}/certs` }, clock });
    await expect(remote.verify(await issue())).resolves.toMatchObject({ staffId: 'u1' });
  });

  it('reports an IdP that cannot serve its keys as unavailable, not as the caller being unauthenticated', async () => {
    const broken = new StaffTokenVerifier({ issuer, audience, jwks: { url: `${base}/missing` }, clock });
    await expect(broken.verify(await issue())).rejects.toBeInstanceOf(StaffKeysUnavailableError);
  });
});

describe('the local signing key', () => {
  it('is made once, readable by its owner only, with a public JWKS beside it', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'closeloop-keys-'));
    try {
      const [first, second] = await Promise.all([ensureLocalSigningKey(fresh), ensureLocalSigningKey(fresh)]);
      const third = await ensureLocalSigningKey(fresh);
      expect(new Set([first.kid, second.kid, third.kid]).size).toBe(1);
      expect(statSync(first.privateKeyFile).mode & 0o777).toBe(0o600);
      const jwks = JSON.parse(readFileSync(first.jwksFile, 'utf8')) as { keys: JWK[] };
      expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: first.kid, alg: 'ES256' })]);
      expect(jwks.keys[0]).not.toHaveProperty('d');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('refuses to issue a token with an unknown role or no sites', async () => {
    await expect(issue({ roles: ['boss' as never] })).rejects.toMatchObject({ kind: 'validation' });
    await expect(issue({ sites: [] })).rejects.toMatchObject({ kind: 'validation' });
  });
});

describe('helpers', () => {
  it('reads the credential of a Bearer authorization header', () => {
    expect(bearerCredentialOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerCredentialOf('bearer clk_x')).toBe('clk_x');
    expect(bearerCredentialOf('Basic dXNlcg==')).toBeUndefined();
    expect(bearerCredentialOf(undefined)).toBeUndefined();
  });

  it('rounds a rate limit up to whole seconds for Retry-After', () => {
    const error = new RateLimitedError(2.2);
    expect(error).toMatchObject({
      kind: 'too-many-requests',
      code: 'RATE_LIMITED',
      retryAfterSeconds: 3,
      details: { retryAfterSeconds: 3 },
    });
  });
});
