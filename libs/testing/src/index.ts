export * from './infrastructure';
export * from './admin-cli';
export * from './private-broker';
export * from './suite-database';
export * from './decider-spec';
export * from './sla-tiers';
export * from './ceiling-leak';
