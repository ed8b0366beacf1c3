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

  /**
   * The caller's scope is checked here, for both paths. The recorded actor and the namespace of retry keys are the
   * authenticated caller, whatever `source` the event claims: two integrators' event ids never meet.
   */
  async handle(request: IntakeRequest, caller: Principal) {
    const actor = actorOf(caller);
    const namespace = `cloudevent:${actor.kind}:${actor.id}`;
    if (request.kind === 'report') {
      authorizeIntake(caller, request.submission.report.siteId, IntakeEventTypes.ReportSubmitted);
      const submission = { ...request.submission, actor, retryKey: { scope: namespace, key: request.eventId } };
      return { id: request.eventId, ...acceptedBody(await this.submitReport.handle(submission)) };
    }
    authorizeIntakeType(caller, request.eventType);
    const outcome = await this.feedback.handle(request.feedback, {
      ...request.context,
      idempotencyKey: `${namespace}:${request.eventId}`,
      caller,
    });
    return {
      id: request.eventId,
      workOrderId: outcome.workOrderId,
      status: outcome.state.status,
      events: outcome.events.map((e) => e.type),
    };
  }
}
