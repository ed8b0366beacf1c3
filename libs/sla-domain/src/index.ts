export * from './sla-clock.decider';
export * from './sla-policy';
