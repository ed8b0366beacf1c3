export * from './sla-policy';
