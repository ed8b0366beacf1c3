export * from './content-type';
export * from './correlation';
export * from './problem-details.filter';
export * from './request-parts';
export * from './access';
export * from './input-policy.interceptor';
export * from './client-address';
