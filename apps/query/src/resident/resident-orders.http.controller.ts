import { Controller, Get, Header, Param, Req } from '@nestjs/common';
import { DEFAULT_SITE_TIME_ZONE, ResidentLinkNotFoundError, toDomainEvents } from '@closeloop/contracts';
import { Access } from '@closeloop/http';
import { Clock, ResidentLinkDoor } from '@closeloop/runtime';
import type { Request } from 'express';
import { ResidentOrder, residentOrderOf } from './resident-order';
import { ResidentOrdersRepository } from './resident-orders.repository';

/**
 * The resident's view of their order by its status link (docs/adr/0026-resident-status-links.md), as JSON; the
 * console's page /r/{token} shows it. Public: the token in the path is the credential, for one order, read-only.
 * An unknown, malformed or expired link answers one 404; every request counts against its client address's budget.
 */
@Controller('v1/resident/orders')
@Access({ public: true })
export class ResidentOrdersHttpController {
  constructor(
    private readonly orders: ResidentOrdersRepository,
    private readonly door: ResidentLinkDoor,
    private readonly clock: Clock,
  ) {}

  @Get(':token')
  // What a link shows is the resident's: no shared cache may keep it, and the page asks again for what changed.
  @Header('Cache-Control', 'no-store')
  async view(@Param('token') token: string, @Req() request: Request): Promise<ResidentOrder> {
    const record = await this.orders.byLinkDigest(await this.door.open(request, token));
    if (!record) throw new ResidentLinkNotFoundError();
    const timeline = toDomainEvents(record.timeline).map((event, i) => ({
      event,
      occurredAt: (record.timeline[i]?.occurredAt as Date).toISOString(),
    }));
    const order = residentOrderOf({ ...record, timeZone: DEFAULT_SITE_TIME_ZONE }, timeline, this.clock.now());
    if (!order) throw new ResidentLinkNotFoundError();
    return order;
  }
}
