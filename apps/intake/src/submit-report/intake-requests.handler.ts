import { Injectable } from '@nestjs/common';
import { ResidentFeedbackHandler } from '../resident-feedback/resident-feedback.handler';
import { IntakeRequest } from './cloud-event-submission';
import { acceptedBody } from './reports.http.controller';
import { SubmitReportHandler } from './submit-report.handler';

/** Carries out one integrator CloudEvent, whichever path it came by (HTTP or the intake topic). */
@Injectable()
export class IntakeRequestsHandler {
  constructor(
    private readonly submitReport: SubmitReportHandler,
    private readonly feedback: ResidentFeedbackHandler,
  ) {}

  async handle(request: IntakeRequest) {
    if (request.kind === 'report') return { id: request.eventId, ...acceptedBody(await this.submitReport.handle(request.submission)) };
    const outcome = await this.feedback.handle(request.feedback, request.context);
    return { id: request.eventId, workOrderId: outcome.workOrderId, status: outcome.state.status, events: outcome.events.map((e) => e.type) };
  }
}
