import { Body, Controller, Header, HttpCode, Inject, Post } from '@nestjs/common';
import { issueStaffToken } from '@closeloop/auth';
import { NotFoundError } from '@closeloop/contracts';
import { Access } from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import { CONSOLE_CONFIG, ConsoleConfig } from '../console-config';
import { exchangeRequestOf } from './sign-in-codes';
import { SignInCodes } from './sign-in-codes.repository';

export const SIGN_IN_CODES = Symbol('SignInCodes');

/**
 * The local stack's sign-in: a one-time code from a sign-in link, exchanged once for a staff token signed with the
 * local key. Public (the code is the credential). Where no local key is configured (production), there is no such
 * route: 404, and the sign-in page offers the identity provider only.
 */
@Controller('auth/local')
@Access({ public: true })
export class LocalSignInHttpController {
  constructor(
    @Inject(CONSOLE_CONFIG) private readonly config: ConsoleConfig,
    @Inject(SIGN_IN_CODES) private readonly codes: SignInCodes,
    private readonly clock: Clock,
  ) {}

  @Post('exchange')
  @HttpCode(200)
  // The answer is a credential: no cache, shared or private, may keep it.
  @Header('cache-control', 'no-store')
  async exchange(@Body() body: unknown): Promise<{ token: string; expiresAt: string }> {
    const dir = this.config.CONSOLE_LOCAL_SIGNING_KEY_DIR;
    if (dir === undefined) throw new NotFoundError('Route', 'POST /auth/local/exchange');
    const { code } = exchangeRequestOf(body);
    const grant = await this.codes.redeem(code);
    const now = this.clock.now();
    const ttlSeconds = this.config.CONSOLE_SESSION_TTL_SECONDS;
    const token = await issueStaffToken({
      ...grant,
      dir,
      issuer: this.config.STAFF_TOKEN_ISSUER,
      audience: this.config.STAFF_TOKEN_AUDIENCE,
      ttlSeconds,
      now,
    });
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + ttlSeconds * 1000);
    return { token, expiresAt: expiresAt.toISOString() };
  }
}
