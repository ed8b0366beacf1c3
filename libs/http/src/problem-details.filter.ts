import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { CloseloopError, ErrorKind, OverloadedError, scrubSecrets } from '@closeloop/contracts';
import type { Request, Response } from 'express';
import { Observable, throwError } from 'rxjs';
import { correlationIdOf } from './correlation';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/**
 * Retry-After counts whole seconds (RFC 9110), too coarse for load shedding that frees a slot in a few hundred
 * milliseconds: this companion carries the same advice in milliseconds, where the error knows it that precisely.
 */
export const RETRY_AFTER_MS_HEADER = 'Retry-After-Ms';

const statusOfKind: Record<ErrorKind, number> = {
  'malformed-request': HttpStatus.BAD_REQUEST,
  'payload-too-large': HttpStatus.PAYLOAD_TOO_LARGE,
  validation: HttpStatus.UNPROCESSABLE_ENTITY,
  'not-found': HttpStatus.NOT_FOUND,
  'illegal-transition': HttpStatus.CONFLICT,
  concurrency: HttpStatus.CONFLICT,
  conflict: HttpStatus.CONFLICT,
  'unsupported-media-type': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  'too-many-requests': HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  correlationId: string;
  [extension: string]: unknown;
}

/**
 * The one place errors become HTTP responses: RFC 9457 problem details with a stable `code` and the
 * correlation id, so a caller can quote it to support.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    // The hybrid app's Kafka transport inherits global filters: hand its errors back untouched, so the consumer
    // can tell a permanent failure (dead-letter now) from a transient one (retry).
    if (host.getType() !== 'http') return throwError(() => exception);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(exception, request);
    // The path and an error's message can carry what a caller sent (a phone number, a token): scrubbed before logging.
    // A shed request is counted and logged once per interval by the shedder: one line each would flood the log
    // with thousands a second just when the service is busiest.
    if (problem.status >= 500 && !(exception instanceof OverloadedError))
      this.logger.error(
        scrubSecrets(`${request.method} ${request.path} failed: ${(exception as Error)?.stack ?? String(exception)}`),
      );
    // RFC 9110: a 401 names the scheme to authenticate with; a 429 or 503 says when to come back, if the error knows.
    if (problem.status === HttpStatus.UNAUTHORIZED) response.setHeader('WWW-Authenticate', 'Bearer');
    if (problem.status === HttpStatus.TOO_MANY_REQUESTS || problem.status === HttpStatus.SERVICE_UNAVAILABLE)
      setRetryAfter(response, exception);
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown, request: Request): Problem {
    const base = { instance: request.originalUrl ?? request.url, correlationId: correlationIdOf(request) };
    if (exception instanceof CloseloopError) {
      const status = statusOfKind[exception.kind];
      return {
        type: `urn:closeloop:problem:${exception.code.toLowerCase()}`,
        title: titleOf(status),
        status,
        detail: exception.message,
        code: exception.code,
        ...base,
        ...exception.details,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        type: 'about:blank',
        title: titleOf(status),
        status,
        detail: exception.message,
        code: codeOf(status),
        ...base,
      };
    }
    return {
      type: 'about:blank',
      title: titleOf(500),
      status: 500,
      detail: 'An unexpected error occurred; quote the correlation id to support',
      code: 'INTERNAL_ERROR',
      ...base,
    };
  }
}

const setRetryAfter = (response: Response, exception: unknown): void => {
  if (!(exception instanceof CloseloopError)) return;
  const seconds = exception.details['retryAfterSeconds'];
  const millis = exception.details['retryAfterMillis'];
  if (typeof seconds === 'number' && Number.isFinite(seconds))
    response.setHeader('Retry-After', String(Math.max(1, Math.ceil(seconds))));
  if (typeof millis === 'number' && Number.isFinite(millis))
    response.setHeader(RETRY_AFTER_MS_HEADER, String(Math.max(1, Math.ceil(millis))));
};

const titleOf = (status: number): string =>
  (HttpStatus[status] ?? 'ERROR')
    .toLowerCase()
    .replace(/(^|_)(\w)/g, (_m, sep: string, ch: string) => (sep ? ' ' : '') + ch.toUpperCase());

const codeOf = (status: number): string => HttpStatus[status] ?? `HTTP_${status}`;
