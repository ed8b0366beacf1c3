export * from './migrate';
export * from './pool';
export * from './session-locks';
