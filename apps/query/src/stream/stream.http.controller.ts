import { Controller, Get, Headers, Logger, Query, Req, Res } from '@nestjs/common';
import { Access, ensureSiteAllowed, principalOf } from '@closeloop/http';
import { IdentifierSchema, ValidationError } from '@closeloop/contracts';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { parseQuery } from '../query-parameters';
import { READ_ROLES, seesFullPhone, toView } from '../work-orders/work-orders.http.controller';
import { OrderChangeFeed } from './order-change-feed';
import { OrderChangeStream } from './order-change-stream';
import { FeedBounds, OrderChangesRepository } from './order-changes.repository';
import { lastEventIdOf, serverSentEvent, serverSentRetry } from './server-sent-events';

const StreamQuerySchema = z.object({ site: IdentifierSchema }).strict();

/** How soon a client reconnects after the connection drops (it resumes from its Last-Event-ID). */
const RECONNECT_MILLIS = 1_000;

/**
 * Whether changes after `lastId` may be gone: pruned (below the oldest id left, ADR 24), or an id this feed never
 * gave out (past the newest, e.g. from a database restored since). Ids are not gapless (a rolled-back projection
 * leaves one), so a client may now and then be told to reload when nothing was pruned; it is never left missing a
 * change.
 */
const missedBeyondFeed = (lastId: bigint, { oldest, newest }: FeedBounds): boolean =>
  newest === null ? lastId > 0n : lastId < (oldest as bigint) - 1n || lastId > newest;

/**
 * The live board (issue 13): each change to an order of the site as one `work-order` event carrying the order as
 * GET /v1/work-orders lists it, with the change's id as the event id. The same readers and site scoping as the list;
 * a site the caller does not work for is 403 before the stream opens. See docs/adr/0024.
 */
@Controller('v1/stream')
@Access({ staff: READ_ROLES })
export class StreamHttpController {
  private readonly logger = new Logger('stream');

  constructor(
    private readonly changes: OrderChangesRepository,
    private readonly feed: OrderChangeFeed,
  ) {}

  @Get()
  async open(
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const caller = principalOf(request);
    const { site } = parseQuery(StreamQuerySchema, query);
    ensureSiteAllowed(caller, site);
    const lastEventId = lastEventIdOf(lastEventIdHeader);
    if (lastEventId === null)
      throw new ValidationError('Last-Event-ID is not an id this stream sent', [
        { path: 'header:last-event-id', message: 'expected the id of an event of this stream' },
      ]);
    const reset = lastEventId !== undefined && missedBeyondFeed(lastEventId, await this.changes.bounds());
    const after = lastEventId === undefined || reset ? await this.changes.latestId(site) : lastEventId;

    response.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    response.flushHeaders();
    response.write(serverSentRetry(RECONNECT_MILLIS));
    // The first event names the cursor: `ready` (read the list now if you have none, changes after it follow), or
    // `reset` (what you missed is gone: read the list again).
    response.write(
      serverSentEvent({
        id: after.toString(),
        event: reset ? 'reset' : 'ready',
        data: reset ? { site, reason: 'changes-pruned' } : { site, resumed: lastEventId !== undefined },
      }),
    );
    const fullPhone = seesFullPhone(caller);
    const stream = new OrderChangeStream(response, {
      siteId: site,
      after,
      itemOf: (row) => toView(row, fullPhone),
      changes: this.changes,
      logger: this.logger,
    });
    const unsubscribe = this.feed.subscribe(stream);
    stream.start(unsubscribe);
  }
}
