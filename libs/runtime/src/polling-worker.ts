import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PollingLoop, PollingLoopOptions } from './polling-loop';

export interface PollingWorkerSettings {
  /** The logger's context. */
  readonly logContext: string;
  /** What one claimed item is, as a failed poll names it ("delivery poll failed: …"). */
  readonly itemName: string;
  readonly batchSize: number;
  /** Items worked on side by side within a batch. */
  readonly concurrency: number;
  readonly idleMillis: number;
  /**
   * Batches claimed and worked on side by side (default 1), each by a loop of its own: while one batch waits on the
   * database, another is decided. Claims skip each other's rows (FOR UPDATE SKIP LOCKED), so no item is in two.
   */
  readonly parallelBatches?: number;
}

/**
 * A provider that works through due rows with a PollingLoop from the application's start to its shutdown. A subclass
 * says how to claim a batch and how to work on one item, and may give back the items a shutdown left unstarted.
 */
export abstract class PollingWorker<T> implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger: Logger;
  private readonly loops: readonly PollingLoop<T>[];

  protected constructor(settings: PollingWorkerSettings) {
    const { logContext, itemName, batchSize, concurrency, idleMillis, parallelBatches = 1 } = settings;
    this.logger = new Logger(logContext);
    const loopOptions: PollingLoopOptions<T> = {
      claim: (size) => this.claim(size),
      workBatch: (items) => this.workBatch(items),
      work: (item) => this.work(item),
      batchSize,
      concurrency,
      idleMillis,
      onPollFailed: (error) => this.logger.warn(`${itemName} poll failed: ${error.message}`),
      release: (unstarted) => this.release(unstarted),
    };
    this.loops = Array.from({ length: parallelBatches }, () => new PollingLoop(loopOptions));
  }

  onApplicationBootstrap(): void {
    for (const loop of this.loops) loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }

  /** False once the application is shutting down: a batch finishes what it started and starts nothing more. */
  protected get running(): boolean {
    return this.loops.every((loop) => loop.running);
  }

  /** Polls at once instead of after the idle sleep: work was just queued in this process. */
  wake(): void {
    for (const loop of this.loops) loop.wake();
  }

  /** Claims the next batch of due items, at most `batchSize`. */
  protected abstract claim(batchSize: number): Promise<readonly T[]>;

  /**
   * Works on the claimed batch as a whole where that is cheaper, and returns the items left for `work` one by one
   * (see PollingLoopOptions.workBatch). By default every item is.
   */
  protected async workBatch(items: readonly T[]): Promise<readonly T[]> {
    return items;
  }

  /** Works on one claimed item, handling its own failures (see PollingLoopOptions.work). */
  protected abstract work(item: T): Promise<void>;

  /**
   * Gives back claimed items a shutdown left unstarted, so another instance takes them at its next poll. By default
   * they are kept until their claim runs out.
   */
  protected async release(_unstarted: readonly T[]): Promise<void> {}
}
