import { FactoryProvider, Logger, Type } from '@nestjs/common';
import { LinkDigestBackfill, LinkDigestStore, ResidentKeys } from '@closeloop/auth';

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
