export * from './infrastructure.module';
export * from './service';
export * from './tokens';
