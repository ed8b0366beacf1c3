import { nameBasedUuid, uuidNamespace } from '@closeloop/contracts';

// A fixed namespace: the same (scope, key) must map to the same work-order id on every instance, forever.
const WORK_ORDER_KEYS = uuidNamespace('5b4e0d2c-8f6a-4f7e-9a1d-3c5b7e9f1a2b');

/**
 * RFC 9562 version-5 UUID of a retry key. Deriving the work-order id from the key makes "same key, same
 * order" a property of the event store's no-stream expectation, atomic without a separate key table.
 */
export const workOrderIdForKey = (scope: string, key: string): string =>
  nameBasedUuid(WORK_ORDER_KEYS, `${scope}\u0000${key}`);
