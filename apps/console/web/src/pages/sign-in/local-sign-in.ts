// The local stack's sign-in link: `/sign-in#code=<one-time code>`. The code is taken from the fragment (which no
// server sees) and removed from the address bar at once, then exchanged, once, for a staff token.
import { ApiProblem } from '../../api';
import { takeFromFragment } from '../../session';

let codeOfThisPage: string | undefined;

/** The link's code, removed from the address; kept for this page load so that a re-render finds it again. */
export const codeFromAddress = (): string | undefined => {
  codeOfThisPage = takeFromFragment('code') ?? codeOfThisPage;
  return codeOfThisPage;
};

const exchanges = new Map<string, Promise<string>>();

const exchange = async (code: string): Promise<string> => {
  const response = await fetch('/auth/local/exchange', {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, string | undefined>;
  if (!response.ok)
    throw new ApiProblem(response.status, body['title'] ?? response.statusText, body['detail'], body['code']);
  return body['token'] ?? '';
};

/** A code goes to the server once per page, however often the page renders: a second exchange would be refused. */
export const exchangeOnce = (code: string): Promise<string> => {
  // Once settled, the page has used its code: coming back to /sign-in later does not show it again.
  const started = exchanges.get(code) ?? exchange(code).finally(() => (codeOfThisPage = undefined));
  exchanges.set(code, started);
  return started;
};
