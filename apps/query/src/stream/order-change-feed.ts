import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { endListeningSession, WakeableLoop } from '@closeloop/database';
import { Clock, PG_POOL } from '@closeloop/runtime';
import { Pool, PoolClient } from 'pg';
import { listenForOrderChanges, OrderChangesRepository } from './order-changes.repository';

/** How long the feed keeps a change: a console away for longer reloads its list (`event: reset`). */
export const FEED_KEEPS_MILLIS = 24 * 3_600_000;
const PRUNE_EVERY_MILLIS = 10 * 60_000;
/** Between attempts to LISTEN again after the listening session broke; streams poll meanwhile. */
const LISTEN_RETRY_MILLIS = 5_000;

/** One open stream as the feed sees it: woken when its site changed, ended when the service shuts down. */
export interface FeedSubscriber {
  readonly siteId: string;
  wake(): void;
  end(): void;
}

/**
 * The query instance's side of the live board's feed (docs/adr/0024): one session LISTENs for committed changes and
 * wakes the open streams of the changed site, and the feed's old rows are pruned now and then (every instance
 * prunes; a second delete of the same rows finds none). On shutdown the open streams end first, so the HTTP server
 * is not kept waiting by connections that would never finish on their own; consoles reconnect elsewhere.
 */
@Injectable()
export class OrderChangeFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('order-change-feed');
  private readonly subscribers = new Set<FeedSubscriber>();
  private readonly loop = new WakeableLoop(() => this.run());
  private listening: PoolClient | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly clock: Clock,
    private readonly changes: OrderChangesRepository,
  ) {}

  /** Returns the unsubscribe. */
  subscribe(subscriber: FeedSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const subscriber of [...this.subscribers]) subscriber.end();
    await this.loop.stop();
  }

  private async run(): Promise<void> {
    let prunedAt = 0;
    while (this.loop.running) {
      try {
        if (!this.listening) await this.listen();
        if (this.clock.now().getTime() - prunedAt >= PRUNE_EVERY_MILLIS) {
          await this.changes.prune(new Date(this.clock.now().getTime() - FEED_KEEPS_MILLIS));
          prunedAt = this.clock.now().getTime();
        }
      } catch (error) {
        this.logger.warn(`order change feed: ${(error as Error).message}; open streams poll until it is back`);
        this.stopListening();
      }
      if (this.loop.running) await this.loop.sleep(LISTEN_RETRY_MILLIS);
    }
    this.stopListening();
  }

  private async listen(): Promise<void> {
    const client = await this.pool.connect();
    this.listening = client;
    client.on('notification', ({ payload }) => {
      for (const subscriber of this.subscribers) if (subscriber.siteId === payload) subscriber.wake();
    });
    client.on('error', () => {
      this.stopListening();
      this.loop.wake();
    });
    await listenForOrderChanges(client);
  }

  private stopListening(): void {
    const client = this.listening;
    this.listening = undefined;
    if (client) endListeningSession(client);
  }
}
