/**
 * The start and stop of a loop that polls PostgreSQL in the background (the event relay, the polling workers). The
 * body runs while `running` holds and sleeps between rounds with `sleep`; `wake` cuts a sleep short (new work was
 * announced), and `stop` wakes it too and waits until the body has returned.
 */
export class WakeableLoop {
  private isRunning = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly body: () => Promise<void>) {}

  get running(): boolean {
    return this.isRunning;
  }

  /** Idempotent: Nest calls bootstrap hooks again when a hybrid app's microservice starts. */
  start(): void {
    if (this.isRunning) return;
    this.isRunning = true;
    this.loop = this.body();
  }

  async stop(): Promise<void> {
    this.isRunning = false;
    this.wake();
    await this.loop;
  }

  /** Ends the current sleep, if any, at once. */
  wake(): void {
    this.wakeUp?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => (clearTimeout(timer), resolve());
    });
  }
}
