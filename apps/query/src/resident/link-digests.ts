import { ResidentKeys } from '@closeloop/auth';
import type { LinkDigests } from '../projection/work-order.projection';

/** Each order's status-link digest under this secret (docs/adr/0026-resident-status-links.md). */
export const linkDigestsOf = (secretOrKeys: string | ResidentKeys): LinkDigests => {
  const keys = typeof secretOrKeys === 'string' ? new ResidentKeys(secretOrKeys) : secretOrKeys;
  return (workOrderId) => ResidentKeys.linkTokenDigest(keys.linkToken(workOrderId));
};
