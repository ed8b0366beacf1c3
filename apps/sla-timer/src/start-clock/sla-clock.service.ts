import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventTypes, SlaEvent } from '@closeloop/contracts';
import { ConsumerTransaction } from '@closeloop/messaging';
import { METRICS, ServiceMetrics } from '@closeloop/runtime';
import {
  CommandRequest,
  CommandResult,
  EVENT_STORE,
  EventStore,
  handleCommand,
  handleCommands,
} from '@closeloop/event-store';
import {
  SlaClockDecider,
  slaClockDecider,
  SlaCommand,
  SlaPolicy,
  SlaState,
  slaStream,
  SlaTimer,
  timersFor,
} from '@closeloop/sla-domain';
import { ScheduledTimer, TimerStore } from '../callback-timers/timer-store';
import { siteCalendars } from './site-calendars';
import { SLA_POLICY } from '../sla-timer.config';

export interface SlaContext {
  readonly correlationId: string;
  readonly causationId: string;
}

/**
 * The timer kind stored for an SLA timer: readable in the table, and unique per deadline, kind, level and fire
 * time. A warning or escalation names its fire time too (a breach fires at its deadline), so a recomputed warning
 * time or escalation interval is a new timer rather than one already scheduled for the old time.
 */
export const slaTimerKind = (timer: SlaTimer): `sla:${string}` =>
  `sla:${timer.target}:${timer.kind}${timer.level ? `:${timer.level}` : ''}@${timer.dueAt}${timer.kind === 'breach' ? '' : `/${timer.fireAt}`}`;

/** The target, kind, level and deadline an SLA timer's kind names; kinds stored before fire times were named parse too. */
export const parseSlaTimerKind = (kind: string) => {
  const match = /^sla:(response|resolution):(warning|breach|escalation)(?::(\d))?@([^/]+)(?:\/.+)?$/.exec(kind);
  if (!match) return undefined;
  return {
    target: match[1] as 'response' | 'resolution',
    kind: match[2] as 'warning' | 'breach' | 'escalation',
    level: match[3] === undefined ? undefined : Number(match[3]),
    dueAt: match[4] as string,
  };
};

/**
 * Runs one command against an order's SLA clocks (the `sla-<id>` stream), then makes sure the durable timers the
 * clocks now need exist. Scheduling after every command, even one that changed nothing, mends a crash between
 * appending and scheduling, and a consumer batch rolled back after its append: the redelivered event that follows
 * schedules what was missed.
 */
@Injectable()
export class SlaClockService {
  private readonly decider: SlaClockDecider;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SLA_POLICY) private readonly policy: SlaPolicy,
    private readonly timers: TimerStore,
    @Optional() @Inject(METRICS) private readonly metrics?: ServiceMetrics,
  ) {
    this.decider = slaClockDecider(policy, siteCalendars(policy));
  }

  /**
   * In a consumer batch (`batch`), the timers are scheduled in its transaction, with the batch's other writes; the
   * append is the store's own, at once, as ever (docs/adr/0036-batch-consumers.md).
   */
  async apply(command: SlaCommand, context: SlaContext, batch?: ConsumerTransaction): Promise<SlaEvent[]> {
    const outcome = await handleCommand(this.store, this.decider, this.requestFor(command, context));
    const timers = this.timersNeeded(outcome.state);
    if (batch) this.timers.scheduleInBatch(batch, command.workOrderId, timers);
    else await this.timers.scheduleAll(command.workOrderId, timers);
    return this.appendedBy(outcome);
  }

  /**
   * Commands on many orders' clocks at once, one command per order (docs/adr/0037-timer-batches.md): the clocks are
   * read in one call and what they decide is appended in one, and the timers every clock now needs are scheduled in
   * one statement. Outcomes come in the order asked: the events each appended, or why it failed.
   */
  async applyAll(
    commands: readonly { readonly command: SlaCommand; readonly context: SlaContext }[],
  ): Promise<({ readonly events: SlaEvent[] } | { readonly error: unknown })[]> {
    const outcomes = await handleCommands(
      this.store,
      this.decider,
      commands.map(({ command, context }) => this.requestFor(command, context)),
    );
    await this.timers.scheduleForOrders(
      outcomes.flatMap((outcome, i) =>
        'result' in outcome
          ? this.timersNeeded(outcome.result.state).map((timer) => ({
              workOrderId: commands[i]!.command.workOrderId,
              ...timer,
            }))
          : [],
      ),
    );
    return outcomes.map((outcome) => ('result' in outcome ? { events: this.appendedBy(outcome.result) } : outcome));
  }

  private requestFor(command: SlaCommand, context: SlaContext): CommandRequest<SlaState, SlaCommand> {
    return {
      streamId: slaStream(command.workOrderId),
      command: () => command,
      metadata: {
        workOrderId: command.workOrderId,
        correlationId: context.correlationId,
        causationId: context.causationId,
        actor: { kind: 'system', id: 'sla-timer' },
        producer: 'sla-timer',
      },
      // The clocks decide on their state, so an event replayed from a dead-letter topic or a republished log
      // could pause a clock twice or meet a restarted target with an old time: what an event already caused is
      // on the stream, by causation id, and is not done again.
      oncePerCause: true,
      // An order's first triage starts its clocks on a stream that does not exist yet: no read for it.
      startsStream: command.type === 'StartSlaClock',
    };
  }

  /** The events a command appended, counted once (a replay appended none). */
  private appendedBy(outcome: CommandResult<SlaState, SlaEvent>): SlaEvent[] {
    if (outcome.replayed) return [];
    this.count(outcome.events, outcome.state);
    return [...outcome.events];
  }

  /** closeloop_sla_breaches_total and closeloop_escalations_total, once per event appended (a replay appends none). */
  private count(events: readonly SlaEvent[], state: SlaState): void {
    if (!this.metrics) return;
    const tier = state.status === 'running' ? state.tier : 'unknown';
    for (const event of events) {
      if (event.type === EventTypes.SlaBreached)
        this.metrics.counter('closeloop_sla_breaches_total').inc({ clock: event.data.target, tier });
      else if (event.type === EventTypes.SlaEscalated)
        this.metrics.counter('closeloop_escalations_total').inc({ level: String(event.data.level) });
    }
  }

  /** The durable timers the clocks need in this state (scheduling one twice changes nothing). */
  private timersNeeded(state: SlaState): ScheduledTimer[] {
    return timersFor(state, this.policy).map((timer) => ({
      kind: slaTimerKind(timer),
      round: 0,
      dueAt: new Date(timer.fireAt),
    }));
  }
}
