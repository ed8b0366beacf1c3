export * from './oncall-schedule';
export * from './alert.state';
export * from './alert.commands';
export * from './alert.queries';
export * from './alert.decider';
export * from './delivery-policy';
export * from './alert-message';
