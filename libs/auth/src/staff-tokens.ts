import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UnauthenticatedError } from '@closeloop/contracts';
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { BoundedMemory } from './bounded-memory';

/**
 * Staff are the service desk's people: dispatchers (派单员) who assign orders, technicians who do the work,
 * supervisors who watch SLAs, the on-call person who is paged on escalation, and administrators. They sign in at
 * an identity provider (Keycloak in production, a local signing key in the demo) and present its JWT.
 */
export const StaffRoles = ['dispatcher', 'technician', 'supervisor', 'on-call', 'admin'] as const;
export type StaffRole = (typeof StaffRoles)[number];

/** Every site: given to administrators and area supervisors. */
export const ALL_SITES = '*';

/** Who a staff token names: the claims a local token is issued with and StaffTokenVerifier reads back. */
export interface StaffClaims {
  readonly staffId: string;
  readonly name: string;
  readonly roles: readonly StaffRole[];
  /** The sites this person works for; '*' means all sites (admin). */
  readonly sites: readonly string[];
}

export interface StaffPrincipal {
  readonly kind: 'staff';
  readonly staffId: string;
  readonly name: string;
  readonly roles: StaffRole[];
  /** The sites this person works for; '*' means all sites (admin). */
  readonly sites: string[];
}

export const isStaffRole = (value: unknown): value is StaffRole =>
  typeof value === 'string' && (StaffRoles as readonly string[]).includes(value);

/** Whether a staff member works for a site. */
export const staffCoversSite = (principal: Pick<StaffPrincipal, 'sites'>, siteId: string): boolean =>
  principal.sites.includes(ALL_SITES) || principal.sites.includes(siteId);

/** The credential of an `Authorization: Bearer <credential>` header, or undefined. */
export const bearerCredentialOf = (authorization: string | undefined): string | undefined => {
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(authorization ?? '');
  return match?.[1];
};

export interface StaffTokenVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** The identity provider's key set: its JWKS URL (Keycloak: `<realm>/protocol/openid-connect/certs`), or a JWKS file. */
  readonly jwks: { readonly url: string } | { readonly file: string };
  /**
   * How far the identity provider's clock and ours may disagree when checking exp and nbf, in seconds: a token
   * expired this long ago still passes. Small (config allows 0-5, default 5): every second is a second a stolen or
   * revoked-by-expiry token still works. Defaults to DEFAULT_CLOCK_TOLERANCE_SECONDS.
   */
  readonly clockToleranceSeconds?: number;
  /** For tests; otherwise the system clock. */
  readonly clock?: () => Date;
  /** Tokens remembered at most once verified (least recently used dropped); defaults to REMEMBERED_TOKENS. */
  readonly rememberedTokens?: number;
}

/** Asymmetric algorithms only: a shared-secret HS256 token, or an unsigned one, is never accepted. */
export const STAFF_TOKEN_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;
/** NTP keeps servers within milliseconds of each other; 5 s covers a drifting one without keeping expired tokens alive. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
export const MAX_CLOCK_TOLERANCE_SECONDS = 5;

/** The identity provider's keys could not be fetched: the caller is not at fault, so this is not a 401. */
export class StaffKeysUnavailableError extends Error {
  constructor(detail: string) {
    super(`The identity provider's signing keys could not be fetched: ${detail}`);
    this.name = new.target.name;
  }
}

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;

/** Staff tokens an instance remembers once verified: a desk's staff, each with a token or two, many times over. */
export const REMEMBERED_TOKENS = 10_000;
/**
 * The longest a verified token is answered from memory before its signature is checked again. Well inside the
 * 10 minutes jose keeps an identity provider's key set: a key the provider withdraws stops a remembered token no
 * later than it stopped a verified one before.
 */
export const REMEMBER_TOKEN_MILLIS = 60_000;

interface RememberedToken {
  readonly principal: StaffPrincipal;
  /** The token's exp, in ms since the epoch. */
  readonly expiresAt: number;
  /** When memory stops answering for it (REMEMBER_TOKEN_MILLIS after it verified), by the verifier's clock. */
  readonly recheckAt: number;
}

/**
 * Verifies staff JWTs: signature against the IdP's keys, then issuer, audience and expiry, then the claims Closeloop
 * reads. Checking a signature is most of what a staff GET costs, so a token that verified is remembered by its
 * SHA-256 (never the token itself) with the staff member it named, and answered from memory while it is unexpired
 * (by the same clock tolerance) and for at most REMEMBER_TOKEN_MILLIS. Staff tokens cannot be revoked other than by
 * expiry or by the provider withdrawing its key (ADR 11), and both still hold: the expiry on every call, the key
 * within a minute. Failures are not remembered, so guessing cannot fill memory; it is bounded (LRU).
 */
export class StaffTokenVerifier {
  private readonly keys: KeySet;
  private readonly remembered: BoundedMemory<string, RememberedToken>;
  private readonly toleranceMillis: number;

  constructor(private readonly options: StaffTokenVerifierOptions) {
    const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SECONDS) {
      throw new Error(`The staff token clock tolerance must be 0 to ${MAX_CLOCK_TOLERANCE_SECONDS} whole seconds`);
    }
    this.toleranceMillis = tolerance * 1000;
    this.remembered = new BoundedMemory(options.rememberedTokens ?? REMEMBERED_TOKENS);
    if ('url' in options.jwks) {
      let url: URL;
      try {
        url = new URL(options.jwks.url);
      } catch {
        throw new Error(`The staff token JWKS URL ${options.jwks.url} is not a URL`);
      }
      this.keys = createRemoteJWKSet(url);
    } else {
      this.keys = createLocalJWKSet(readJwksFile(options.jwks.file));
    }
  }

  /** The staff member a token names; throws UnauthenticatedError for any token that does not verify. */
  async verify(bearerToken: string): Promise<StaffPrincipal> {
    const token = typeof bearerToken === 'string' ? (bearerCredentialOf(bearerToken) ?? bearerToken.trim()) : '';
    if (token === '') throw new UnauthenticatedError('A staff bearer token is required', 'TOKEN_MISSING');
    const now = this.options.clock?.() ?? new Date();
    const digest = createHash('sha256').update(token, 'utf8').digest('base64');
    const remembered = this.remembered.get(digest);
    if (remembered) {
      // As jose judges exp: expired once exp is at or before now less the tolerance.
      if (now.getTime() < remembered.recheckAt && remembered.expiresAt > now.getTime() - this.toleranceMillis) {
        this.remembered.remember(digest, remembered);
        return remembered.principal;
      }
      this.remembered.forget(digest);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: [...STAFF_TOKEN_ALGORITHMS],
        clockTolerance: this.options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iss', 'aud', 'sub'],
        currentDate: now,
      }));
    } catch (error) {
      throw rejection(error);
    }
    // Shared by every request the token makes from now on: nobody may change it.
    const principal = Object.freeze(principalOf(payload));
    Object.freeze(principal.roles);
    Object.freeze(principal.sites);
    this.remembered.remember(digest, {
      principal,
      // requiredClaims makes exp present, and jose has checked it is a number.
      expiresAt: (payload.exp as number) * 1000,
      recheckAt: now.getTime() + REMEMBER_TOKEN_MILLIS,
    });
    return principal;
  }
}

const readJwksFile = (file: string): JSONWebKeySet => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`The staff token JWKS file ${file} cannot be read: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new Error(`The staff token JWKS file ${file} is not a JSON Web Key Set ({"keys": [...]})`);
  }
  return parsed as JSONWebKeySet;
};

/**
 * What a failed verification becomes. Messages are ours, never the token's content: a token is a credential and a
 * problem response or a log line must not carry it.
 */
const rejection = (error: unknown): Error => {
  const code = error instanceof errors.JOSEError ? error.code : undefined;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return new UnauthenticatedError('The bearer token has expired; sign in again', 'TOKEN_EXPIRED');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': {
      const claim = (error as errors.JWTClaimValidationFailed).claim;
      return new UnauthenticatedError(
        `The bearer token was rejected: its "${claim}" claim is missing or not accepted here`,
        'TOKEN_INVALID',
      );
    }
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new UnauthenticatedError(
        `The bearer token was rejected: it must be signed with ${STAFF_TOKEN_ALGORITHMS.join(', ')}`,
        'TOKEN_INVALID',
      );
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new UnauthenticatedError(
        "The bearer token was rejected: its signature does not verify against the identity provider's keys",
        'TOKEN_INVALID',
      );
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWK_INVALID':
      return new UnauthenticatedError(
        'The bearer token was rejected: it is not a well-formed signed JWT',
        'TOKEN_INVALID',
      );
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
    case 'ERR_JOSE_GENERIC':
      return new StaffKeysUnavailableError((error as Error).message);
    default:
      // Not a JOSE error: the remote key set's HTTP request failed (connection refused, DNS, TLS).
      return code === undefined
        ? new StaffKeysUnavailableError((error as Error)?.message ?? String(error))
        : new UnauthenticatedError('The bearer token was rejected', 'TOKEN_INVALID');
  }
};

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];

const principalOf = (payload: JWTPayload): StaffPrincipal => {
  const staffId = payload.sub;
  if (typeof staffId !== 'string' || staffId === '')
    throw new UnauthenticatedError('The bearer token was rejected: it names no subject', 'TOKEN_INVALID');
  const name =
    [payload['name'], payload['preferred_username']].find(
      (v): v is string => typeof v === 'string' && v.trim() !== '',
    ) ?? staffId;
  // Closeloop's own `roles` claim, or Keycloak's realm roles; roles Closeloop does not know (offline_access, ...) are dropped.
  const realmAccess = payload['realm_access'];
  const keycloakRoles =
    realmAccess && typeof realmAccess === 'object' ? (realmAccess as { roles?: unknown }).roles : undefined;
  const roles = [...new Set([...stringsOf(payload['roles']), ...stringsOf(keycloakRoles)])].filter(isStaffRole);
  const sites = [...new Set(stringsOf(payload['sites']))];
  return { kind: 'staff', staffId, name: name.trim(), roles, sites };
};
