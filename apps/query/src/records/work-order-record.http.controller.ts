import { Controller, Get, Inject, Param, Req, Res, StreamableFile } from '@nestjs/common';
import type { RecordSigningKey } from '@closeloop/auth';
import { NotFoundError } from '@closeloop/contracts';
import { Access, ensureSiteVisible, isUuid, principalOf, staffMemberOf } from '@closeloop/http';
import { Clock } from '@closeloop/runtime';
import type { Request, Response } from 'express';
import { RECORD_SIGNING_KEY } from '../query.config';
import { renderPdf } from '../reports/monthly-report.render';
import { maskEventData } from '../projection/timeline-data';
import { READ_ROLES, seesFullPhone, toView } from '../work-orders/work-orders.http.controller';
import { WorkOrderViewsRepository } from '../work-orders/work-order-views.repository';
import { escalationsOf, RECORD_FORMAT, recordDocument, recordEvents } from './work-order-record';

/**
 * An order's signed record (docs/adr/0033-tamper-evident-event-chain.md): the order, its timeline with each event's
 * chain hashes, its SLA clocks, escalations and who was paged, ratings and comments, contacts masked as the reader
 * sees them, signed with the deployment's Ed25519 key. JSON (the signed form) or `Accept: application/pdf`.
 */
@Controller('v1/work-orders')
@Access({ staff: READ_ROLES })
export class WorkOrderRecordHttpController {
  constructor(
    private readonly views: WorkOrderViewsRepository,
    @Inject(RECORD_SIGNING_KEY) private readonly key: RecordSigningKey,
    private readonly clock: Clock,
  ) {}

  @Get(':id/record')
  async record(@Param('id') id: string, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const caller = principalOf(request);
    if (!isUuid(id)) throw new NotFoundError('Work order', id);
    const row = await this.views.find(id);
    if (!row) throw new NotFoundError('Work order', id);
    ensureSiteVisible(caller, row['site_id'] as string, 'Work order', id);
    const fullPhone = seesFullPhone(caller);
    const events = recordEvents(await this.views.timeline(id), (data) => maskEventData(data, fullPhone));
    const unsigned = {
      format: RECORD_FORMAT,
      issuedAt: this.clock.now().toISOString(),
      issuedTo: { staffId: staffMemberOf(caller).staffId, roles: caller.kind === 'staff' ? caller.roles : [] },
      workOrder: toView(row, fullPhone),
      escalations: escalationsOf(events),
      events,
      headHash: [...events].reverse().find((e) => e.hash !== null)?.hash ?? null,
    };
    const signed = { ...unsigned, signature: this.key.sign(unsigned) };
    if (request.accepts(['application/json', 'application/pdf']) === 'application/pdf') {
      response.setHeader('Content-Type', 'application/pdf');
      response.setHeader('Content-Disposition', `inline; filename="work-order-record-${id}.pdf"`);
      return new StreamableFile(await renderPdf(recordDocument(signed)));
    }
    return signed;
  }
}
