import { createHash, createHmac, hkdfSync } from 'node:crypto';

/**
 * The keys of what residents hold and what identifies them, all derived from one deployment secret
 * (RESIDENT_SECRET, at least 32 characters) so intake, query and notification agree without sharing a table:
 *
 * - a **status link token** per order: HMAC-SHA256 of the order id, 256 bits, base64url. Only its SHA-256 is
 *   stored and indexed (`ResidentKeys.linkTokenDigest`), so a database reader cannot rebuild a link, and a lookup by
 *   digest leaks nothing about how close a guess was. Changing the secret revokes every link at once.
 * - a **caller phone digest**: HMAC-SHA256 of the normalised number, so phones are matched without plain numbers in
 *   an index or a log line.
 *
 * Each use has its own key (HKDF with a label), so a value of one kind can never stand for the other.
 */
export class ResidentKeys {
  private readonly linkKey: Buffer;
  private readonly phoneKey: Buffer;

  constructor(secret: string) {
    if (secret.length < RESIDENT_SECRET_MIN_LENGTH) {
      throw new Error(`RESIDENT_SECRET must be at least ${RESIDENT_SECRET_MIN_LENGTH} characters`);
    }
    this.linkKey = derive(secret, 'closeloop resident-link v1');
    this.phoneKey = derive(secret, 'closeloop caller-phone v1');
  }

  /** The opaque token of one order's status link (43 base64url characters). */
  linkToken(workOrderId: string): string {
    return createHmac('sha256', this.linkKey).update(workOrderId).digest('base64url');
  }

  /** What a table keeps of one order's status link: the digest of its token. */
  linkDigest(workOrderId: string): string {
    return ResidentKeys.linkTokenDigest(this.linkToken(workOrderId));
  }

  /** What a table keeps of a link token: its SHA-256, hex. Unknown and well-formed tokens are looked up alike. */
  static linkTokenDigest(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  /** The keyed digest of a phone number, after normalisation; hex. */
  phoneDigest(phone: string): string {
    return createHmac('sha256', this.phoneKey).update(normalisePhone(phone)).digest('hex');
  }
}

export const RESIDENT_SECRET_MIN_LENGTH = 32;

/** A link token's shape: anything else is refused before a lookup. */
export const RESIDENT_LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

const derive = (secret: string, label: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));

/**
 * One spelling per number: separators dropped, China's country code (+86, 0086, or 86 before an 11-digit mobile)
 * removed, so "+86 138-0013-8000", "008613800138000" and "13800138000" are one caller, and "+86 21 5555 1234" is
 * "021-5555-1234".
 */
export const normalisePhone = (phone: string): string => {
  const trimmed = phone.trim();
  const digits = trimmed.replace(/\D/g, '');
  let national: string;
  if (trimmed.startsWith('+86')) national = digits.slice(2);
  else if (digits.startsWith('0086')) national = digits.slice(4);
  else if (digits.length === 13 && digits.startsWith('861')) national = digits.slice(2);
  else return digits;
  // Dialled from abroad, a landline drops its trunk 0 (+86 21 ... is 021 ...); mobiles start with 1.
  return national.startsWith('1') ? national : `0${national}`;
};
