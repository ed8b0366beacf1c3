import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import { UnsupportedMediaTypeError } from '@closeloop/contracts';
import { correlationIdOf, idempotencyKeyOf } from '@closeloop/http';
import type { Request, Response } from 'express';
import { parseReport } from './report-input';
import { SubmitReportHandler, SubmittedReport } from './submit-report.handler';


export const acceptedBody = (submitted: SubmittedReport) => ({
  workOrderId: submitted.workOrderId,
  number: submitted.number,
  tier: submitted.tier,
  ...(submitted.linkedAsDuplicate ? { linkedAsDuplicate: submitted.linkedAsDuplicate } : {}),
  links: { timeline: `/v1/work-orders/${submitted.workOrderId}/timeline` },
});

@Controller('v1/reports')
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
    if (!request.is('application/json')) throw new UnsupportedMediaTypeError(request.header('content-type'), ['application/json']);
    idempotencyKeyOf(idempotencyKey);
    const correlationId = correlationIdOf(request);
    const submitted = await this.submitReport.handle({
      report: parseReport(body),
      retryKey: idempotencyKey === undefined ? undefined : { scope: 'http', key: idempotencyKey },
      // Until integrator keys exist every HTTP caller is the same anonymous integrator.
      actor: { kind: 'integrator', id: 'http' },
      correlationId,
      causationId: `request:${randomUUID()}`,
    });
    if (submitted.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return acceptedBody(submitted);
  }
}
