export * from './correlation';
export * from './problem-details.filter';
