import { resolve } from 'node:path';
import { loadJsonFile } from '@closeloop/config';
import { EventStore } from '@closeloop/event-store';
import { systemClock } from '@closeloop/runtime';
import { SlaPolicySchema } from '@closeloop/sla-domain';
import { repositoryRoot } from '@closeloop/testing';
import { Pool } from 'pg';
import { SlaTimerConfig } from '../sla-timer.config';
import { SlaClockService } from '../start-clock/sla-clock.service';
import { TimerFiringService } from './timer-firing.service';
import { TimerStore } from './timer-store';
import { WorkOrderCommandSender } from './work-order-command.sender';

/** The SLA policy sla-timer ships with (config/sla-policy.json). */
export const shippedPolicy = () =>
  loadJsonFile('SLA_POLICY_FILE', resolve(repositoryRoot, 'config/sla-policy.json'), SlaPolicySchema);

/**
 * sla-timer's real firing loop on a spec's database, started: the shipped SLA policy, a poll every 50 ms, two batches of up to 100 side by side, and a timer
 * given up on after three attempts a second apart, so a spec sees firing, failing and retrying within seconds.
 * Stop it with `firing.onApplicationShutdown()` before the database goes.
 */
export const startTimerFiring = (
  store: EventStore,
  pool: Pool,
  sender: WorkOrderCommandSender,
): { timers: TimerStore; firing: TimerFiringService } => {
  const timers = new TimerStore(pool);
  const config = {
    TIMER_POLL_MILLIS: 50,
    TIMER_BATCH_SIZE: 100,
    // Two batches side by side, as in production, so the specs fire through claims that skip each other's rows.
    TIMER_PARALLEL_BATCHES: 2,
    TIMER_MAX_ATTEMPTS: 3,
    TIMER_RETRY_BASE_SECONDS: 1,
    TIMER_RETRY_MAX_SECONDS: 1,
  } as SlaTimerConfig;
  const firing = new TimerFiringService(
    timers,
    sender,
    systemClock,
    config,
    new SlaClockService(store, shippedPolicy(), timers),
  );
  firing.onApplicationBootstrap();
  return { timers, firing };
};
