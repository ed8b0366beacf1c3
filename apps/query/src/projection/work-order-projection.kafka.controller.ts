import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ResidentKeys } from '@closeloop/auth';
import { inTransaction } from '@closeloop/database';
import { ANY_EVENT_TYPE, InboundCloudEvent, lockReadModelShared } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { RESIDENT_KEYS } from '../query.config';
import { linkDigestsOf } from '../resident/link-digests';
import { isProjected, LinkDigests, projectEvent } from './work-order.projection';
import { QUERY_READ_MODEL } from './work-order.rebuild';

/** Projects every work-order event onto the supervisors' read side: the order's timeline and its folded row. */
@Controller()
export class WorkOrderProjectionKafkaController {
  private readonly linkDigests: LinkDigests;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(RESIDENT_KEYS) keys: ResidentKeys,
  ) {
    this.linkDigests = linkDigestsOf(keys);
  }

  @EventPattern(ANY_EVENT_TYPE)
  async onEvent({ event }: InboundCloudEvent): Promise<void> {
    // Types from a newer producer than this projection are kept for its next version, not guessed at.
    if (!isProjected(event)) return;
    await inTransaction(this.pool, async (client) => {
      // Before the first write: a rebuild swapping new tables in waits for this event, or this event for the swap,
      // and then lands in the new tables (ADR 16).
      await lockReadModelShared(client, QUERY_READ_MODEL);
      await projectEvent(client, event, this.linkDigests);
    });
  }
}
