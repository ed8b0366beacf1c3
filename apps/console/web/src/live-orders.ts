// The live stream of a site's order changes (GET /v1/stream through the console's proxy), for any page that keeps
// a list of orders fresh. Read with fetch (@microsoft/fetch-event-source), not EventSource, because the staff token
// goes in the Authorization header; the library sends the last event's id as Last-Event-ID when it reconnects, so
// the server replays what was missed.
import { fetchEventSource, type EventSourceMessage } from '@microsoft/fetch-event-source';
import { useEffect, useRef, useState } from 'react';
import { apiUrl, authorizationHeaders, problemOf, type ApiProblem } from './api';
import { orderStreamEventOf, reconnectDelayMs } from './order-stream';
import { signOut } from './session';
import type { WorkOrder } from './work-orders';

export type LiveState =
  | { readonly state: 'connecting' }
  | { readonly state: 'live' }
  | { readonly state: 'reconnecting' }
  /** The service refused the stream for good (the site is not the caller's, say); the page shows why. */
  | { readonly state: 'refused'; readonly problem: ApiProblem };

export interface LiveOrderHandlers {
  /** An order of the site changed: here it is as it is now. */
  readonly onOrder: (order: WorkOrder) => void;
  /** The changes since the list was read cannot all be replayed: read the list again. */
  readonly onResync: () => void;
}

/** A refusal that reconnecting would only repeat. */
class StreamRefused extends Error {
  constructor(readonly problem: ApiProblem) {
    super(problem.message);
  }
}

/** The server ends each stream after a while so that the token is checked again; that is a reason to reconnect. */
class StreamEnded extends Error {}

const EVENT_STREAM = 'text/event-stream';

/** Statuses worth trying again: the service or the proxy in front of it is busy or restarting. */
const isPassing = (status: number): boolean => status === 429 || status >= 500;

/**
 * Follows the site's changes while the calling component is mounted, and says whether it is live. A first
 * connection (and a `reset`) asks for the list to be read again, since changes made before the stream opened are
 * not replayed; a reconnection resumes after the last change heard, with a growing wait between failed attempts.
 */
export const useLiveOrders = (site: string, handlers: LiveOrderHandlers): LiveState => {
  const [live, setLive] = useState<LiveState>({ state: 'connecting' });
  // The latest handlers, without reconnecting each time the page renders new ones.
  const latest = useRef(handlers);
  useEffect(() => {
    latest.current = handlers;
  });

  useEffect(() => {
    const stop = new AbortController();
    let failures = 0;
    setLive({ state: 'connecting' });

    const onopen = async (response: Response): Promise<void> => {
      if (response.ok && response.headers.get('content-type')?.startsWith(EVENT_STREAM)) return;
      if (response.status === 401) signOut();
      const problem = await problemOf(response);
      if (isPassing(response.status)) throw problem;
      throw new StreamRefused(problem);
    };

    const onmessage = (message: EventSourceMessage): void => {
      const event = orderStreamEventOf(message);
      switch (event.type) {
        case 'ready':
        case 'reset':
          failures = 0;
          setLive({ state: 'live' });
          if (event.type === 'reset' || !event.resumed) latest.current.onResync();
          return;
        case 'work-order':
          latest.current.onOrder(event.order);
          return;
        case 'unknown':
          return;
        default:
          event satisfies never;
      }
    };

    const onerror = (error: unknown): number => {
      if (error instanceof StreamRefused) {
        setLive({ state: 'refused', problem: error.problem });
        throw error;
      }
      setLive({ state: 'reconnecting' });
      return reconnectDelayMs(error instanceof StreamEnded ? 0 : failures++);
    };

    fetchEventSource(apiUrl('query', `/v1/stream?${new URLSearchParams({ site })}`), {
      signal: stop.signal,
      headers: { ...authorizationHeaders(), accept: EVENT_STREAM },
      onopen,
      onmessage,
      onclose: () => {
        throw new StreamEnded();
      },
      onerror,
      // A hidden tab lets go of its stream (the library's default) and resumes from the last id once shown again.
      openWhenHidden: false,
    }).catch(() => {
      // Only a refusal ends the loop, and onerror has put it in the state the page shows.
    });
    return () => stop.abort();
  }, [site]);

  return live;
};
