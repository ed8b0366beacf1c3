export * from './numbering';
export * from './routing';
export * from './triage';
export { Staff, WORK_ORDER_CATEGORY, WorkOrderState, WorkOrderStatus, workOrderStream } from './work-order.state';
export * from './work-order.commands';
export * from './work-order.decider';
export * from './duplicates';
export * from './priority-lane';
export * from './priority-resident.decider';
