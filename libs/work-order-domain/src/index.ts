export * from './numbering';
export * from './routing';
export * from './triage';
export * from './work-order.decider';
export * from './duplicates';
