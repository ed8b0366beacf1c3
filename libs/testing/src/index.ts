export * from './infrastructure';
export * from './admin-cli';
export * from './private-broker';
export * from './suite-database';
export * from './suite-resource';
export * from './decider-spec';
export * from './recorded-events';
