import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ResidentKeys } from '@closeloop/auth';
import { RESIDENT_KEYS } from '../query.config';
import { linkDigestsOf } from './link-digests';
import { ResidentOrdersRepository } from './resident-orders.repository';

const BATCH = 500;

/**
 * At start-up, gives every order row the digest of its status link under the current RESIDENT_SECRET: rows from
 * before migration 0032 (SQL cannot compute an HMAC without the secret), and every row after the secret changed (one
 * stored digest that no longer matches says so). The projection writes the digest with each row it folds.
 */
@Injectable()
export class ResidentLinkDigestsBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger('resident-links');
  private readonly digestOf: (workOrderId: string) => string;

  constructor(
    private readonly orders: ResidentOrdersRepository,
    @Inject(RESIDENT_KEYS) keys: ResidentKeys,
  ) {
    this.digestOf = linkDigestsOf(keys);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  /** Resolves with how many rows got a digest. */
  async run(): Promise<number> {
    const sample = await this.orders.anyWithDigest();
    if (sample && sample.linkDigest !== this.digestOf(sample.workOrderId)) {
      this.logger.warn('RESIDENT_SECRET changed: every status link is re-keyed, the old ones no longer open');
      await this.orders.clearDigests();
    }
    let filled = 0;
    for (;;) {
      const ids = await this.orders.withoutDigest(BATCH);
      if (ids.length === 0) return filled;
      await this.orders.setDigests(ids.map((workOrderId) => ({ workOrderId, linkDigest: this.digestOf(workOrderId) })));
      filled += ids.length;
    }
  }
}
