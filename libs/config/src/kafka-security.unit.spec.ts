import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSecurityOf } from './config';
import { problemsOf, serviceConfigWith } from './config-under-test.spec';

/** The Kafka settings as a service reads them from its environment. */
const securityFrom = (env: Record<string, string>) => kafkaSecurityOf(serviceConfigWith(env));

const secret = 'n0t-for-the-logs';

describe('kafkaSecurityOf', () => {
  describe('given no Kafka security variables (the local PLAINTEXT broker)', () => {
    it('returns no SASL and TLS off', () => {
      expect(securityFrom({})).toEqual({ ssl: false });
    });
  });

  describe('given a SCRAM user over TLS', () => {
    it('returns the kafkajs sasl and ssl options', () => {
      const security = securityFrom({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'closeloop-intake',
        KAFKA_SASL_PASSWORD: secret,
        KAFKA_SSL: 'true',
      });
      expect(security).toEqual({
        sasl: { mechanism: 'scram-sha-512', username: 'closeloop-intake', password: secret },
        ssl: true,
      });
    });

    it('reads the CA file into the TLS options', () => {
      const ca = join(mkdtempSync(join(tmpdir(), 'kafka-ca-')), 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const security = securityFrom({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca });
      expect(security.ssl).toEqual({ ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'] });
    });

    it('refuses a CA file it cannot read, naming the variable', () => {
      const problems = problemsOf(() => securityFrom({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }));
      expect(problems).toEqual([expect.stringMatching(/^KAFKA_SSL_CA_FILE: cannot read \/nonexistent\/ca.pem/)]);
    });
  });

  describe('given half a SASL configuration', () => {
    it('names the missing username', () => {
      const problems = problemsOf(() =>
        securityFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_PASSWORD: secret }),
      );
      expect(problems).toEqual(['KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is set']);
    });

    it('names the missing password', () => {
      const problems = problemsOf(() =>
        securityFrom({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'closeloop-query' }),
      );
      expect(problems).toEqual(['KAFKA_SASL_PASSWORD: is required when KAFKA_SASL_MECHANISM is set']);
    });

    it('names the missing mechanism when credentials come without one, and never quotes the password', () => {
      const run = () => securityFrom({ KAFKA_SASL_USERNAME: 'closeloop-query', KAFKA_SASL_PASSWORD: secret });
      expect(problemsOf(run)).toEqual([
        expect.stringMatching(/^KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_USERNAME is set/),
        expect.stringMatching(/^KAFKA_SASL_MECHANISM: is required when KAFKA_SASL_PASSWORD is set/),
      ]);
      expect(run).toThrow(expect.objectContaining({ message: expect.not.stringContaining(secret) }));
    });
  });

  describe('given a CA file without TLS', () => {
    it('refuses it rather than connect in the clear', () => {
      expect(problemsOf(() => securityFrom({ KAFKA_SSL_CA_FILE: '/etc/kafka/ca.pem' }))).toEqual([
        "KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not 'true'",
      ]);
    });
  });

  describe('given malformed values', () => {
    it('refuses an unknown mechanism and a KAFKA_SSL that is not true or false', () => {
      const problems = problemsOf(() => serviceConfigWith({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SSL: 'yes' }));
      expect(problems).toEqual([
        expect.stringMatching(/^KAFKA_SASL_MECHANISM: /),
        "KAFKA_SSL: must be 'true' or 'false'",
      ]);
    });
  });
});
