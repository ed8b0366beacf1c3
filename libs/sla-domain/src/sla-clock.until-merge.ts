import { SlaEvent } from '@closeloop/contracts';
import { evolveClocks } from './sla-clock.evolve';
import { SlaState } from './sla-clock.state';
import { SlaPolicy } from './sla-policy';

// Only for apps/notification/src/alerts/order-snapshot.ts, which another branch of issue 11 rewrites and this one
// may not touch. Delete this file when that branch is merged; use slaClockDecider instead.

/** @deprecated use slaClockDecider(policy, calendarFor).evolve */
export const evolveSla = (policy: Pick<SlaPolicy, 'warningFraction'>): ((state: SlaState, event: SlaEvent) => SlaState) => evolveClocks(policy);
/** @deprecated use slaClockDecider(policy, calendarFor).initialState */
export const initialSlaState = (): SlaState => ({ status: 'not-started' });
