import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { WORK_ORDER_CATEGORY } from '@closeloop/work-order-domain';
import { INTAKE_CONFIG, IntakeConfig } from '../intake.config';

/**
 * Wakes the feed's long polls when the work-order log moves on. One reader per process, however many integrators
 * wait: while anyone waits it reads the category after the newest checkpoint it knows, every FEED_POLL_MILLIS, and
 * wakes every waiter when something new is there; each then reads from its own cursor. A waiter holds no database
 * connection and no load-shedding slot (docs/adr/0030), and at most FEED_MAX_WAITING wait at once: one more is
 * answered at once, and comes back.
 */
@Injectable()
export class FeedTail implements OnApplicationShutdown {
  private readonly waiters = new Set<() => void>();
  private head: { checkpoint: string | undefined } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(INTAKE_CONFIG) private readonly config: IntakeConfig,
  ) {}

  /**
   * Resolves true when new work-order events have been committed since the call (or the caller should look again),
   * false at the deadline, when the request went away, or when too many wait already.
   */
  waitForMore(seenUpTo: string | undefined, deadline: number, signal: AbortSignal): Promise<boolean> {
    if (this.stopped || signal.aborted || this.waiters.size >= this.config.FEED_MAX_WAITING) {
      return Promise.resolve(false);
    }
    // The first waiter's cursor is at the end of the log it just read: the tail starts there.
    this.head ??= { checkpoint: seenUpTo };
    return new Promise<boolean>((resolve) => {
      const settle = (woken: boolean) => {
        clearTimeout(timeout);
        signal.removeEventListener('abort', abort);
        this.waiters.delete(wake);
        // Nobody left: the next waiter's cursor is a fresher start than a head nobody has moved for a while.
        if (this.waiters.size === 0) this.head = undefined;
        resolve(woken);
      };
      const wake = () => settle(true);
      const abort = () => settle(false);
      const timeout = setTimeout(() => settle(false), Math.max(0, deadline - Date.now()));
      signal.addEventListener('abort', abort, { once: true });
      this.waiters.add(wake);
      this.schedule();
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const wake of [...this.waiters]) wake();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.poll()
        .catch(() => undefined) // a failed read is tried again at the next tick; the waiters' deadlines still hold
        .finally(() => {
          this.timer = undefined;
          this.schedule();
        });
    }, this.config.FEED_POLL_MILLIS);
  }

  private async poll(): Promise<void> {
    const head = this.head ?? { checkpoint: undefined };
    const page = await this.store.readCategory(WORK_ORDER_CATEGORY, head.checkpoint, 500);
    const last = page[page.length - 1];
    if (!last) return;
    this.head = { checkpoint: last.checkpoint };
    for (const wake of [...this.waiters]) wake();
  }
}
