import { UnsupportedMediaTypeError, ValidationError } from '@closeloop/contracts';
import type { Request } from 'express';
import { z } from 'zod';
import { issuesOf } from '../submit-report/report-input';

/**
 * A request's JSON body as `schema` reads it: 415 unless the body is JSON, 400 naming each field that is wrong, as
 * "The <what> is not valid". Intake's resident and registry routes read their bodies this one way.
 */
export const jsonBodyOf = <S extends z.ZodTypeAny>(schema: S, request: Request, what = 'request'): z.infer<S> => {
  if (!request.is('application/json'))
    throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
  const parsed = schema.safeParse(request.body);
  if (!parsed.success) throw new ValidationError(`The ${what} is not valid`, issuesOf(parsed.error));
  return parsed.data;
};
