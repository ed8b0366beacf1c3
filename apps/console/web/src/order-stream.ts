// What the query service's live stream (GET /v1/stream, docs/openapi.yaml, ADR 24) says, read apart from the
// connection, and how long to wait before connecting again after it drops.
import type { WorkOrder } from './work-orders';

export type OrderStreamEvent =
  /** The stream's first event: `resumed` when it carries on from the Last-Event-ID sent, else it starts from now. */
  | { readonly type: 'ready'; readonly resumed: boolean }
  /** The changes after the Last-Event-ID are no longer kept: read the list again. */
  | { readonly type: 'reset' }
  /** An order changed; this is it as it is now, as GET /v1/work-orders lists it. */
  | { readonly type: 'work-order'; readonly order: WorkOrder }
  /** An event this console does not know (a newer server's), or one whose data cannot be read: skipped. */
  | { readonly type: 'unknown'; readonly name: string };

const objectIn = (data: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(data);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The meaning of one server-sent event, by its `event` name and its JSON `data`. */
export const orderStreamEventOf = (message: { readonly event: string; readonly data: string }): OrderStreamEvent => {
  const data = objectIn(message.data);
  switch (message.event) {
    case 'ready':
      return { type: 'ready', resumed: data?.['resumed'] === true };
    case 'reset':
      return { type: 'reset' };
    case 'work-order':
      return typeof data?.['workOrderId'] === 'string' && typeof data['status'] === 'string'
        ? { type: 'work-order', order: data as unknown as WorkOrder }
        : { type: 'unknown', name: message.event };
    default:
      return { type: 'unknown', name: message.event };
  }
};

const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 30_000;

/**
 * The wait before reconnecting after `failures` attempts in a row have failed: doubling from 1 s up to 30 s, each
 * between half and all of that at random, so that boards cut off together by a restart do not return together.
 */
export const reconnectDelayMs = (failures: number, random: () => number = Math.random): number => {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
};
