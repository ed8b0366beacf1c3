export * from './work-order-commands';
