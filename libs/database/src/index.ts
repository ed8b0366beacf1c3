export * from './migrate';
export * from './pool';
export * from './session-locks';
export * from './camel-rows';
export * from './wakeable-loop';
