import { Controller, Get, Header, Query, Req, Res } from '@nestjs/common';
import { ForbiddenError, ValidationError } from '@closeloop/contracts';
import { Access, principalOf } from '@closeloop/http';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from './feed-cursor';
import { FeedReader } from './feed-reader';

/** The longest a caught-up request waits: under the 30 s many proxies and load balancers give an idle request. */
export const MAX_FEED_WAIT_SECONDS = 25;

const FeedQuerySchema = z
  .object({
    after: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    wait: z.coerce.number().int().min(0).max(MAX_FEED_WAIT_SECONDS).default(0),
  })
  .strict();

/**
 * The replayable feed (docs/adr/0030): an integrator follows the work orders of its sites, and after an outage
 * rebuilds its own view, by reading the CloudEvents from its last `next` cursor, or from the beginning.
 */
@Controller('v1/feed')
@Access({ integrator: true })
export class FeedHttpController {
  constructor(private readonly feed: FeedReader) {}

  @Get()
  @Header('cache-control', 'no-store')
  async read(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ) {
    const caller = principalOf(request);
    if (caller.kind !== 'integrator') throw new ForbiddenError('Only integrators follow the feed', 'INTEGRATORS_ONLY');
    const parsed = FeedQuerySchema.safeParse(query);
    if (!parsed.success)
      throw new ValidationError(
        'The feed query is not valid',
        parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(query)', message: i.message })),
      );
    const after = decodeCursor(parsed.data.after);
    // A caller that hangs up stops waiting at once rather than holding its place until the wait ends.
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    const page = await this.feed.read({
      sites: caller.sites,
      after,
      limit: parsed.data.limit,
      waitMillis: parsed.data.wait * 1000,
      signal: gone.signal,
    });
    return { events: page.events, next: encodeCursor(page.checkpoint) };
  }
}
