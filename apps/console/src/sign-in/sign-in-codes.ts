// The local stack's sign-in links (docs/adr/0025-staff-console.md): an operator names a staff member, the admin tool
// stores a one-time code for them, and the console exchanges the code, once and before it expires, for a staff
// token. The code travels in a link's fragment and is kept only as its SHA-256, so neither a server log nor the
// table holds anything that signs anyone in.
import { createHash, randomBytes } from 'node:crypto';
import { isStaffRole, StaffClaims, StaffRole, StaffRoles } from '@closeloop/auth';
import { FieldIssue, IdentifierSchema, StaffIdSchema, TextSchema, ValidationError } from '@closeloop/contracts';
import { z } from 'zod';

/** Who a code signs in: the claims its staff token will carry. */
export type SignInGrant = StaffClaims;

/** Ten minutes: long enough to open a link someone just printed, short enough that a forgotten one is dead. */
export const DEFAULT_CODE_TTL_SECONDS = 600;
/** A link is for now, not for tomorrow: a code lives a day at most. */
export const MAX_CODE_TTL_SECONDS = 86_400;

/** 32 random bytes in base64url: 256 bits, nothing to guess. */
const CODE_BYTES = 32;
export const SIGN_IN_CODE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const newSignInCode = (): string => randomBytes(CODE_BYTES).toString('base64url');

/** What the table keeps instead of the code. */
export const codeHashOf = (code: string): string => createHash('sha256').update(code, 'utf8').digest('hex');

const SiteSchema = z.union([z.literal('*'), IdentifierSchema]);

const GrantSchema = z
  .object({
    staffId: StaffIdSchema,
    name: TextSchema(100),
    roles: z
      .array(z.string().refine(isStaffRole, (role) => ({ message: `${role} is not one of ${StaffRoles.join(', ')}` })))
      .min(1, 'must name at least one role')
      .max(StaffRoles.length * 2),
    sites: z.array(SiteSchema).min(1, 'must list at least one site, or * for every site').max(100),
    ttlSeconds: z
      .number()
      .int('must be a whole number of seconds')
      .min(1, 'must be at least one second')
      .max(MAX_CODE_TTL_SECONDS, `must be at most ${MAX_CODE_TTL_SECONDS} seconds (a day)`),
  })
  .strict();

/** The input as the schema reads it, or a ValidationError naming every field it refuses. */
const parsedOrRefused = <S extends z.ZodTypeAny>(schema: S, input: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues: FieldIssue[] = parsed.error.issues.map((i) => ({
    path: i.path.join('.') || `(${what})`,
    message: i.message,
  }));
  throw new ValidationError(`The ${what} is not valid`, issues);
};

/** A grant as the code store keeps it, checked: roles Closeloop knows, sites by the identifier rule, a bounded life. */
export const checkedGrant = (
  input: SignInGrant & { readonly ttlSeconds: number },
): SignInGrant & { readonly ttlSeconds: number } => {
  const { staffId, name, roles, sites, ttlSeconds } = parsedOrRefused(GrantSchema, input, 'sign-in link request');
  return { staffId, name, roles: [...new Set(roles as StaffRole[])], sites: [...new Set(sites)], ttlSeconds };
};

const ExchangeSchema = z.object({ code: z.string().regex(SIGN_IN_CODE_PATTERN, 'is not a sign-in code') }).strict();

/** The body of POST /auth/local/exchange: `{ code }`, a code as newSignInCode writes them. */
export const exchangeRequestOf = (body: unknown): { readonly code: string } =>
  parsedOrRefused(ExchangeSchema, body, 'sign-in request');

/** Why a code signs nobody in; each has its own words in the sign-in page. */
export type RefusedCode = 'SIGN_IN_CODE_UNKNOWN' | 'SIGN_IN_CODE_USED' | 'SIGN_IN_CODE_EXPIRED';

export const refusalMessages: Readonly<Record<RefusedCode, string>> = {
  SIGN_IN_CODE_UNKNOWN: 'The sign-in link is not known here: ask for a new one',
  SIGN_IN_CODE_USED: 'The sign-in link has been used already: each link signs in once; ask for a new one',
  SIGN_IN_CODE_EXPIRED: 'The sign-in link has expired: ask for a new one',
};
