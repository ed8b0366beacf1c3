export * from './migrate';
export * from './pool';
export * from './session-locks';
export * from './wakeable-loop';
