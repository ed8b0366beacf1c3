import { RateLimitedError } from '@closeloop/contracts';
import { clientAddressOf } from '@closeloop/http';
import type { Request } from 'express';
import { RateLimiter } from './rate-limiter';

/**
 * Counts a request of a public route against its client address's budget (routes nobody holds a key for: a
 * resident's status link), refusing it with 429 RATE_LIMITED and Retry-After once the window's budget is spent.
 */
export const limitByClientAddress = async (limiter: RateLimiter, scope: string, request: Request): Promise<void> => {
  const address = clientAddressOf(request.socket?.remoteAddress, request.header('x-forwarded-for'));
  const outcome = await limiter.hit(`${scope}:${address}`);
  if (!outcome.allowed) throw new RateLimitedError(outcome.retryAfterSeconds);
};
