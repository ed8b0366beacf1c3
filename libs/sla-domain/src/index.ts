export * from './sla-clock.decider';
export * from './sla-policy';
export * from './business-calendar';
