export * from './inquiry.decider';
