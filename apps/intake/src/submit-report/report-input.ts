import { ReportDetails, ReportDetailsSchema, ValidationError } from '@closeloop/contracts';
import { ZodError } from 'zod';

export const issuesOf = (error: ZodError, prefix = '') =>
  error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));

export const parseReport = (body: unknown, prefix = ''): ReportDetails => {
  const parsed = ReportDetailsSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The report is not valid', issuesOf(parsed.error, prefix));
  return parsed.data;
};
