import { Decider, SlaEvent } from '@closeloop/contracts';
import { BusinessCalendar } from './business-calendar';
import { SlaCommand } from './sla-clock.commands';
import { decideClocks } from './sla-clock.decide';
import { evolveClocks } from './sla-clock.evolve';
import { SlaState } from './sla-clock.state';
import { SlaPolicy } from './sla-policy';

export type SlaClockDecider = Decider<SlaState, SlaCommand, SlaEvent>;

/**
 * An order's two SLA clocks (the `sla-<id>` stream) under a policy. A clock counts on the working calendar of its
 * order's site: the one a start names, the one a running clock was started with afterwards.
 */
export const slaClockDecider = (
  policy: SlaPolicy,
  calendarFor: (siteId: string | undefined) => BusinessCalendar,
): SlaClockDecider => ({
  decide: (command, state) => {
    const siteId =
      command.type === 'StartSlaClock' ? command.siteId : state.status === 'running' ? state.siteId : undefined;
    return decideClocks(command, state, policy, calendarFor(siteId));
  },
  evolve: evolveClocks(policy),
  initialState: () => ({ status: 'not-started' }),
});
