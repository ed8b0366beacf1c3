import { baseServiceConfig, ConfigError, loadConfig } from './config';

const required = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/closeloop',
  KAFKA_BROKERS: '127.0.0.1:9092',
  PORT: '3001',
  STAFF_TOKEN_ISSUER: 'closeloop-local',
};

describe('CLOCK_TOLERANCE_SECONDS', () => {
  it('is 5 s unless set', () => {
    expect(loadConfig(baseServiceConfig, required).CLOCK_TOLERANCE_SECONDS).toBe(5);
  });

  it('may be set lower, down to 0', () => {
    expect(loadConfig(baseServiceConfig, { ...required, CLOCK_TOLERANCE_SECONDS: '0' }).CLOCK_TOLERANCE_SECONDS).toBe(
      0,
    );
  });

  it.each(['6', '30', '-1', '2.5', 'soon'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig(baseServiceConfig, { ...required, CLOCK_TOLERANCE_SECONDS: value })).toThrow(ConfigError);
    expect(() => loadConfig(baseServiceConfig, { ...required, CLOCK_TOLERANCE_SECONDS: value })).toThrow(
      'CLOCK_TOLERANCE_SECONDS',
    );
  });
});
