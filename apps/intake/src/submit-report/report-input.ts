import { FieldIssue, ReportDetails, ReportDetailsSchema, ValidationError } from '@closeloop/contracts';
import { ZodError } from 'zod';

export const issuesOf = (error: ZodError, prefix = '') =>
  error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));

// JSON and JavaScript strings may hold U+0000 and unpaired UTF-16 surrogates; PostgreSQL's text and jsonb cannot
// (the append or the lookup would fail with a database error, a 500). Found by apps/intake/src/intake.fuzz.int.spec.ts.
const UNSTORABLE = /\u0000|\p{Cs}/u;

/** Every string in an already validated value that PostgreSQL could not store, by path. */
export const unstorableTextIssues = (value: unknown, path = ''): FieldIssue[] => {
  if (typeof value === 'string') {
    return UNSTORABLE.test(value) ? [{ path: path || '(body)', message: 'must not contain U+0000 or an unpaired UTF-16 surrogate' }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => unstorableTextIssues(item, [path, String(i)].filter(Boolean).join('.')));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => unstorableTextIssues(item, [path, key].filter(Boolean).join('.')));
  }
  return [];
};

/** Refuses (422) text that could not be stored, before anything is written. */
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
