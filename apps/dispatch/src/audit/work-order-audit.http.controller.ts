import { Controller, Get, Inject, Param, Req } from '@nestjs/common';
import { NotFoundError } from '@closeloop/contracts';
import { aggregateStream, EVENT_STORE, EventStore, verifyStream } from '@closeloop/event-store';
import { Access, ensureSiteVisible, isUuid, principalOf } from '@closeloop/http';
import { workOrderDecider, workOrderStream } from '@closeloop/work-order-domain';
import type { Request } from 'express';

/** Who may audit an order's history: the people who answer for it, for the sites they work for. */
export const AUDIT_ROLES = ['supervisor', 'admin'] as const;

/**
 * An order's hash chain, recomputed from the stored events (docs/adr/0033-tamper-evident-event-chain.md). Served by
 * dispatch because only the work-order write side (intake and dispatch) reads `workorder-<id>` streams (ADR 19); a
 * read model could only repeat what it was told, while this checks the events themselves.
 */
@Controller('v1/work-orders')
@Access({ staff: AUDIT_ROLES })
export class WorkOrderAuditHttpController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':id/audit')
  async audit(@Param('id') id: string, @Req() request: Request) {
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const streamId = workOrderStream(id);
    const { state, recorded } = await aggregateStream(this.store, streamId, workOrderDecider);
    if (state.status === 'none') throw new NotFoundError('Work order', id);
    ensureSiteVisible(principalOf(request), state.siteId, 'Work order', id);
    const verification = verifyStream(streamId, recorded);
    return {
      workOrderId: id,
      streamId,
      verifies: verification.verifies,
      headHash: verification.headHash,
      firstBreak: verification.firstBreak ?? null,
      events: verification.links.map((link) => ({
        eventId: link.eventId,
        version: link.version,
        type: link.type,
        time: link.time,
        prevHash: link.prevHash,
        hash: link.hash,
        verifies: link.verifies,
        ...(link.reason ? { reason: link.reason } : {}),
      })),
    };
  }
}
