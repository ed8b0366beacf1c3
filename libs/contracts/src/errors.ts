/**
 * The error taxonomy. Codes are stable strings: clients and dashboards match on them, so they never change
 * meaning. The HTTP edge maps each kind to one status, once.
 */
export type ErrorKind =
  | 'malformed-request'
  | 'payload-too-large'
  | 'validation'
  | 'not-found'
  | 'illegal-transition'
  | 'concurrency'
  | 'conflict'
  | 'unsupported-media-type'
  | 'unauthenticated'
  | 'forbidden'
  | 'too-many-requests'
  /** A server this one depends on does not answer: worth retrying later. */
  | 'unavailable';

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class CloseloopError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends CloseloopError {
  constructor(
    message: string,
    readonly issues: readonly FieldIssue[],
    code = 'VALIDATION_FAILED',
  ) {
    super('validation', code, message, { issues });
  }
}

export class NotFoundError extends CloseloopError {
  constructor(what: string, id: string) {
    super('not-found', 'NOT_FOUND', `${what} ${id} was not found`, { id });
  }
}

export class IllegalTransitionError extends CloseloopError {
  constructor(command: string, currentStatus: string, allowedCommands: readonly string[]) {
    super(
      'illegal-transition',
      'ILLEGAL_TRANSITION',
      `${command} is not allowed while the work order is ${currentStatus}`,
      {
        currentStatus,
        allowedCommands,
      },
    );
  }
}

export class IdempotencyKeyReusedError extends CloseloopError {
  constructor(key: string) {
    super(
      'conflict',
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency key ${key} was already used with a different request body`,
      { key },
    );
  }
}

export class UnsupportedMediaTypeError extends CloseloopError {
  constructor(received: string | undefined, accepted: readonly string[]) {
    super(
      'unsupported-media-type',
      'UNSUPPORTED_MEDIA_TYPE',
      `Content type ${received ?? '(none)'} is not accepted here; send ${accepted.join(' or ')}`,
      {
        accepted,
      },
    );
  }
}

/** A body that cannot be read at all, such as broken JSON. */
export class MalformedRequestError extends CloseloopError {
  constructor(detail: string) {
    super('malformed-request', 'MALFORMED_JSON', `The request body is not valid JSON: ${detail}`);
  }
}

export class PayloadTooLargeError extends CloseloopError {
  constructor(limit: string) {
    super(
      'payload-too-large',
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than the ${limit} this endpoint accepts`,
      { limit },
    );
  }
}

/** No credentials, or credentials that prove nothing: a missing, malformed, expired or unknown token or key. */
export class UnauthenticatedError extends CloseloopError {
  constructor(
    message = 'Authentication is required: send a bearer token or an integrator API key',
    code = 'UNAUTHENTICATED',
  ) {
    super('unauthenticated', code, message);
  }
}

/** Known caller, not allowed this: a role it does not hold, a site or event type outside its scope. */
export class ForbiddenError extends CloseloopError {
  constructor(message: string, code = 'FORBIDDEN', details: Readonly<Record<string, unknown>> = {}) {
    super('forbidden', code, message, details);
  }
}

/** The caller sent more than its share; `retryAfterSeconds` (whole seconds, at least 1) becomes the Retry-After header. */
export class RateLimitedError extends CloseloopError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number, code = 'RATE_LIMITED') {
    const seconds = wholeSecondsAtLeastOne(retryAfterSeconds);
    super('too-many-requests', code, `Too many requests; retry in ${seconds} s`, { retryAfterSeconds: seconds });
    this.retryAfterSeconds = seconds;
  }
}

const wholeSecondsAtLeastOne = (seconds: number): number =>
  Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : 1;

/**
 * Refused by load shedding, before any of the request was done (nothing written): the service has more work than it
 * can finish in time. `retryAfterMillis` is the shedder's estimate of when a slot frees; it becomes `Retry-After-Ms`
 * and, rounded up to whole seconds (at least 1), `Retry-After`.
 */
export class OverloadedError extends CloseloopError {
  constructor(retryAfterMillis: number, reason: string) {
    const millis = wholeMillisAtLeastOne(retryAfterMillis);
    super(
      'unavailable',
      'OVERLOADED',
      `The service is overloaded (${reason}); nothing was done, retry in ${millis} ms`,
      {
        retryAfterSeconds: wholeSecondsAtLeastOne(millis / 1000),
        retryAfterMillis: millis,
      },
    );
  }
}

/** Refused by load shedding: while others wait, this one caller already holds more than its share of the service. */
export class CallerOverShareError extends CloseloopError {
  constructor(retryAfterMillis: number) {
    const millis = wholeMillisAtLeastOne(retryAfterMillis);
    super(
      'too-many-requests',
      'CALLER_OVER_SHARE',
      `This caller holds more than its share of a busy service; nothing was done, retry in ${millis} ms`,
      {
        retryAfterSeconds: wholeSecondsAtLeastOne(millis / 1000),
        retryAfterMillis: millis,
      },
    );
  }
}

const wholeMillisAtLeastOne = (millis: number): number =>
  Number.isFinite(millis) ? Math.max(1, Math.ceil(millis)) : 1000;

/**
 * A resident's status link that opens nothing: unknown, malformed, or expired (docs/adr/0026-resident-status-links.md).
 * One answer for all three, word for word, in every service that takes links, so a guess learns nothing.
 */
export class ResidentLinkNotFoundError extends CloseloopError {
  constructor() {
    super('not-found', 'NOT_FOUND', 'This status link is not known, or has expired');
  }
}

/** A status link opens its order until this long after the order closed (or was cancelled). */
export const RESIDENT_LINK_DAYS_AFTER_END = 30;
