import { Injectable } from '@nestjs/common';
import { IntakeEventTypes } from '@closeloop/contracts';
import { actorOf, Principal } from '@closeloop/http';
import { ResidentFeedbackHandler } from '../resident-feedback/resident-feedback.handler';
import { IntakeRequest } from './cloud-event-submission';
import { acceptedBody } from './reports.http.controller';
import { SubmitReportHandler } from './submit-report.handler';
import { authorizeIntake, authorizeIntakeType } from './intake-callers';

/** Carries out one integrator CloudEvent, whichever path it came by (HTTP or the intake topic). */
@Injectable()
export class IntakeRequestsHandler {
  constructor(
    private readonly submitReport: SubmitReportHandler,
    private readonly feedback: ResidentFeedbackHandler,
  ) {}

  /** The caller's scope is checked here, for both paths; the recorded actor is the caller, whatever the event claims. */
  async handle(request: IntakeRequest, caller: Principal) {
    if (request.kind === 'report') {
      authorizeIntake(caller, request.submission.report.siteId, IntakeEventTypes.ReportSubmitted);
      return { id: request.eventId, ...acceptedBody(await this.submitReport.handle({ ...request.submission, actor: actorOf(caller) })) };
    }
    authorizeIntakeType(caller, request.eventType);
    const outcome = await this.feedback.handle(request.feedback, { ...request.context, caller });
    return { id: request.eventId, workOrderId: outcome.workOrderId, status: outcome.state.status, events: outcome.events.map((e) => e.type) };
  }
}
