export * from './infrastructure.module';
export * from './rate-limiter';
export * from './scrubbing-logger';
export * from './service';
export * from './tokens';
export * from './access.guard';
export * from './polling-loop';
export * from './load-shedder';
