import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  IntegratorKeyVerifier,
  parseIntegratorKey,
  StaffKeysUnavailableError,
  StaffTokenVerifier,
  bearerCredentialOf,
} from '@closeloop/auth';
import { CloseloopError, ForbiddenError, RateLimitedError, UnauthenticatedError } from '@closeloop/contracts';
import { ACCESS_RULE, AccessRule, attachPrincipal } from '@closeloop/http';
import type { Request } from 'express';
import { RateLimiter } from './rate-limiter';

export const INTEGRATOR_KEYS = Symbol('IntegratorKeyVerifier');
export const STAFF_TOKENS = Symbol('StaffTokenVerifier');
export const RATE_LIMITER = Symbol('RateLimiter');
/** Staff's limiter: the same limit and table, hits counted ahead in blocks (docs/adr/0046). */
export const STAFF_RATE_LIMITER = Symbol('StaffRateLimiter');

export const API_KEY_HEADER = 'x-api-key';

/**
 * Authenticates every HTTP request against its route's access rule: integrators by API key (X-Api-Key), staff by
 * bearer JWT, with their roles. Integrator keys are rate-limited by key id before the (deliberately slow) hash is
 * checked, so guessing at a known key id cannot burn the service's CPU, every hit counted as it comes; staff by
 * person once the token checks out, from hits their instance counted ahead (docs/adr/0046), so a staff read waits for
 * no write.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(INTEGRATOR_KEYS) private readonly integrators: IntegratorKeyVerifier,
    @Inject(STAFF_TOKENS) private readonly staff: StaffTokenVerifier,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    @Inject(STAFF_RATE_LIMITER) private readonly staffLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) throw new ForbiddenError('This route has no access rule', 'NO_ACCESS_RULE');
    if ('public' in rule) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const apiKey = request.header(API_KEY_HEADER);
    const bearer = bearerCredentialOf(request.header('authorization'));
    if (apiKey !== undefined) {
      if (!rule.integrator)
        throw new ForbiddenError('Integrator keys may not use this route', 'INTEGRATOR_NOT_ALLOWED');
      await this.limit(this.limiter, `key:${parseIntegratorKey(apiKey)?.keyId ?? 'malformed'}`);
      const principal = await this.integrators.verify(apiKey);
      if (!principal) throw new UnauthenticatedError('The API key is not valid, revoked or expired', 'API_KEY_INVALID');
      attachPrincipal(request, principal);
      return true;
    }
    if (bearer !== undefined) {
      const principal = await this.verifyStaff(bearer);
      await this.limit(this.staffLimiter, `staff:${principal.staffId}`);
      if (!rule.staff || !principal.roles.some((role) => rule.staff?.includes(role))) {
        throw new ForbiddenError(
          `This route needs one of the roles: ${(rule.staff ?? []).join(', ') || '(integrators only)'}`,
          'ROLE_NOT_ALLOWED',
        );
      }
      attachPrincipal(request, principal);
      return true;
    }
    throw new UnauthenticatedError();
  }

  private async verifyStaff(bearer: string) {
    try {
      return await this.staff.verify(bearer);
    } catch (error) {
      if (error instanceof StaffKeysUnavailableError)
        throw new CloseloopError(
          'unavailable',
          'IDENTITY_PROVIDER_UNAVAILABLE',
          'Staff tokens cannot be checked now: the identity provider does not answer',
        );
      throw error;
    }
  }

  private async limit(limiter: RateLimiter, bucket: string): Promise<void> {
    const outcome = await limiter.hit(bucket);
    if (!outcome.allowed) throw new RateLimitedError(outcome.retryAfterSeconds);
  }
}
