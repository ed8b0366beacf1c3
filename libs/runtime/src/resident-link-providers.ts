import { FactoryProvider, Logger, Type } from '@nestjs/common';
import { LinkDigestBackfill, LinkDigestStore, ResidentKeys } from '@closeloop/auth';
import { Pool } from 'pg';
import { RateLimiter } from './rate-limiter';
import { ResidentLinkDoor } from './resident-link-door';
import { PG_POOL } from './tokens';

/**
 * The start-up backfill of residents' link digests (LinkDigestBackfill) over the service's own order rows: `store`
 * is the repository the module provides, `keys` the token of its ResidentKeys.
 */
export const linkDigestBackfill = (
  store: Type<LinkDigestStore>,
  keys: symbol,
): FactoryProvider<LinkDigestBackfill> => ({
  provide: LinkDigestBackfill,
  useFactory: (orders: LinkDigestStore, residentKeys: ResidentKeys) =>
    new LinkDigestBackfill(orders, residentKeys, new Logger('resident-links')),
  inject: [store, keys],
});

/**
 * The door of the service's public resident routes (ResidentLinkDoor): `limitPerMinute` requests a client address,
 * counted under `scope` so that each service's routes keep a budget of their own.
 */
export const residentLinkDoor = (scope: string, limitPerMinute: number): FactoryProvider<ResidentLinkDoor> => ({
  provide: ResidentLinkDoor,
  useFactory: (pool: Pool) =>
    new ResidentLinkDoor(new RateLimiter(pool, { limit: limitPerMinute, windowSeconds: 60 }), scope),
  inject: [PG_POOL],
});
