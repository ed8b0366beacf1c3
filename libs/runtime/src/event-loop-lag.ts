const SAMPLE_EVERY_MILLIS = 50;

/**
 * How late the event loop runs, sampled by a timer that should fire every 50 ms: its delay beyond that is how long
 * anything arriving now waits before the process even looks at it. A process short of CPU (a busy host, a CPU quota)
 * piles requests up here, before any middleware can count them as in flight or queued.
 */
export class EventLoopLag {
  private lagMillis = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly now: () => number = () => performance.now()) {}

  start(): this {
    let expected = this.now() + SAMPLE_EVERY_MILLIS;
    this.timer = setInterval(() => {
      const now = this.now();
      this.lagMillis = Math.max(0, now - expected);
      expected = now + SAMPLE_EVERY_MILLIS;
    }, SAMPLE_EVERY_MILLIS);
    this.timer.unref();
    return this;
  }

  /** The delay of the latest sample, in milliseconds. */
  current(): number {
    return this.lagMillis;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
