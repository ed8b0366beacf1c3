import { randomUUID } from 'node:crypto';
import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  IntakeEventTypes,
  FollowUpContactSchema,
  ResolutionConfirmedSchema,
  ResolutionRejectedSchema,
} from '@closeloop/contracts';
import { Access, actorOf, correlationIdOf, idempotencyKeyOf, principalOf } from '@closeloop/http';
import { authorizeIntakeType, INTAKE_CALLERS } from '../submit-report/intake-callers';
import type { Request, Response } from 'express';
import { jsonBodyOf } from './json-body';
import { FeedbackContext, ResidentFeedback, ResidentFeedbackHandler } from './resident-feedback.handler';
import { WorkOrderLookup } from './work-order-lookup';

/**
 * The resident's side over HTTP, for front desks and apps that relay what the resident said. The order is named
 * by id or by its number; an order of a site the caller does not serve answers 404.
 */
@Controller('v1/work-orders/:reference')
@Access(INTAKE_CALLERS)
export class ResidentFeedbackHttpController {
  constructor(
    private readonly feedback: ResidentFeedbackHandler,
    private readonly lookup: WorkOrderLookup,
  ) {}

  @Post('follow-ups')
  @HttpCode(202)
  followUp(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const parsed = jsonBodyOf(FollowUpContactSchema, request);
    return this.run({ kind: 'follow-up', ...parsed }, IntakeEventTypes.FollowUpContact, request, response);
  }

  @Post('confirmation')
  @HttpCode(202)
  confirm(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const parsed = jsonBodyOf(ResolutionConfirmedSchema, request);
    return this.run({ kind: 'confirmation', ...parsed }, IntakeEventTypes.ResolutionConfirmed, request, response);
  }

  @Post('rejection')
  @HttpCode(202)
  reject(@Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const parsed = jsonBodyOf(ResolutionRejectedSchema, request);
    return this.run({ kind: 'rejection', ...parsed }, IntakeEventTypes.ResolutionRejected, request, response);
  }

  /** The order is named in the path (`:reference`); the Idempotency-Key header, when sent, is the retry key. */
  private async run(
    feedback: ResidentFeedback,
    eventType: (typeof IntakeEventTypes)[keyof typeof IntakeEventTypes],
    request: Request,
    response: Response,
  ) {
    const { reference } = request.params as { reference: string };
    const idempotencyKey = idempotencyKeyOf(request.header('idempotency-key'));
    const caller = principalOf(request);
    authorizeIntakeType(caller, eventType);
    const relay = actorOf(caller);
    const context: FeedbackContext = {
      reference: this.lookup.fromPath(reference),
      // The resident speaks; who relayed it is part of the actor's name.
      actor: { kind: 'resident', id: `via:${relay.kind}:${relay.id}` },
      correlationId: correlationIdOf(request),
      causationId: `request:${randomUUID()}`,
      idempotencyKey: idempotencyKey === undefined ? undefined : `http:${relay.kind}:${relay.id}:${idempotencyKey}`,
      caller,
    };
    const outcome = await this.feedback.handle(feedback, context);
    if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return {
      workOrderId: outcome.workOrderId,
      status: outcome.state.status,
      events: outcome.events.map((e) => e.type),
    };
  }
}
