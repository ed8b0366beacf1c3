export * from './cloudevents';
export * from './errors';
export * from './events';
export * from './report';
export * from './topics';
export * from './recorded';
export * from './time-zone';
export * from './scrub-secrets';
