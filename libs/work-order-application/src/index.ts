export * from './request-fingerprint';
export * from './work-order-commands';
