import { ReportDetails, ReportDetailsSchema, unstorableTextIssues, ValidationError } from '@closeloop/contracts';
import { ZodError } from 'zod';

export const issuesOf = (error: ZodError, prefix = '') =>
  error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: i.message,
  }));

/**
 * Refuses (422) text that could not be stored, before anything is written. HTTP requests already passed the input
 * policy at the edge (InputPolicyInterceptor); this is for what arrives on the intake topic.
 */
export const requireStorableText = (value: unknown, message: string, path = ''): void => {
  const issues = unstorableTextIssues(value, path);
  if (issues.length > 0) throw new ValidationError(message, issues);
};

export const parseReport = (body: unknown, prefix = ''): ReportDetails => {
  const parsed = ReportDetailsSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError('The report is not valid', issuesOf(parsed.error, prefix));
  requireStorableText(parsed.data, 'The report is not valid', prefix);
  return parsed.data;
};
