import { z } from 'zod';
import { loadConfig, maxNotBelowBase } from './config';
import { problemsOf } from './config-under-test.spec';

const backoff = z
  .object({ RETRY_BASE_MILLIS: z.coerce.number(), RETRY_MAX_MILLIS: z.coerce.number() })
  .superRefine(maxNotBelowBase('RETRY_BASE_MILLIS', 'RETRY_MAX_MILLIS'));

describe('maxNotBelowBase', () => {
  it.each([
    ['below', '100', '500'],
    ['equal to', '500', '500'],
  ])('takes a first wait %s the longest', (_, base, max) => {
    expect(loadConfig(backoff, { RETRY_BASE_MILLIS: base, RETRY_MAX_MILLIS: max })).toEqual({
      RETRY_BASE_MILLIS: Number(base),
      RETRY_MAX_MILLIS: Number(max),
    });
  });

  it('refuses a longest wait below the first, naming the longest', () => {
    expect(problemsOf(() => loadConfig(backoff, { RETRY_BASE_MILLIS: '500', RETRY_MAX_MILLIS: '100' }))).toEqual([
      'RETRY_MAX_MILLIS: RETRY_MAX_MILLIS must not be less than RETRY_BASE_MILLIS',
    ]);
  });
});
