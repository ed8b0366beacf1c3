import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { backfillLinkDigests, ResidentKeys } from '@closeloop/auth';
import { RESIDENT_KEYS } from '../intake.config';
import { ResidentLinkOrdersRepository } from './resident-link-orders.repository';

/**
 * At start-up, gives every order intake opened the digest of its link under the current RESIDENT_SECRET (see
 * backfillLinkDigests). New orders get theirs when they are opened.
 */
@Injectable()
export class ResidentLinkDigestsBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger('resident-links');

  constructor(
    private readonly orders: ResidentLinkOrdersRepository,
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  /** Resolves with how many orders got a digest. */
  run(): Promise<number> {
    return backfillLinkDigests(this.orders, this.keys, () =>
      this.logger.warn('RESIDENT_SECRET changed: every status link is re-keyed, the old ones no longer open'),
    );
  }
}
