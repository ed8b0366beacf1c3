export * from './infrastructure';
export * from './admin-cli';
export * from './private-broker';
export * from './suite-database';
export * from './decider-spec';
export * from './service-environment';
export * from './on-call-rotation';
export * from './fuzz-budget';
