import { ValidationError } from '@closeloop/contracts';
import { z } from 'zod';

/** A request's query parameters by their schema, or a 400 naming each one that is not valid. */
export const parseQuery = <T extends z.ZodTypeAny>(schema: T, query: Record<string, unknown>): z.infer<T> => {
  const parsed = schema.safeParse(query);
  if (!parsed.success)
    throw new ValidationError(
      'The query is not valid',
      parsed.error.issues.map((i) => ({ path: `query:${i.path.join('.') || '(query)'}`, message: i.message })),
    );
  return parsed.data;
};
