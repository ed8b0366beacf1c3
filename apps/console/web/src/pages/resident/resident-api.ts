// The resident page's calls, through the console's same-origin proxy, with no credential but the link's token.
import { ApiProblem, problemOf } from '../../api';
import type { ResidentConfirmation, ResidentNote, ResidentOrder, ResidentRejection } from './resident-order';

const ordersPath = (token: string) => `/v1/resident/orders/${encodeURIComponent(token)}`;

export const fetchResidentOrder = async (token: string, signal?: AbortSignal): Promise<ResidentOrder> => {
  const response = await fetch(`/api/query${ordersPath(token)}`, { headers: { accept: 'application/json' }, signal });
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as ResidentOrder;
};

export type ResidentAction =
  | { readonly kind: 'confirmation'; readonly body: ResidentConfirmation }
  | { readonly kind: 'rejection'; readonly body: ResidentRejection }
  | { readonly kind: 'notes'; readonly body: ResidentNote };

/** Sends an action with an Idempotency-Key, so a double tap or a retry over a bad connection records it once. */
export const sendResidentAction = async (token: string, action: ResidentAction, key: string): Promise<void> => {
  const response = await fetch(`/api/intake${ordersPath(token)}/${action.kind}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(action.body),
  });
  if (!response.ok) throw await problemOf(response);
};

export { ApiProblem };
