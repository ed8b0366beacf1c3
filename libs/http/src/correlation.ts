import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const CORRELATION_HEADER = 'x-correlation-id';

const acceptable = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps the caller's correlation id when it is sane, otherwise starts one, and echoes it on the response. */
export const correlationMiddleware = (request: Request, response: Response, next: NextFunction): void => {
  const given = request.header(CORRELATION_HEADER);
  const id = given && acceptable.test(given) ? given : randomUUID();
  (request as Request & { correlationId: string }).correlationId = id;
  response.setHeader(CORRELATION_HEADER, id);
  next();
};

export const correlationIdOf = (request: Request): string =>
  (request as Request & { correlationId?: string }).correlationId ?? request.header(CORRELATION_HEADER) ?? 'unknown';
