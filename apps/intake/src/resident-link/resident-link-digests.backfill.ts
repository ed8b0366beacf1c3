import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ResidentLinkOrdersRepository } from './resident-link-orders.repository';
import { ResidentLinks } from './resident-links';

const BATCH = 500;

/**
 * At start-up, gives every order intake opened the digest of its link under the current RESIDENT_SECRET: orders from
 * before migration 0032 (SQL cannot compute an HMAC without the secret), and every order after the secret changed
 * (one stored digest that no longer matches says so). New orders get theirs when they are opened.
 */
@Injectable()
export class ResidentLinkDigestsBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger('resident-links');

  constructor(
    private readonly orders: ResidentLinkOrdersRepository,
    private readonly links: ResidentLinks,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  /** Resolves with how many orders got a digest. */
  async run(): Promise<number> {
    const sample = await this.orders.anyWithDigest();
    if (sample && sample.linkDigest !== this.links.digestOf(sample.workOrderId)) {
      this.logger.warn('RESIDENT_SECRET changed: every status link is re-keyed, the old ones no longer open');
      await this.orders.clearDigests();
    }
    let filled = 0;
    for (;;) {
      const ids = await this.orders.withoutDigest(BATCH);
      if (ids.length === 0) return filled;
      await this.orders.setDigests(
        ids.map((workOrderId) => ({ workOrderId, linkDigest: this.links.digestOf(workOrderId) })),
      );
      filled += ids.length;
    }
  }
}
