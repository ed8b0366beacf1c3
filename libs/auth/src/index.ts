export * from './integrator-keys';
export * from './integrator-key-changes';
export * from './local-signing-key';
export * from './staff-tokens';
export * from './resident-keys';
export * from './record-signing-key';
export * from './link-digest-backfill';
export * from './link-digests.repository';
