import { Decider, foldEvents, WorkOrderEvent } from '@closeloop/contracts';
import { WorkOrderCommand } from './work-order.commands';
import { decide } from './work-order.decide';
import { evolve } from './work-order.evolve';
import { WorkOrderState } from './work-order.state';

/** The closed loop of one work order (the `workorder-<id>` stream). */
export const workOrderDecider: Decider<WorkOrderState, WorkOrderCommand, WorkOrderEvent> = {
  decide,
  evolve,
  initialState: () => ({ status: 'none' }),
};

export const foldWorkOrder = (events: readonly WorkOrderEvent[]): WorkOrderState =>
  foldEvents(workOrderDecider, events);
