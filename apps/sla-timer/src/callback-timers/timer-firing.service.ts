import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, Clock, PollingLoop } from '@closeloop/runtime';
import { WorkOrderCommands } from '@closeloop/work-order-application';
import { WorkOrderCommand } from '@closeloop/work-order-domain';
import { SLA_TIMER_CONFIG, SlaTimerConfig, WORK_ORDER_COMMANDS } from '../sla-timer.config';
import { parseSlaTimerKind, SlaClockService } from '../start-clock/sla-clock.service';
import { DueTimer, TimerStore } from './timer-store';

const BATCH = 100;
// Timers of different orders fire side by side; two of one order conflict on its stream and decide again.
const CONCURRENCY = 16;

/**
 * Fires due timers: SLA warnings, breaches and escalations; the callback task; closing an unconfirmed order. A
 * timer that came due while every instance was down fires at the next poll, recording when it fired. Firing is
 * idempotent: a loop timer's command carries the timer id as its retry key, and an SLA timer names the deadline
 * and the time it was set for, which its clock accepts once; a crash between appending and marking the timer fired
 * therefore never acts twice, and a timer outrun by a reopen, a pause or a recomputation does nothing.
 */
@Injectable()
export class TimerFiringService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('timers');
  private readonly loop: PollingLoop<DueTimer>;

  constructor(
    private readonly timers: TimerStore,
    @Inject(WORK_ORDER_COMMANDS) private readonly commands: WorkOrderCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SLA_TIMER_CONFIG) config: SlaTimerConfig,
    private readonly clocks: SlaClockService,
  ) {
    this.loop = new PollingLoop({
      claim: (batchSize) => this.timers.claimDue(batchSize),
      work: (timer) => this.fire(timer),
      batchSize: BATCH,
      concurrency: CONCURRENCY,
      idleMillis: config.TIMER_POLL_MILLIS,
      onPollFailed: (error) => this.logger.warn(`timer poll failed: ${error.message}`),
      release: (timers) => this.timers.releaseUnfired(timers.map((t) => t.timerId)),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  private async fire(timer: DueTimer): Promise<void> {
    try {
      const sla = parseSlaTimerKind(timer.kind);
      if (sla) {
        await this.clocks.apply(
          {
            type: 'FireSlaTimer',
            workOrderId: timer.workOrderId,
            target: sla.target,
            kind: sla.kind,
            dueAt: sla.dueAt,
            level: sla.level,
            firesAt: timer.dueAt.toISOString(),
            now: this.clock.now(),
          },
          { correlationId: `timer:${timer.timerId}`, causationId: `timer:${timer.timerId}` },
        );
        await this.timers.markFired(timer.timerId);
        return;
      }
      await this.commands.execute(timer.workOrderId, (state) => (state.status === 'resolved' ? this.commandFor(timer) : undefined), {
        actor: { kind: 'system', id: 'sla-timer' },
        correlationId: `timer:${timer.timerId}`,
        causationId: `timer:${timer.timerId}`,
        producer: 'sla-timer',
        idempotencyKey: `timer:${timer.timerId}`,
      });
      await this.timers.markFired(timer.timerId);
    } catch (error) {
      const retryIn = Math.min(300, 2 ** Math.min(timer.attempts, 8));
      this.logger.warn(`timer ${timer.timerId} (${timer.kind}) failed on attempt ${timer.attempts}, retrying in ${retryIn}s: ${(error as Error).message}`);
      await this.timers.release(timer.timerId, (error as Error).message, retryIn);
    }
  }

  private commandFor(timer: DueTimer): WorkOrderCommand {
    const now = this.clock.now();
    return timer.kind === 'callback-due'
      ? { type: 'RequestCallback', round: timer.round, dueAt: timer.dueAt, now }
      : { type: 'CloseWithoutConfirmation', round: timer.round, now };
  }
}
