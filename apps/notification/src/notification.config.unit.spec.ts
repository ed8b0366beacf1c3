import { ConfigError, loadConfig } from '@closeloop/config';
import { notificationConfigSchema } from './notification.config';

// Storm shaping's settings (ADR 12): defaults of 10 alerts in 5 minutes, and a wrong value stops the service naming it.

const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/closeloop',
  KAFKA_BROKERS: '127.0.0.1:9092',
  PORT: '3004',
  STAFF_TOKEN_ISSUER: 'closeloop-local',
  STAFF_JWKS_URL: 'https://id.example.com/certs',
  ALERT_LINK_SECRET: 'x'.repeat(32),
  RESIDENT_SECRET: 'r'.repeat(32),
  RESIDENT_LINK_BASE_URL: 'http://127.0.0.1:3006/r/',
};

describe('notification configuration: alert storm shaping', () => {
  it('defaults to more than 10 alerts within 5 minutes', () => {
    expect(loadConfig(notificationConfigSchema, env)).toMatchObject({
      ALERT_STORM_THRESHOLD: 10,
      ALERT_STORM_WINDOW_SECONDS: 300,
    });
  });

  it('takes a threshold of 0 as shaping turned off, and a window of seconds', () => {
    expect(
      loadConfig(notificationConfigSchema, { ...env, ALERT_STORM_THRESHOLD: '0', ALERT_STORM_WINDOW_SECONDS: '20' }),
    ).toMatchObject({ ALERT_STORM_THRESHOLD: 0, ALERT_STORM_WINDOW_SECONDS: 20 });
  });

  it.each([
    ['ALERT_STORM_THRESHOLD', '-1'],
    ['ALERT_STORM_THRESHOLD', '2.5'],
    ['ALERT_STORM_THRESHOLD', 'ten'],
    ['ALERT_STORM_WINDOW_SECONDS', '0'],
    ['ALERT_STORM_WINDOW_SECONDS', '86400'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => loadConfig(notificationConfigSchema, { ...env, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig(notificationConfigSchema, { ...env, [name]: value })).toThrow(new RegExp(name));
  });
});
