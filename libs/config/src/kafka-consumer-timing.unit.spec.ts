import { kafkaConsumerTimingOf } from './config';
import { problemsOf, serviceConfigWith } from './config-under-test.spec';

const timingFrom = (env: Record<string, string>) => kafkaConsumerTimingOf(serviceConfigWith(env));

describe('kafkaConsumerTimingOf', () => {
  it('defaults to a 6 s session, a heartbeat a second and a 30 s rebalance', () => {
    expect(timingFrom({})).toEqual({ sessionTimeout: 6_000, heartbeatInterval: 1_000, rebalanceTimeout: 30_000 });
  });

  it('takes values that fit together', () => {
    expect(
      timingFrom({
        KAFKA_SESSION_TIMEOUT_MS: '10000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '2000',
        KAFKA_REBALANCE_TIMEOUT_MS: '10000',
      }),
    ).toEqual({
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      rebalanceTimeout: 10_000,
    });
  });

  it('refuses a value that is not a whole number of milliseconds, naming the variable', () => {
    expect(problemsOf(() => timingFrom({ KAFKA_SESSION_TIMEOUT_MS: '6s' }))).toEqual([
      'KAFKA_SESSION_TIMEOUT_MS: must be a whole number of milliseconds',
    ]);
  });

  it('refuses a session the broker would refuse at the first join', () => {
    expect(
      problemsOf(() => timingFrom({ KAFKA_SESSION_TIMEOUT_MS: '3000', KAFKA_HEARTBEAT_INTERVAL_MS: '500' })),
    ).toEqual(["KAFKA_SESSION_TIMEOUT_MS: must be between 6000 and 1800000 (the broker's default bounds), got 3000"]);
  });

  it('refuses fewer than three heartbeats per session, and a rebalance shorter than a session, naming each', () => {
    expect(
      problemsOf(() =>
        timingFrom({
          KAFKA_SESSION_TIMEOUT_MS: '9000',
          KAFKA_HEARTBEAT_INTERVAL_MS: '4000',
          KAFKA_REBALANCE_TIMEOUT_MS: '8000',
        }),
      ),
    ).toEqual([
      'KAFKA_HEARTBEAT_INTERVAL_MS: must be at most a third of KAFKA_SESSION_TIMEOUT_MS (3000), got 4000',
      'KAFKA_REBALANCE_TIMEOUT_MS: must be at least KAFKA_SESSION_TIMEOUT_MS (9000), got 8000',
    ]);
  });
});
