import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { ALL_SITES } from '@closeloop/auth';
import { ForbiddenError, ValidationError } from '@closeloop/contracts';
import { Access, isUuid, principalOf } from '@closeloop/http';
import { ParkedEvent, RelayStateRepository } from '@closeloop/messaging';
import type { Request } from 'express';
import { RELAY_STATE } from '../intake.config';

const toView = (p: ParkedEvent) => ({
  eventId: p.eventId,
  streamId: p.streamId,
  streamVersion: p.streamVersion,
  eventType: p.eventType,
  globalPosition: p.globalPosition,
  errorCode: p.errorCode,
  reason: p.reason,
  heldBehind: p.heldBehind,
  status: p.status,
  attempts: p.attempts,
  parkedAt: p.parkedAt.toISOString(),
  resolvedAt: p.resolvedAt?.toISOString() ?? null,
  resolvedBy: p.resolvedBy,
});

/**
 * The relay's parked events for administrators (docs/adr/0013-parking-poison-messages.md): what the relay could
 * not publish and what waits behind it, and the two ways out, retry and skip. Served by intake, which always
 * runs a relay; the table is the deployment's, so any instance answers for the leader. Parked events belong to
 * every site and are not filtered by one, so only an administrator of all sites may see or act on them.
 */
@Controller('v1/admin/relay/parked-events')
@Access({ staff: ['admin'] })
export class ParkedEventsHttpController {
  constructor(@Inject(RELAY_STATE) private readonly relay: RelayStateRepository) {}

  @Get()
  async list(@Req() request: Request, @Query('status') status?: string, @Query('limit') limit?: string) {
    this.ensureAllSites(request);
    const include =
      status === undefined || status === 'unresolved' ? 'unresolved' : status === 'all' ? 'all' : undefined;
    if (!include)
      throw new ValidationError('status must be unresolved or all', [
        { path: 'status', message: 'expected unresolved or all' },
      ]);
    const count = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      throw new ValidationError('limit must be a whole number from 1 to 1000', [
        { path: 'limit', message: 'expected 1-1000' },
      ]);
    const found = await this.relay.list({ include, limit: count });
    return { relay: this.relay.relay, unresolved: found.unresolved, events: found.events.map(toView) };
  }

  @Post(':eventId/retry')
  @HttpCode(200)
  async retry(@Req() request: Request, @Param('eventId') eventId: string) {
    const by = this.operatorOf(request);
    return toView(await this.relay.retry(this.eventIdOf(eventId), by));
  }

  @Post(':eventId/skip')
  @HttpCode(200)
  async skip(@Req() request: Request, @Param('eventId') eventId: string) {
    const by = this.operatorOf(request);
    return toView(await this.relay.skip(this.eventIdOf(eventId), by));
  }

  private eventIdOf(eventId: string): string {
    if (!isUuid(eventId))
      throw new ValidationError('eventId must be a UUID', [{ path: 'eventId', message: 'expected a UUID' }]);
    return eventId.toLowerCase();
  }

  private operatorOf(request: Request): string {
    return `staff:${this.ensureAllSites(request)}`;
  }

  private ensureAllSites(request: Request): string {
    const caller = principalOf(request);
    if (caller.kind !== 'staff' || !caller.sites.includes(ALL_SITES)) {
      throw new ForbiddenError(
        'Parked relay events span every site: only an administrator of all sites may see or act on them',
        'ALL_SITES_REQUIRED',
      );
    }
    return caller.staffId;
  }
}
