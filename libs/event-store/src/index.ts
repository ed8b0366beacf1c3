export * from './event-store.port';
export * from './event-chain';
export * from './command-handler';
export * from './in-memory-event-store';
export * from './postgres-event-store';
export * from './postgres-event-audit';
export * from './audit-anchors';
export * from './kurrentdb-event-store';
