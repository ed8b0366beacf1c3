import { ArgumentsHost, Logger } from '@nestjs/common';
import {
  CallerOverShareError,
  ForbiddenError,
  OverloadedError,
  RateLimitedError,
  UnauthenticatedError,
} from '@closeloop/contracts';
import { ProblemDetailsFilter } from './problem-details.filter';

interface Sent {
  status?: number;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

const respond = (exception: unknown): Sent => {
  const sent: Sent = { headers: {} };
  const response = {
    setHeader: (name: string, value: string) => void (sent.headers[name.toLowerCase()] = value),
    status: (status: number) => ((sent.status = status), response),
    type: () => response,
    send: (body: string) => void (sent.body = JSON.parse(body) as Record<string, unknown>),
  };
  const request = {
    method: 'POST',
    path: '/v1/reports',
    originalUrl: '/v1/reports',
    url: '/v1/reports',
    correlationId: 'c-1',
  };
  const host = {
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(exception, host);
  return sent;
};

describe('ProblemDetailsFilter for access errors', () => {
  it('answers 401 with a Bearer challenge', () => {
    const sent = respond(new UnauthenticatedError('The bearer token has expired; sign in again', 'TOKEN_EXPIRED'));
    expect(sent).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
      body: { code: 'TOKEN_EXPIRED', status: 401, correlationId: 'c-1' },
    });
  });

  it('answers 403 without a challenge', () => {
    const sent = respond(
      new ForbiddenError('Integrator crm may not report for site S2', 'SITE_NOT_ALLOWED', { siteId: 'S2' }),
    );
    expect(sent).toMatchObject({ status: 403, body: { code: 'SITE_NOT_ALLOWED', siteId: 'S2' } });
    expect(sent.headers).toEqual({});
  });

  it('answers 429 with Retry-After in whole seconds', () => {
    const sent = respond(new RateLimitedError(1.5));
    expect(sent).toMatchObject({
      status: 429,
      headers: { 'retry-after': '2' },
      body: { code: 'RATE_LIMITED', retryAfterSeconds: 2 },
    });
  });

  it('answers a shed request 503 with Retry-After in whole seconds (at least 1) and Retry-After-Ms to the millisecond, without a log line of its own', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sent = respond(new OverloadedError(240.2, 'queue full'));
    expect(logged).not.toHaveBeenCalled();
    logged.mockRestore();
    expect(sent).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1', 'retry-after-ms': '241' },
      body: { code: 'OVERLOADED', retryAfterSeconds: 1, retryAfterMillis: 241 },
    });
    expect(respond(new OverloadedError(2_001, 'queue full')).headers).toEqual({
      'retry-after': '3',
      'retry-after-ms': '2001',
    });
  });

  it('answers a caller over its share 429 with both retry headers', () => {
    const sent = respond(new CallerOverShareError(1_500));
    expect(sent).toMatchObject({
      status: 429,
      headers: { 'retry-after': '2', 'retry-after-ms': '1500' },
      body: { code: 'CALLER_OVER_SHARE' },
    });
  });
});

describe('ProblemDetailsFilter logging', () => {
  it('logs an unexpected failure with secrets and phone numbers scrubbed, whatever logger the app uses', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const sent = respond(
        new Error(
          'insert failed for reporter 13812345678 (key clk_0a1b2c3d4e5f_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA)',
        ),
      );
      expect(sent).toMatchObject({ status: 500, body: { code: 'INTERNAL_ERROR' } });
      const line = String(logged.mock.calls[0]?.[0]);
      expect(line).toMatch(
        /^POST \/v1\/reports failed: Error: insert failed for reporter 138\*\*\*\*5678 \(key clk_0a1b2c3d4e5f_\*\*\*\)/,
      );
      expect(line).not.toMatch(/13812345678|c2VjcmV0/);
    } finally {
      logged.mockRestore();
    }
  });
});
