import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { FieldIssue, unstorableTextIssues, ValidationError } from '@closeloop/contracts';
import type { Request } from 'express';
import { Observable } from 'rxjs';

/** The stable code of a request refused for text PostgreSQL cannot hold (docs/adr/0017-one-input-policy-at-the-edge.md). */
export const UNSTORABLE_TEXT_CODE = 'UNSTORABLE_TEXT';

const prefixed = (prefix: 'path' | 'query', issues: readonly FieldIssue[]): FieldIssue[] =>
  issues.map((issue) => ({ ...issue, path: `${prefix}:${issue.path}` }));

/**
 * Every place a request carries text to a handler: path parameters and query parameters (paths as `path:id`,
 * `query:site`, as the routes name them) and the parsed body (paths as the body's own, `to.name`).
 */
export const unstorableRequestText = (request: Pick<Request, 'params' | 'query' | 'body'>): FieldIssue[] => [
  ...prefixed('path', unstorableTextIssues(request.params ?? {})),
  ...prefixed('query', unstorableTextIssues(request.query ?? {})),
  ...unstorableTextIssues(request.body),
];

/**
 * The text half of the input policy, for every HTTP route of every service at once: a request whose path, query or
 * body holds U+0000 or an unpaired UTF-16 surrogate anywhere is refused with 422 before its handler runs, so no
 * route — including one added tomorrow — can hand such text to PostgreSQL and answer 500. Runs after the access
 * guard (interceptors follow guards), so an anonymous caller still learns only that it must authenticate.
 * Identifiers and instants are checked by the routes' schemas (IdentifierSchema, StaffIdSchema, InstantSchema).
 */
@Injectable()
export class InputPolicyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // The hybrid app's Kafka transport inherits global enhancers; its messages are checked by their consumers.
    if (context.getType() !== 'http') return next.handle();
    const issues = unstorableRequestText(context.switchToHttp().getRequest<Request>());
    if (issues.length > 0)
      throw new ValidationError('The request holds text that cannot be stored', issues, UNSTORABLE_TEXT_CODE);
    return next.handle();
  }
}
