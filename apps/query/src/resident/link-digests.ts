import { ResidentKeys } from '@closeloop/auth';
import type { LinkDigests, ResidentDigests } from '../projection/work-order.projection';

/** Each order's status-link digest under this secret (docs/adr/0026-resident-status-links.md). */
export const linkDigestsOf = (secretOrKeys: string | ResidentKeys): LinkDigests => {
  const keys = typeof secretOrKeys === 'string' ? new ResidentKeys(secretOrKeys) : secretOrKeys;
  return (workOrderId) => keys.linkDigest(workOrderId);
};

/** Both digests the projection writes, keyed by one secret: the status link's and the reporter's phone's. */
export const residentDigestsOf = (secretOrKeys: string | ResidentKeys): ResidentDigests => {
  const keys = typeof secretOrKeys === 'string' ? new ResidentKeys(secretOrKeys) : secretOrKeys;
  return { link: linkDigestsOf(keys), phone: (phone) => keys.phoneDigest(phone) };
};
