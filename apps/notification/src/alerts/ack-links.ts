import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface AckLinkClaims {
  readonly alertId: string;
  readonly staffId: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

const sign = (secret: string, body: string): string => createHmac('sha256', secret).update(body).digest('base64url');

/**
 * The ack link in an alert message: the alert, the person it was sent to and an expiry, signed with the service's
 * link secret. Whoever holds the message may acknowledge as that person, once (the link's digest is kept when used).
 */
export const createAckLinkToken = (secret: string, claims: AckLinkClaims): string => {
  const body = Buffer.from(JSON.stringify({ a: claims.alertId, s: claims.staffId, e: claims.expiresAt })).toString(
    'base64url',
  );
  return `${body}.${sign(secret, body)}`;
};

export const verifyAckLinkToken = (secret: string, token: string, now: Date): AckLinkClaims | undefined => {
  const claims = verifiedBody(secret, token, now);
  if (!claims || typeof claims['a'] !== 'string' || typeof claims['s'] !== 'string') return undefined;
  return { alertId: claims['a'], staffId: claims['s'], expiresAt: claims['e'] as number };
};

export interface DigestLinkClaims {
  readonly digestId: string;
  readonly staffId: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

/**
 * The one link of a storm digest (ADR 12), acknowledging every alert it lists as the person it was sent to. Its
 * claims are keyed apart from an alert link's (`d`, not `a`), so neither verifies as the other.
 */
export const createDigestLinkToken = (secret: string, claims: DigestLinkClaims): string => {
  const body = Buffer.from(JSON.stringify({ d: claims.digestId, s: claims.staffId, e: claims.expiresAt })).toString(
    'base64url',
  );
  return `${body}.${sign(secret, body)}`;
};

export const verifyDigestLinkToken = (secret: string, token: string, now: Date): DigestLinkClaims | undefined => {
  const claims = verifiedBody(secret, token, now);
  if (!claims || typeof claims['d'] !== 'string' || typeof claims['s'] !== 'string') return undefined;
  return { digestId: claims['d'], staffId: claims['s'], expiresAt: claims['e'] as number };
};

/** The signed body of a link that has not expired, or undefined. */
const verifiedBody = (secret: string, token: string, now: Date): Record<string, unknown> | undefined => {
  const [body, signature, ...rest] = token.split('.');
  if (!body || !signature || rest.length > 0 || body.length > 400) return undefined;
  const expected = Buffer.from(sign(secret, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      typeof claims !== 'object' ||
      claims === null ||
      typeof claims['e'] !== 'number' ||
      claims['e'] * 1000 < now.getTime()
    )
      return undefined;
    return claims;
  } catch {
    return undefined;
  }
};

/** What is stored of a used link: its digest, never the token. */
export const ackLinkDigest = (token: string): string => createHash('sha256').update(token).digest('hex');
