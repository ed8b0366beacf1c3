import { Controller, Inject } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { ResidentKeys } from '@closeloop/auth';
import { inTransaction } from '@closeloop/database';
import { ANY_EVENT_TYPE, BatchedCloudEvent, IN_BATCH_TRANSACTION, lockReadModelShared } from '@closeloop/messaging';
import { PG_POOL } from '@closeloop/runtime';
import { Pool } from 'pg';
import { projectPriorityRegistryEvent } from '../callers/priority-residents.repository';
import { RESIDENT_KEYS } from '../query.config';
import { residentDigestsOf } from '../resident/link-digests';
import {
  isPriorityRegistryEvent,
  isProjected,
  projectEvent,
  projectEventInBatch,
  QUERY_READ_MODEL,
  ResidentDigests,
} from './work-order.projection';

/**
 * Projects every work-order event onto the supervisors' read side: the order's timeline and its folded row (with
 * the reporter's phone as a keyed digest, for the caller lookup); and the priority registry's events onto
 * query_priority_residents (ADR 28). A partition's events are projected a batch at a time, in one transaction
 * (docs/adr/0036-batch-consumers.md); one by one, each in its own, when a batch failed.
 */
@Controller()
export class WorkOrderProjectionKafkaController {
  private readonly digests: ResidentDigests;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(RESIDENT_KEYS) keys: ResidentKeys,
  ) {
    this.digests = residentDigestsOf(keys);
  }

  @EventPattern(ANY_EVENT_TYPE, IN_BATCH_TRANSACTION)
  async onEvent({ event, transaction }: BatchedCloudEvent): Promise<void> {
    if (transaction) {
      if (isPriorityRegistryEvent(event)) await projectPriorityRegistryEvent(transaction.client, event);
      else await projectEventInBatch(transaction, event, this.digests);
      return;
    }
    if (isPriorityRegistryEvent(event)) {
      await inTransaction(this.pool, (client) => projectPriorityRegistryEvent(client, event));
      return;
    }
    // Types from a newer producer than this projection are kept for its next version, not guessed at.
    if (!isProjected(event)) return;
    await inTransaction(this.pool, async (client) => {
      // Before the first write: a rebuild swapping new tables in waits for this event, or this event for the swap,
      // and then lands in the new tables (ADR 16).
      await lockReadModelShared(client, QUERY_READ_MODEL);
      await projectEvent(client, event, this.digests);
    });
  }
}
