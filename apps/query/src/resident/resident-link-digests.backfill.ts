import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { backfillLinkDigests, ResidentKeys } from '@closeloop/auth';
import { RESIDENT_KEYS } from '../query.config';
import { ResidentOrdersRepository } from './resident-orders.repository';

/**
 * At start-up, gives every order row the digest of its status link under the current RESIDENT_SECRET (see
 * backfillLinkDigests). The projection writes the digest with each row it folds.
 */
@Injectable()
export class ResidentLinkDigestsBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger('resident-links');

  constructor(
    private readonly orders: ResidentOrdersRepository,
    @Inject(RESIDENT_KEYS) private readonly keys: ResidentKeys,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  /** Resolves with how many rows got a digest. */
  run(): Promise<number> {
    return backfillLinkDigests(this.orders, this.keys, () =>
      this.logger.warn('RESIDENT_SECRET changed: every status link is re-keyed, the old ones no longer open'),
    );
  }
}
