export * from './oncall-schedule';
export * from './alert.decider';
export * from './delivery-policy';
export * from './alert-message';
