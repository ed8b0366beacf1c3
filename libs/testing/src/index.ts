export * from './infrastructure';
export * from './private-broker';
