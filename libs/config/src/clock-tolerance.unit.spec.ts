import { ConfigError } from './config';
import { serviceConfigWith } from './config-under-test.spec';

describe('CLOCK_TOLERANCE_SECONDS', () => {
  it('is 5 s unless set', () => {
    expect(serviceConfigWith().CLOCK_TOLERANCE_SECONDS).toBe(5);
  });

  it('may be set lower, down to 0', () => {
    expect(serviceConfigWith({ CLOCK_TOLERANCE_SECONDS: '0' }).CLOCK_TOLERANCE_SECONDS).toBe(0);
  });

  it.each(['6', '30', '-1', '2.5', 'soon'])('refuses %s, naming the variable', (value) => {
    expect(() => serviceConfigWith({ CLOCK_TOLERANCE_SECONDS: value })).toThrow(ConfigError);
    expect(() => serviceConfigWith({ CLOCK_TOLERANCE_SECONDS: value })).toThrow('CLOCK_TOLERANCE_SECONDS');
  });
});
