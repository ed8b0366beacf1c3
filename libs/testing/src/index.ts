export * from './infrastructure';
export * from './admin-cli';
