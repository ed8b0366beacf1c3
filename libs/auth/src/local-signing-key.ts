import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@closeloop/contracts';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { writeKeyFileOnce } from './key-file';
import { isStaffRole, StaffClaims, StaffRoles } from './staff-tokens';

/**
 * A stand-in identity provider for the demo and development: one ES256 key pair in a folder (by default
 * .local/keys), the private half readable by its owner only, the public half as a JWKS file the services verify
 * against (`{ jwks: { file } }`). Production points the services at the real IdP's JWKS URL instead.
 */
export const LOCAL_SIGNING_KEY_FILE = 'staff-signing-key.json';
export const LOCAL_JWKS_FILE = 'jwks.json';

export interface LocalSigningKey {
  readonly privateKeyFile: string;
  readonly jwksFile: string;
  readonly kid: string;
}

/** Creates the key pair the first time (several processes may race; one wins), and the JWKS whenever it is missing. */
export const ensureLocalSigningKey = async (dir: string): Promise<LocalSigningKey> => {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privateKeyFile = join(dir, LOCAL_SIGNING_KEY_FILE);
  const jwksFile = join(dir, LOCAL_JWKS_FILE);
  if (!existsSync(privateKeyFile)) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    writeKeyFileOnce(privateKeyFile, { ...jwk, kid, alg: 'ES256', use: 'sig' });
  }
  const privateJwk = readPrivateKey(privateKeyFile);
  const kid = privateJwk.kid as string;
  if (!existsSync(jwksFile)) {
    const { d: _private, ...publicJwk } = privateJwk;
    const draft = `${jwksFile}.${process.pid}.${randomUUID()}.tmp`;
    writeFileSync(draft, `${JSON.stringify({ keys: [publicJwk] }, null, 2)}\n`);
    renameSync(draft, jwksFile);
  }
  return { privateKeyFile, jwksFile, kid };
};

const readPrivateKey = (file: string): JWK => {
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`${file} is not an ES256 private JWK with a kid`);
  }
  return jwk;
};

export interface StaffTokenRequest extends StaffClaims {
  readonly dir: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** When the token is issued; the system clock if not given. */
  readonly now?: Date;
}

/** A compact JWT signed with the local key, carrying the claims StaffTokenVerifier reads. */
export const issueStaffToken = async (request: StaffTokenRequest): Promise<string> => {
  const issues = [
    ...(request.staffId.trim() === '' ? [{ path: 'staffId', message: 'must not be empty' }] : []),
    ...(request.name.trim() === '' ? [{ path: 'name', message: 'must not be empty' }] : []),
    ...request.roles.flatMap((role, i) =>
      isStaffRole(role)
        ? []
        : [{ path: `roles.${i}`, message: `${String(role)} is not one of ${StaffRoles.join(', ')}` }],
    ),
    ...(request.sites.length === 0 ? [{ path: 'sites', message: 'must list at least one site, or * for all' }] : []),
    ...(Number.isInteger(request.ttlSeconds) && request.ttlSeconds > 0
      ? []
      : [{ path: 'ttlSeconds', message: 'must be a whole number of seconds above 0' }]),
  ];
  if (issues.length > 0) throw new ValidationError('The staff token request is not valid', issues);
  const { privateKeyFile, kid } = await ensureLocalSigningKey(request.dir);
  const key = await importJWK(readPrivateKey(privateKeyFile), 'ES256');
  const issuedAt = Math.floor((request.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ name: request.name, roles: [...new Set(request.roles)], sites: [...new Set(request.sites)] })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.staffId)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + request.ttlSeconds)
    .sign(key);
};
