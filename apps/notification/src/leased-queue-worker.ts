import { PollingWorker, PollingWorkerSettings } from '@closeloop/runtime';

/** Where a worker's items wait: claimed in batches, each with a lease (FOR UPDATE SKIP LOCKED). */
export interface LeasedQueue<T> {
  claimDue(batchSize: number, leaseSeconds: number): Promise<T[]>;
  /** Gives back items claimed but not started (a graceful shutdown), for any instance's next poll. */
  release?(items: readonly T[]): Promise<void>;
}

/**
 * A polling worker over a leased queue (alert deliveries and digests, resident notices, integrators' webhooks):
 * several instances share the work, and one that dies mid-send leaves its items to another once their lease runs
 * out; a shutdown gives back what it had not started.
 */
export abstract class LeasedQueueWorker<T> extends PollingWorker<T> {
  protected constructor(
    private readonly queue: LeasedQueue<T>,
    /** Longer than any send may take (the channel's timeout), so a lease never runs out under a living worker. */
    private readonly leaseSeconds: number,
    settings: PollingWorkerSettings,
  ) {
    super(settings);
  }

  protected claim(batchSize: number): Promise<T[]> {
    return this.queue.claimDue(batchSize, this.leaseSeconds);
  }

  protected override async release(unstarted: readonly T[]): Promise<void> {
    await this.queue.release?.(unstarted);
  }
}
