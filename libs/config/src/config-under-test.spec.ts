import { baseServiceConfig, BaseServiceConfig, ConfigError, loadConfig } from './config';

// Shared by the config specs: the smallest environment a service starts with, and a way to read every
// problem a refused configuration names, so each spec states only the variables it is about.

/** The variables every service needs; each spec adds the ones it tests. */
export const requiredServiceEnv = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/closeloop',
  KAFKA_BROKERS: '127.0.0.1:9092',
  PORT: '3001',
  STAFF_TOKEN_ISSUER: 'closeloop-local',
};

/** The base service configuration loaded from the required variables plus these. */
export const serviceConfigWith = (env: Record<string, string> = {}): BaseServiceConfig =>
  loadConfig(baseServiceConfig, { ...requiredServiceEnv, ...env });

/** The problems a ConfigError names; fails when `run` does not throw one. */
export const problemsOf = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};
