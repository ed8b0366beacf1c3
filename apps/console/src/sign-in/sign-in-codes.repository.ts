import { isStaffRole } from '@closeloop/auth';
import { UnauthenticatedError } from '@closeloop/contracts';
import type { Pool } from 'pg';
import { checkedGrant, codeHashOf, newSignInCode, RefusedCode, refusalMessages, SignInGrant } from './sign-in-codes';

/** A refused code is kept this long past its expiry, so that opening an old link says "expired", not "unknown". */
const KEPT_AFTER_EXPIRY_MILLIS = 86_400_000;

interface GrantRow {
  readonly staff_id: string;
  readonly name: string;
  readonly roles: string[];
  readonly sites: string[];
}

/**
 * The console's one-time sign-in codes (console_sign_in_codes). Issued by the admin tool, redeemed by the console;
 * both go through this class, so the rule "once, before it expires" is written once.
 */
export class SignInCodes {
  constructor(
    private readonly pool: Pool,
    private readonly clock: () => Date,
  ) {}

  /** Stores a new code for the grant (only its hash) and answers the code, which exists nowhere else from now on. */
  async issue(request: SignInGrant & { readonly ttlSeconds: number }): Promise<{ code: string; expiresAt: Date }> {
    const { ttlSeconds, ...grant } = checkedGrant(request);
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const code = newSignInCode();
    await this.pool.query('DELETE FROM console_sign_in_codes WHERE expires_at < $1', [
      new Date(now.getTime() - KEPT_AFTER_EXPIRY_MILLIS),
    ]);
    await this.pool.query(
      `INSERT INTO console_sign_in_codes (code_hash, staff_id, name, roles, sites, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [codeHashOf(code), grant.staffId, grant.name, grant.roles, grant.sites, now, expiresAt],
    );
    return { code, expiresAt };
  }

  /**
   * The grant a code carries, the code marked used in the same statement: of two exchanges of one code at once,
   * the row lock lets one through and the other finds it used. A code unknown, used or expired is refused
   * (UnauthenticatedError, saying which) and nothing is written.
   */
  async redeem(code: string): Promise<SignInGrant> {
    const now = this.clock();
    const hash = codeHashOf(code);
    const { rows } = await this.pool.query<GrantRow>(
      `UPDATE console_sign_in_codes SET used_at = $2
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2
        RETURNING staff_id, name, roles, sites`,
      [hash, now],
    );
    const row = rows[0];
    if (row) return { staffId: row.staff_id, name: row.name, roles: row.roles.filter(isStaffRole), sites: row.sites };
    const { rows: refused } = await this.pool.query<{ used_at: Date | null }>(
      'SELECT used_at FROM console_sign_in_codes WHERE code_hash = $1',
      [hash],
    );
    const reason: RefusedCode =
      refused.length === 0
        ? 'SIGN_IN_CODE_UNKNOWN'
        : refused[0]?.used_at
          ? 'SIGN_IN_CODE_USED'
          : 'SIGN_IN_CODE_EXPIRED';
    throw new UnauthenticatedError(refusalMessages[reason], reason);
  }
}
