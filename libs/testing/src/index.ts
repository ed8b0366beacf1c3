export * from './infrastructure';
export * from './admin-cli';
export * from './private-broker';
export * from './decider-spec';
