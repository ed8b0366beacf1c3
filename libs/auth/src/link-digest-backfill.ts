import { ResidentKeys } from './resident-keys';

/** A table that keeps each order's status-link digest; its SQL stays in the owning service's repository. */
export interface LinkDigestStore {
  anyWithDigest(): Promise<{ workOrderId: string; linkDigest: string } | undefined>;
  clearDigests(): Promise<void>;
  withoutDigest(limit: number): Promise<string[]>;
  setDigests(digests: readonly { workOrderId: string; linkDigest: string }[]): Promise<void>;
}

const BATCH = 500;

/**
 * Gives every row of `store` the digest of its status link under the current RESIDENT_SECRET: rows from before
 * migration 0032 (SQL cannot compute an HMAC without the secret), and every row after the secret changed (one stored
 * digest that no longer matches says so, and `onRekey` is told). Resolves with how many rows got a digest.
 */
export async function backfillLinkDigests(
  store: LinkDigestStore,
  keys: ResidentKeys,
  onRekey: () => void,
): Promise<number> {
  const sample = await store.anyWithDigest();
  if (sample && sample.linkDigest !== keys.linkDigest(sample.workOrderId)) {
    onRekey();
    await store.clearDigests();
  }
  let filled = 0;
  for (;;) {
    const ids = await store.withoutDigest(BATCH);
    if (ids.length === 0) return filled;
    await store.setDigests(ids.map((workOrderId) => ({ workOrderId, linkDigest: keys.linkDigest(workOrderId) })));
    filled += ids.length;
  }
}
