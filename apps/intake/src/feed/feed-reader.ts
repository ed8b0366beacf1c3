import { Inject, Injectable } from '@nestjs/common';
import { CloudEvent } from '@closeloop/contracts';
import { EVENT_STORE, EventStore } from '@closeloop/event-store';
import { toPublishedEvent } from '@closeloop/messaging';
import { WORK_ORDER_CATEGORY } from '@closeloop/work-order-domain';
import { FeedOrderSitesRepository } from './feed-order-sites.repository';
import { FeedTail } from './feed-tail';

/** Events read from the store per page while looking for the caller's; pages per request before answering. */
const PAGE = 500;
const PAGES_PER_REQUEST = 10;

export interface FeedRequest {
  /** The caller's sites; '*' is every site. */
  readonly sites: readonly string[];
  /** The checkpoint to read after; undefined from the beginning. */
  readonly after: string | undefined;
  readonly limit: number;
  /** How long to wait for new events when there are none yet, in milliseconds; 0 answers at once. */
  readonly waitMillis: number;
  readonly signal: AbortSignal;
}

export interface FeedPage {
  readonly events: CloudEvent[];
  /** The checkpoint to read after next time: past everything this request looked at, the caller's or not. */
  readonly checkpoint: string | undefined;
}

interface Scan extends FeedPage {
  /** Whether the scan reached the end of the log as it stands. */
  readonly atEnd: boolean;
}

/**
 * The integrators' replayable feed (docs/adr/0030): the work-order events of the caller's sites, as the CloudEvents
 * the relay publishes, in the event store's commit-safe global order (ADR 3), read from intake's own work-order
 * streams through the port's readCategory, from any checkpoint. Other sites' events are read and passed over; the
 * cursor moves past them, so a feed of a quiet site in a busy log still makes progress, a bounded number of pages a
 * request. When the log holds nothing new for the caller, the request waits (FeedTail) until it does or its wait ends.
 */
@Injectable()
export class FeedReader {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly sites: FeedOrderSitesRepository,
    private readonly tail: FeedTail,
  ) {}

  async read(request: FeedRequest): Promise<FeedPage> {
    const deadline = Date.now() + request.waitMillis;
    let checkpoint = request.after;
    for (;;) {
      const scan = await this.scan(request.sites, checkpoint, request.limit);
      checkpoint = scan.checkpoint;
      if (scan.events.length > 0 || !scan.atEnd || Date.now() >= deadline) return scan;
      if (!(await this.tail.waitForMore(checkpoint, deadline, request.signal))) {
        return { events: [], checkpoint };
      }
    }
  }

  private async scan(sites: readonly string[], after: string | undefined, limit: number): Promise<Scan> {
    const everySite = sites.includes('*');
    const events: CloudEvent[] = [];
    let checkpoint = after;
    for (let page = 0; page < PAGES_PER_REQUEST; page++) {
      const batch = await this.store.readCategory(WORK_ORDER_CATEGORY, checkpoint, PAGE);
      const published = batch.map((recorded) => ({ recorded, event: toPublishedEvent(recorded) }));
      const siteOf = everySite
        ? undefined
        : await this.sites.sitesOf([...new Set(published.map((p) => p.event.workorderid as string))]);
      for (const { recorded, event } of published) {
        checkpoint = recorded.checkpoint;
        const site = siteOf?.get(event.workorderid as string);
        if (everySite || (site !== undefined && sites.includes(site))) events.push(event);
        if (events.length === limit) return { events, checkpoint, atEnd: false };
      }
      if (batch.length < PAGE) return { events, checkpoint, atEnd: true };
    }
    return { events, checkpoint, atEnd: false };
  }
}
