import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { applyDecorators, Header, HttpCode } from '@nestjs/common';
import { CloseloopError } from '@closeloop/contracts';
import { Access } from '@closeloop/http';

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
export const createAckLinkToken = (secret: string, claims: AckLinkClaims): string =>
  signedToken(secret, { a: claims.alertId, s: claims.staffId, e: claims.expiresAt });

export const verifyAckLinkToken = (secret: string, token: string, now: Date): AckLinkClaims | undefined => {
  const claims = verifiedClaims(secret, token, now, 'a');
  return claims && { alertId: claims.id, staffId: claims.staffId, expiresAt: claims.expiresAt };
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
export const createDigestLinkToken = (secret: string, claims: DigestLinkClaims): string =>
  signedToken(secret, { d: claims.digestId, s: claims.staffId, e: claims.expiresAt });

export const verifyDigestLinkToken = (secret: string, token: string, now: Date): DigestLinkClaims | undefined => {
  const claims = verifiedClaims(secret, token, now, 'd');
  return claims && { digestId: claims.id, staffId: claims.staffId, expiresAt: claims.expiresAt };
};

const signedToken = (secret: string, claims: Record<string, string | number>): string => {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${sign(secret, body)}`;
};

/** The claims of a link of the kind keyed by `idKey` (an alert's `a`, a digest's `d`) that has not expired. */
const verifiedClaims = (
  secret: string,
  token: string,
  now: Date,
  idKey: 'a' | 'd',
): { id: string; staffId: string; expiresAt: number } | undefined => {
  const claims = verifiedBody(secret, token, now);
  const id = claims?.[idKey];
  const staffId = claims?.['s'];
  if (typeof id !== 'string' || typeof staffId !== 'string') return undefined;
  return { id, staffId, expiresAt: claims?.['e'] as number };
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

/** The refusal of a link presented a second time. */
export const ackLinkUsedError = (): CloseloopError =>
  new CloseloopError('conflict', 'ACK_LINK_USED', 'This ack link was used already; each link acknowledges once');

const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page an ack link opens: what it acknowledges (stored values, so escaped) and a button that posts the
 * acknowledgement, because mail scanners and chat previews follow links on their own.
 */
export const ackLinkPage = (title: string, what: string, button: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body>\n` +
  `<h1>${title}</h1><p>${escapeHtml(what)}</p>\n` +
  `<form method="post"><button type="submit">${button}</button></form></body></html>`;

/**
 * What the route of the page a link opens is besides its path: public (the link is the credential), HTML, and never
 * cached, since what it shows changes once the link is used.
 */
export const AckLinkPageRoute = (): MethodDecorator =>
  applyDecorators(
    Access({ public: true }),
    Header('Content-Type', 'text/html; charset=utf-8'),
    Header('Cache-Control', 'no-store'),
  );

/** What the route the page's button posts to is besides its path: public as the page is, answering 200. */
export const AckLinkActionRoute = (): MethodDecorator => applyDecorators(Access({ public: true }), HttpCode(200));
