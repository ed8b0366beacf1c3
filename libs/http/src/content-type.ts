import { CloudEventContentTypes, UnsupportedMediaTypeError } from '@closeloop/contracts';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The bodies Closeloop reads: JSON, CloudEvents (structured and batch) and the form an HTML page posts (the alert
 * ack page). Anything else would be parsed by nothing and reach a handler as an empty body, so it is refused.
 */
export const ACCEPTED_BODY_TYPES: readonly string[] = [
  'application/json',
  CloudEventContentTypes.structured,
  CloudEventContentTypes.batch,
  'application/x-www-form-urlencoded',
];

const METHODS_WITH_BODIES = new Set(['POST', 'PUT', 'PATCH']);

/** A body is coming if it is chunked or has a length above zero; a bodiless POST (an HTML button) needs no type. */
const carriesBody = (request: Request): boolean => {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && Number(length) > 0;
};

/** `application/json; charset=utf-8` → `application/json`. */
const mediaTypeOf = (header: string | undefined): string | undefined =>
  header?.split(';')[0]?.trim().toLowerCase() || undefined;

/**
 * Refuses, with 415 problem+json, a POST, PUT or PATCH whose body is of a type not accepted. Registered before the
 * body parser; the error goes to Nest's error handler and so to the ProblemDetailsFilter, like a parser error.
 */
export const acceptedContentTypes =
  (accepted: readonly string[] = ACCEPTED_BODY_TYPES): RequestHandler =>
  (request: Request, _response: Response, next: NextFunction) => {
    if (!METHODS_WITH_BODIES.has(request.method) || !carriesBody(request)) return next();
    const type = mediaTypeOf(request.headers['content-type']);
    if (type !== undefined && accepted.includes(type)) return next();
    next(new UnsupportedMediaTypeError(request.headers['content-type'], accepted));
  };
