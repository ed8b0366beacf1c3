import { RESIDENT_LINK_TOKEN, ResidentKeys } from '@closeloop/auth';
import { ResidentLinkNotFoundError } from '@closeloop/contracts';
import type { Request } from 'express';
import { limitByClientAddress } from './address-rate-limit';
import { RateLimiter } from './rate-limiter';

/**
 * The way in to a resident's public routes by their status link (docs/adr/0026-resident-status-links.md): every
 * request counts against its client address's budget under the service's `scope`, and a malformed token answers as
 * an unknown link does. Opening a link gives its digest, by which the service finds the order.
 */
export class ResidentLinkDoor {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly scope: string,
  ) {}

  async open(request: Request, token: string): Promise<string> {
    await limitByClientAddress(this.limiter, this.scope, request);
    if (!RESIDENT_LINK_TOKEN.test(token)) throw new ResidentLinkNotFoundError();
    return ResidentKeys.linkTokenDigest(token);
  }
}
