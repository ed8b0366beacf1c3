export * from './business-calendar';
export * from './sla-policy';
export * from './sla-clock.state';
export * from './sla-clock.commands';
export { SlaTimer, timersFor } from './sla-clock.timers';
export * from './sla-clock.decider';
