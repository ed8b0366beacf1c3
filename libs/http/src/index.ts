export * from './correlation';
export * from './problem-details.filter';
export * from './request-parts';
