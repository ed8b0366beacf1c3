import { WakeableLoop } from '@closeloop/database';

export interface PollingLoopOptions<T> {
  /** Claims the next batch of due work (timers, deliveries), at most `batchSize` items. */
  readonly claim: (batchSize: number) => Promise<readonly T[]>;
  /**
   * Works on the claimed batch as a whole first, handling its own failures as `work` does, and returns the items it
   * left to be worked on one by one. Without it every item is.
   */
  readonly workBatch?: (items: readonly T[]) => Promise<readonly T[]>;
  /** Works on one claimed item; it handles its own failures (release, retry later), so one never stops the rest. */
  readonly work: (item: T) => Promise<void>;
  readonly batchSize: number;
  /** Items worked on side by side within a batch. */
  readonly concurrency: number;
  readonly idleMillis: number;
  readonly onPollFailed: (error: Error) => void;
  /**
   * Gives back claimed items that were not started when the loop was stopped (a graceful shutdown), so another
   * instance takes them at its next poll instead of waiting for their claim to run out.
   */
  readonly release?: (items: readonly T[]) => Promise<void>;
}

/**
 * Works through the items with at most `concurrency` at a time, each worker taking the next item as soon as it is
 * free, so one slow item (a conflict retried, a slow webhook) holds up only its own worker. Once `going()` turns
 * false, the workers finish the items in hand and start no more; the ones never started are returned.
 */
export const workThrough = async <T>(
  items: readonly T[],
  work: (item: T) => Promise<void>,
  concurrency: number,
  going: () => boolean,
): Promise<readonly T[]> => {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && going()) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return items.slice(next);
};

/**
 * The loop of a worker that polls PostgreSQL for due work: claim a batch, work through it a few at a time, and go
 * again at once while batches come back full (a burst waits no poll per batch), else after a short sleep. Stopping
 * wakes it from its sleep, finishes the items being worked on and gives back the rest of the batch.
 */
export class PollingLoop<T> {
  private readonly loop = new WakeableLoop(() => this.run());

  constructor(private readonly options: PollingLoopOptions<T>) {}

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** False once stop() was called: work in hand finishes, none is started. */
  get running(): boolean {
    return this.loop.running;
  }

  /** Cuts the idle sleep short: work was just queued. */
  wake(): void {
    this.loop.wake();
  }

  private async run(): Promise<void> {
    const { claim, workBatch, work, batchSize, concurrency, idleMillis, onPollFailed, release } = this.options;
    while (this.loop.running) {
      let claimed: readonly T[] = [];
      try {
        claimed = await claim(batchSize);
        const oneByOne = workBatch && claimed.length > 0 ? await workBatch(claimed) : claimed;
        const unstarted = await workThrough(oneByOne, work, concurrency, () => this.loop.running);
        if (unstarted.length > 0) await release?.(unstarted);
      } catch (error) {
        onPollFailed(error as Error);
      }
      // A stop() that came while the batch was worked on has no sleep to wake yet: it must not start one.
      if (this.loop.running && claimed.length < batchSize) await this.loop.sleep(idleMillis);
    }
  }
}
