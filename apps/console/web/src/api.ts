// Calls to the five services' public APIs, through the console's same-origin proxy (`/api/<service>/...`), with
// the signed-in person's token. A refusal arrives as problem+json and becomes an ApiProblem the page can put in words.
import { currentSession, signOut } from './session';

export type Service = 'intake' | 'dispatch' | 'sla-timer' | 'notification' | 'query';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly code: string | undefined,
  ) {
    super(detail ?? title);
    this.name = 'ApiProblem';
  }
}

export const apiUrl = (service: Service, path: string): string => `/api/${service}${path}`;

export const authorizationHeaders = (): Record<string, string> => {
  const session = currentSession();
  return session ? { authorization: `Bearer ${session.token}` } : {};
};

export const problemOf = async (response: Response): Promise<ApiProblem> => {
  const body = (await response.json().catch(() => ({}))) as { title?: string; detail?: string; code?: string };
  return new ApiProblem(response.status, body.title ?? response.statusText, body.detail, body.code);
};

/** A request whose answer is read as the given type; `accept` other than JSON answers the body as text. */
export const api = async <T>(
  service: Service,
  path: string,
  init: {
    method?: string;
    body?: unknown;
    accept?: string;
    signal?: AbortSignal;
    /** More request headers, e.g. dispatch's If-Match and Idempotency-Key. */
    headers?: Record<string, string>;
  } = {},
): Promise<T> => {
  const accept = init.accept ?? 'application/json';
  const response = await fetch(apiUrl(service, path), {
    method: init.method ?? 'GET',
    signal: init.signal,
    headers: {
      accept,
      ...authorizationHeaders(),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (response.status === 401) signOut();
  if (!response.ok) throw await problemOf(response);
  if (response.status === 204) return undefined as T;
  return (accept === 'application/json' ? response.json() : response.text()) as Promise<T>;
};

/** A request whose answer is kept as it came, as bytes (a PDF, a CSV or a page to save or open). */
export const apiBlob = async (service: Service, path: string, accept: string): Promise<Blob> => {
  const response = await fetch(apiUrl(service, path), { headers: { accept, ...authorizationHeaders() } });
  if (response.status === 401) signOut();
  if (!response.ok) throw await problemOf(response);
  return response.blob();
};
