import { createHash } from 'node:crypto';

// A fixed namespace: the same (scope, key) must map to the same work-order id on every instance, forever.
const WORK_ORDER_NAMESPACE = Buffer.from('5b4e0d2c8f6a4f7e9a1d3c5b7e9f1a2b', 'hex');

/**
 * RFC 9562 version-5 UUID of a retry key. Deriving the work-order id from the key makes "same key, same
 * order" a property of the event store's no-stream expectation, atomic without a separate key table.
 */
export const workOrderIdForKey = (scope: string, key: string): string => {
  const hash = createHash('sha1').update(WORK_ORDER_NAMESPACE).update(`${scope}\u0000${key}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
