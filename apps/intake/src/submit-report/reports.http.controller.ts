import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { IntakeEventTypes, UnsupportedMediaTypeError } from '@closeloop/contracts';
import { Access, actorOf, correlationIdOf, idempotencyKeyOf, principalOf } from '@closeloop/http';
import { authorizeIntake, INTAKE_CALLERS } from './intake-callers';
import type { Request, Response } from 'express';
import { parseReport } from './report-input';
import { SubmitReportHandler, SubmittedReport } from './submit-report.handler';

export const acceptedBody = (submitted: SubmittedReport) => ({
  workOrderId: submitted.workOrderId,
  number: submitted.number,
  tier: submitted.tier,
  ...(submitted.linkedAsDuplicate ? { linkedAsDuplicate: submitted.linkedAsDuplicate } : {}),
  links: { timeline: `/v1/work-orders/${submitted.workOrderId}/timeline` },
  residentLink: submitted.residentLink,
});

/** Integrators (hotline, IVR, CRM, app) and the front desk's dispatchers record what a resident reported. */
@Controller('v1/reports')
@Access(INTAKE_CALLERS)
export class ReportsHttpController {
  constructor(private readonly submitReport: SubmitReportHandler) {}

  @Post()
  @HttpCode(202)
  async submit(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    if (!request.is('application/json'))
      throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
    idempotencyKeyOf(idempotencyKey);
    const correlationId = correlationIdOf(request);
    const caller = principalOf(request);
    const report = parseReport(body);
    authorizeIntake(caller, report.siteId, IntakeEventTypes.ReportSubmitted);
    const actor = actorOf(caller);
    const submitted = await this.submitReport.handle({
      report,
      // Keys are the caller's own: two integrators choosing the same key never meet.
      retryKey:
        idempotencyKey === undefined ? undefined : { scope: `http:${actor.kind}:${actor.id}`, key: idempotencyKey },
      actor,
      correlationId,
      causationId: `request:${randomUUID()}`,
    });
    if (submitted.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return acceptedBody(submitted);
  }
}
