import { ResidentKeys } from './resident-keys';

/** A table that keeps each order's status-link digest: LinkDigestColumn over the owning service's table. */
export interface LinkDigestStore {
  anyWithDigest(): Promise<{ workOrderId: string; linkDigest: string } | undefined>;
  clearDigests(): Promise<void>;
  withoutDigest(limit: number): Promise<string[]>;
  setDigests(digests: readonly { workOrderId: string; linkDigest: string }[]): Promise<void>;
}

const BATCH = 500;

/**
 * At start-up (Nest runs `onApplicationBootstrap` on it), gives every row of a service's table the digest of its
 * status link under the current RESIDENT_SECRET: rows from before migration 0032 (SQL cannot compute an HMAC without
 * the secret), and every row after the secret changed (one stored digest that no longer matches says so). Rows
 * written later get theirs from the service when it writes them.
 */
export class LinkDigestBackfill {
  constructor(
    private readonly store: LinkDigestStore,
    private readonly keys: ResidentKeys,
    private readonly logger: { warn(message: string): void },
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  /** Resolves with how many rows got a digest. */
  async run(): Promise<number> {
    const sample = await this.store.anyWithDigest();
    if (sample && sample.linkDigest !== this.keys.linkDigest(sample.workOrderId)) {
      this.logger.warn('RESIDENT_SECRET changed: every status link is re-keyed, the old ones no longer open');
      await this.store.clearDigests();
    }
    let filled = 0;
    for (;;) {
      const ids = await this.store.withoutDigest(BATCH);
      if (ids.length === 0) return filled;
      await this.store.setDigests(
        ids.map((workOrderId) => ({ workOrderId, linkDigest: this.keys.linkDigest(workOrderId) })),
      );
      filled += ids.length;
    }
  }
}
