import { AlertEvent, Decider } from '@closeloop/contracts';
import { AlertCommand } from './alert.commands';
import { decide } from './alert.decide';
import { evolve } from './alert.evolve';
import { AlertState } from './alert.state';

/** One alert and its deliveries (the `alert-<id>` stream). */
export const alertDecider: Decider<AlertState, AlertCommand, AlertEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};
