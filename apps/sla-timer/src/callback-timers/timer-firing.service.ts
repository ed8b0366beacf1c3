import { Inject, Injectable, Optional } from '@nestjs/common';
import { WorkOrderCommandMessage, WorkOrderCommandTypes } from '@closeloop/contracts';
import { Clock, METRICS, PollingWorker, ServiceMetrics } from '@closeloop/runtime';
import { FireSlaTimer } from '@closeloop/sla-domain';
import { SLA_TIMER_CONFIG, SlaTimerConfig } from '../sla-timer.config';
import { parseSlaTimerKind, SlaClockService } from '../start-clock/sla-clock.service';
import { DueTimer, TimerStore } from './timer-store';
import { WorkOrderCommandSender } from './work-order-command.sender';

/** The stable code of the log line for a timer given up on, for log-based alerting. */
export const TIMER_FAILED = 'TIMER_FAILED';

/** A firing's correlation and cause: the timer, so its effects are found by it and happen once. */
const contextOf = (timer: DueTimer) => ({
  correlationId: `timer:${timer.timerId}`,
  causationId: `timer:${timer.timerId}`,
});

/** Exponential backoff: the base after the first failure, doubling, never above the cap. */
export const timerRetryDelaySeconds = (failedAttempts: number, baseSeconds: number, maxSeconds: number): number =>
  Math.min(maxSeconds, baseSeconds * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 30));
// Timers of different orders fire side by side; two SLA timers of one order conflict on its stream and decide again.
const CONCURRENCY = 16;

/**
 * Fires due timers: SLA warnings, breaches and escalations on the order's SLA clocks; the callback task and closing
 * an unconfirmed order, which are the work order's to decide, as commands to dispatch over `workorders.commands`
 * (docs/adr/0020-commands-between-services-over-kafka.md). A timer that came due while every instance was down fires
 * at the next poll. Firing is idempotent: a loop timer's command carries the timer id as its retry key, and an SLA
 * timer names the deadline and the time it was set for, which its clock accepts once; a crash between appending (or
 * the broker's acknowledgement) and marking the timer fired therefore never acts twice, and a timer outrun by a
 * reopen, a pause or a recomputation does nothing.
 */
@Injectable()
export class TimerFiringService extends PollingWorker<DueTimer> {
  constructor(
    private readonly timers: TimerStore,
    private readonly commands: WorkOrderCommandSender,
    private readonly clock: Clock,
    @Inject(SLA_TIMER_CONFIG) private readonly config: SlaTimerConfig,
    private readonly clocks: SlaClockService,
    @Optional() @Inject(METRICS) private readonly metrics?: ServiceMetrics,
  ) {
    super({
      logContext: 'timers',
      itemName: 'timer',
      batchSize: config.TIMER_BATCH_SIZE,
      concurrency: CONCURRENCY,
      idleMillis: config.TIMER_POLL_MILLIS,
      parallelBatches: config.TIMER_PARALLEL_BATCHES,
    });
    metrics?.sample('closeloop_timers_due', async () => [{ value: await timers.countDue() }]);
  }

  /** closeloop_timer_lateness_seconds: how long after its time the timer fired. */
  private fired(timer: DueTimer): void {
    this.metrics
      ?.histogram('closeloop_timer_lateness_seconds')
      .observe(Math.max(0, (this.clock.now().getTime() - timer.dueAt.getTime()) / 1000));
  }

  protected claim(batchSize: number): Promise<DueTimer[]> {
    return this.timers.claimDue(batchSize);
  }

  protected override release(unfired: readonly DueTimer[]): Promise<void> {
    return this.timers.releaseUnfired(unfired.map((t) => t.timerId));
  }

  /**
   * The SLA timers of a batch fire together (docs/adr/0037-timer-batches.md): their orders' clocks are read in one
   * call, what they decide is appended in one, and the timers are marked fired in one statement, so a burst of
   * breaches costs a few round trips per batch instead of several per timer. One timer per order goes in, as each
   * decides on its order's clocks; the rest (loop timers, which are commands to dispatch, a second timer of an order
   * already in, a firing that failed here) are left to `work`, which owns retrying and giving up. A batch that fails
   * as a whole is left to `work` entire: firing is idempotent, so a timer whose breach was appended fires as nothing.
   */
  protected override async workBatch(timers: readonly DueTimer[]): Promise<readonly DueTimer[]> {
    const together: { timer: DueTimer; command: FireSlaTimer }[] = [];
    const oneByOne: DueTimer[] = [];
    const orders = new Set<string>();
    for (const timer of timers) {
      const command = this.fireCommandFor(timer);
      if (!command || orders.has(timer.workOrderId)) oneByOne.push(timer);
      else {
        orders.add(timer.workOrderId);
        together.push({ timer, command });
      }
    }
    if (together.length === 0) return oneByOne;
    try {
      const outcomes = await this.clocks.applyAll(
        together.map(({ timer, command }) => ({ command, context: contextOf(timer) })),
      );
      const fired = together.filter((_, i) => 'events' in outcomes[i]!).map((t) => t.timer);
      await this.timers.markAllFired(fired.map((t) => t.timerId));
      fired.forEach((timer) => this.fired(timer));
      return [...oneByOne, ...together.filter((_, i) => 'error' in outcomes[i]!).map((t) => t.timer)];
    } catch (error) {
      this.logger.warn(
        `a batch of ${together.length} SLA timers failed, firing them one by one: ${(error as Error).message}`,
      );
      return timers;
    }
  }

  protected async work(timer: DueTimer): Promise<void> {
    try {
      const command = this.fireCommandFor(timer);
      if (command) {
        await this.clocks.apply(command, contextOf(timer));
        await this.timers.markFired(timer.timerId);
        this.fired(timer);
        return;
      }
      // Fired once the broker has the command; dispatch decides on the order as it stands when the command arrives.
      await this.commands.send(this.commandFor(timer), { ...contextOf(timer), sentAt: this.clock.now() });
      await this.timers.markFired(timer.timerId);
      this.fired(timer);
    } catch (error) {
      const message = (error as Error).message;
      // attempts counts claims, so a firing whose instance died mid-way counts too: a timer that kills its
      // instance is given up on like one that throws.
      if (timer.attempts >= this.config.TIMER_MAX_ATTEMPTS) {
        await this.timers.fail(timer.timerId, message);
        this.metrics?.counter('closeloop_timers_failed_total').inc();
        this.logger.error(
          `${TIMER_FAILED} timer ${timer.timerId} (${timer.kind}, order ${timer.workOrderId}) failed ${timer.attempts} times and is given up on: ${message}; ` +
            `npm run -s admin -- timers retry ${timer.timerId} fires it again`,
        );
        return;
      }
      const retryIn = timerRetryDelaySeconds(
        timer.attempts,
        this.config.TIMER_RETRY_BASE_SECONDS,
        this.config.TIMER_RETRY_MAX_SECONDS,
      );
      this.logger.warn(
        `timer ${timer.timerId} (${timer.kind}) failed on attempt ${timer.attempts} of ${this.config.TIMER_MAX_ATTEMPTS}, retrying in ${retryIn}s: ${message}`,
      );
      await this.timers.release(timer.timerId, message, retryIn);
    }
  }

  /** The command an SLA timer gives its order's clocks; undefined for the loop's own timers. */
  private fireCommandFor(timer: DueTimer): FireSlaTimer | undefined {
    const sla = parseSlaTimerKind(timer.kind);
    if (!sla) return undefined;
    return {
      type: 'FireSlaTimer',
      workOrderId: timer.workOrderId,
      target: sla.target,
      kind: sla.kind,
      dueAt: sla.dueAt,
      level: sla.level,
      firesAt: timer.dueAt.toISOString(),
      now: this.clock.now(),
    };
  }

  private commandFor(timer: DueTimer): WorkOrderCommandMessage {
    const { workOrderId, round, timerId } = timer;
    return timer.kind === 'callback-due'
      ? {
          type: WorkOrderCommandTypes.RequestCallback,
          data: { workOrderId, round, timerId, dueAt: timer.dueAt.toISOString() },
        }
      : { type: WorkOrderCommandTypes.CloseWithoutConfirmation, data: { workOrderId, round, timerId } };
  }
}
